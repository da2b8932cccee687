import Core
import Hummingbird
import Identity

/// `POST /api/v1/auth/token`, `POST /api/v1/auth/register`, `GET /api/v1/me`.
public struct AuthAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    struct TokenRequest: Decodable, KnownFields {
        let username: String
        let password: String
        static let fieldNames: Set<String> = ["username", "password"]
    }

    struct TokenResponse: Encodable, Sendable {
        let accessToken: String
        let tokenType: String
        let expiresIn: Int
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.post("/api/v1/auth/token", .everyone) { request, context in
            let input = try await RequestBody.json(TokenRequest.self, from: request, context: context)
            let account = try await services.authenticator.login(username: input.username, password: input.password,
                                                                 clientAddress: context.clientAddress, requestID: context.requestID)
            let token = try await services.tokens.issue(for: account)
            return try JSONResponse(TokenResponse(accessToken: token, tokenType: "Bearer", expiresIn: Int(services.tokens.lifetime)))
                .response(from: request, context: context)
        }
        // An API client's sign-out: every token of the account issued until now stops working.
        routes.post("/api/v1/auth/logout", .signedIn) { request, context in
            try await services.sessions.revokeTokens(of: context.principal!, requestID: context.requestID)
            return Response(status: .noContent)
        }
        routes.post("/api/v1/auth/register", .everyone) { request, context in
            let input = try await RequestBody.json(CitizenRegistration.self, from: request, context: context)
            let account = try await services.accounts.registerCitizen(input, requestID: context.requestID)
            return try JSONResponse(account, status: .created).response(from: request, context: context)
        }
        routes.get("/api/v1/me", .signedIn) { request, context in
            guard let id = context.principal?.userID, let account = try await services.accounts.account(id: id) else { throw Problem.unauthenticated }
            return try JSONResponse(account).response(from: request, context: context)
        }
    }
}

extension CitizenRegistration: KnownFields {
    public static let fieldNames: Set<String> = ["phoneOrEmail", "password", "fullName", "citizenId"]
}

extension NewStaffAccount: KnownFields {
    public static let fieldNames: Set<String> = ["username", "password", "fullName", "roles", "agencyIdentifier", "departmentCode", "email", "phone"]
}
