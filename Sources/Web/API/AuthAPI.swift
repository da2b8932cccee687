import Core
import Foundation
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
        // Registration in two steps: the details (a code goes to the phone or e-mail), then the code.
        routes.post("/api/v1/auth/register", .everyone) { request, context in
            let input = try await RequestBody.json(CitizenRegistration.self, from: request, context: context)
            let started = try await Self.startRegistration(input, services: services, context: context)
            return try JSONResponse(started, status: .accepted).response(from: request, context: context)
        }
        routes.post("/api/v1/auth/register/confirm", .everyone) { request, context in
            let input = try await RequestBody.json(RegistrationCode.self, from: request, context: context)
            let account = try await services.accounts.confirmRegistration(phoneOrEmail: input.phoneOrEmail, code: input.code, requestID: context.requestID)
            return try JSONResponse(account, status: .created).response(from: request, context: context)
        }
        routes.get("/api/v1/me", .signedIn) { request, context in
            guard let id = context.principal?.userID, let account = try await services.accounts.account(id: id) else { throw Problem.unauthenticated }
            return try JSONResponse(account).response(from: request, context: context)
        }
    }
}

/// `POST /api/v1/auth/register/confirm`.
struct RegistrationCode: Decodable, KnownFields {
    let phoneOrEmail: String
    let code: String
    static let fieldNames: Set<String> = ["phoneOrEmail", "code"]
}

extension AuthAPI {
    /// Starts a registration from this address, within its budget (each request sends a message).
    static func startRegistration(_ input: CitizenRegistration, services: WebServices, context: AppRequestContext) async throws -> RegistrationStarted {
        if let wait = await services.registrationLimiter.retryAfter(context.clientAddress, now: Date()) {
            throw DomainError.tooManyRequests(retryAfterSeconds: wait, messageVi: "Quá nhiều yêu cầu đăng ký. Vui lòng thử lại sau \(wait) giây",
                                              messageEn: "Too many registration requests. Try again in \(wait) seconds")
        }
        await services.registrationLimiter.recordFailure(context.clientAddress, now: Date())
        return try await services.accounts.startRegistration(input, requestID: context.requestID)
    }
}

extension CitizenRegistration: KnownFields {
    public static let fieldNames: Set<String> = ["phoneOrEmail", "password", "fullName", "citizenId"]
}

extension NewStaffAccount: KnownFields {
    public static let fieldNames: Set<String> = ["username", "password", "fullName", "roles", "agencyIdentifier", "departmentCode", "email", "phone"]
}
