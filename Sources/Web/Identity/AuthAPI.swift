import Core
import Foundation
import Hummingbird
import Identity

/// `POST /api/v1/auth/token`, sign-out, registration and password reset, `GET /api/v1/me`.
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
            let account = try await services.authenticator.login(
                username: input.username,
                password: input.password,
                clientAddress: context.clientAddress,
                requestID: context.requestID
            )
            let token = try await services.tokens.issue(for: account)
            return JSONResponse(TokenResponse(accessToken: token, tokenType: "Bearer", expiresIn: Int(services.tokens.lifetime)))
        }
        // An API client's sign-out: every token of the account issued until now stops working.
        routes.post("/api/v1/auth/logout", .signedIn) { request, context in
            try await services.sessions.revokeTokens(of: context.principal, requestID: context.requestID)
            return Response(status: .noContent)
        }
        // Registration in two steps: the details (a code goes to the phone or e-mail), then the code.
        routes.post("/api/v1/auth/register", .everyone) { request, context in
            let input = try await RequestBody.json(CitizenRegistration.self, from: request, context: context)
            let started = try await Self.startRegistration(input, services: services, context: context)
            return JSONResponse(started, status: .accepted)
        }
        routes.post("/api/v1/auth/register/confirm", .everyone) { request, context in
            let input = try await RequestBody.json(RegistrationCode.self, from: request, context: context)
            let account = try await services.accounts.confirmRegistration(
                phoneOrEmail: input.phoneOrEmail,
                code: input.code,
                requestID: context.requestID
            )
            return JSONResponse(account, status: .created)
        }
        // Password reset in two steps: the account's name (a code goes to its phone or e-mail), then the code and the new password.
        routes.post("/api/v1/auth/password-reset", .everyone) { request, context in
            let input = try await RequestBody.json(PasswordResetRequest.self, from: request, context: context)
            let sent = try await Self.startPasswordReset(username: input.username, services: services, context: context)
            return JSONResponse(sent, status: .accepted)
        }
        routes.post("/api/v1/auth/password-reset/confirm", .everyone) { request, context in
            let input = try await RequestBody.json(PasswordResetConfirmation.self, from: request, context: context)
            try await services.accounts.confirmPasswordReset(input, requestID: context.requestID)
            return Response(status: .noContent)
        }
        routes.get("/api/v1/me", .signedIn) { request, context in
            guard let id = context.principal.userID, let account = try await services.accounts.account(id: id) else { throw Problem.unauthenticated }
            return JSONResponse(account)
        }
    }
}

/// `POST /api/v1/auth/register/confirm`.
struct RegistrationCode: Decodable, KnownFields {
    let phoneOrEmail: String
    let code: String
    static let fieldNames: Set<String> = ["phoneOrEmail", "code"]
}

/// `POST /api/v1/auth/password-reset`.
struct PasswordResetRequest: Decodable, KnownFields {
    let username: String
    static let fieldNames: Set<String> = ["username"]
}

extension PasswordResetConfirmation: KnownFields {
    public static let fieldNames: Set<String> = ["username", "code", "newPassword"]
}

extension AuthAPI {
    /// Starts a registration from this address, within its budget (each request sends a message).
    static func startRegistration(_ input: CitizenRegistration, services: WebServices, context: AppRequestContext) async throws -> CodeSent {
        try await withinCodeBudget(services, context)
        return try await services.accounts.startRegistration(input, requestID: context.requestID)
    }

    /// Starts a password reset from this address, within the same budget.
    static func startPasswordReset(username: String, services: WebServices, context: AppRequestContext) async throws -> CodeSent {
        try await withinCodeBudget(services, context)
        return try await services.accounts.startPasswordReset(username: username, requestID: context.requestID)
    }

    /// Each address may ask for a limited number of codes (each request may send an SMS or e-mail).
    static func withinCodeBudget(_ services: WebServices, _ context: AppRequestContext) async throws {
        if let wait = try await services.codeRequestLimiter.retryAfter(context.clientAddress, now: Date()) {
            throw DomainError.tooManyRequests(
                retryAfterSeconds: wait,
                messageVi: "Quá nhiều yêu cầu gửi mã. Vui lòng thử lại sau \(wait) giây",
                messageEn: "Too many requests for a code. Try again in \(wait) seconds"
            )
        }
        try await services.codeRequestLimiter.recordFailure(context.clientAddress, now: Date())
    }
}

extension CitizenRegistration: KnownFields {
    public static let fieldNames: Set<String> = ["phoneOrEmail", "password", "fullName", "citizenId"]
}

extension NewStaffAccount: KnownFields {
    public static let fieldNames: Set<String> = ["username", "password", "fullName", "roles", "agencyIdentifier", "departmentCode", "email", "phone"]
}
