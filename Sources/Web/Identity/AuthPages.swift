import Core
import Hummingbird
import Identity

/// Sign-in, sign-out, citizen registration and password reset pages.
public struct AuthPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/login", .everyone) { request, context in
            try services.pages.render(
                "login",
                titleKey: "login",
                page: AuthViews.Login(
                    next: SafeRedirect.localPath(request.uri.stringParameter("next")) ?? "",
                    resetDone: request.uri.stringParameter("reset") == "done"
                ),
                request: request,
                context: context
            )
        }
        routes.post("/login", .everyone) { request, context in try await login(request, context) }
        routes.post("/logout", .signedIn) { request, context in
            if let token = context.sessionToken {
                try await services.sessions.close(token: token, principal: context.principal, requestID: context.requestID)
            }
            var response = Response.redirect(to: "/", type: .normal)
            response.setCookie(
                Cookie(
                    name: SessionMiddleware.sessionCookie,
                    value: "",
                    maxAge: 0,
                    path: "/",
                    secure: services.settings.secureCookies,
                    httpOnly: true,
                    sameSite: .lax
                )
            )
            return response
        }
        routes.get("/register", .everyone) { request, context in
            try services.pages.render("register", titleKey: "register", request: request, context: context)
        }
        routes.post("/register", .everyone) { request, context in try await register(request, context) }
        routes.post("/register/confirm", .everyone) { request, context in try await confirm(request, context) }
        routes.get("/password-reset", .everyone) { request, context in
            try services.pages.render("password-reset", titleKey: "passwordReset", request: request, context: context)
        }
        routes.post("/password-reset", .everyone) { request, context in try await startPasswordReset(request, context) }
        routes.post("/password-reset/confirm", .everyone) { request, context in try await confirmPasswordReset(request, context) }
    }

    /// Where a sign-in leads: the page asked for (local paths only, no open redirects), else
    /// where the account's work is.
    static func next(_ next: String?, for account: Account) -> String {
        SafeRedirect.localPath(next) ?? landing(for: account.roles)
    }

    /// The page each kind of account works on: dossiers for citizens and the one-stop staff,
    /// the document register for clerks, statistics for auditors, users for administrators.
    static func landing(for roles: [Role]) -> String {
        if roles.contains(.systemAdmin) || roles.contains(.agencyAdmin) { return "/admin/users" }
        if roles.contains(.auditor) { return "/statistics" }
        if roles == [.clerk] { return "/documents" }
        return "/dossiers"
    }

    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await Form.read(request)
        let username = form["username"] ?? ""
        do {
            let account = try await services.authenticator.login(
                username: username,
                password: form["password"] ?? "",
                clientAddress: context.clientAddress,
                requestID: context.requestID
            )
            return try await signedIn(account, redirectTo: Self.next(form["next"], for: account), request: request, context: context)
        } catch let error as DomainError {
            let problem = Problem.from(error, language: context.language)
            var response = try services.pages.render(
                "login",
                titleKey: "login",
                page: AuthViews.Login(next: SafeRedirect.localPath(form["next"]) ?? "", username: username, error: problem.detail),
                request: request,
                context: context,
                status: problem.httpStatus
            )
            if let wait = problem.retryAfter { response.headers[.retryAfter] = String(wait) }
            return response
        }
    }

    func signedIn(_ account: Account, redirectTo path: String, request: Request, context: AppRequestContext) async throws -> Response {
        let session = try await services.sessions.open(for: account, userAgent: request.headers[.userAgent], address: context.clientAddress)
        var response = Response.redirect(to: path, type: .normal)
        response.setCookie(
            Cookie(
                name: SessionMiddleware.sessionCookie,
                value: session.token,
                maxAge: 8 * 3600,
                path: "/",
                secure: services.settings.secureCookies,
                httpOnly: true,
                sameSite: .lax
            )
        )
        return response
    }

    func register(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await Form.read(request)
        let input = CitizenRegistration(
            phoneOrEmail: form["phoneOrEmail"] ?? "",
            password: form["password"] ?? "",
            fullName: form["fullName"] ?? "",
            citizenId: form["citizenId"]
        )
        let typed = AuthViews.Registration(fullName: input.fullName, phoneOrEmail: input.phoneOrEmail, citizenId: input.citizenId ?? "")
        return try await services.pages.submitting("register", titleKey: "register", page: typed, request: request, context: context) {
            _ = try await AuthAPI.startRegistration(input, services: services, context: context)
            return try services.pages.render(
                "register-confirm",
                titleKey: "register",
                page: AuthViews.RegistrationCode(phoneOrEmail: input.phoneOrEmail),
                request: request,
                context: context
            )
        }
    }

    /// The code sent to the phone or e-mail: right, the account exists and is signed in.
    func confirm(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await Form.read(request)
        let contact = form["phoneOrEmail"] ?? ""
        return try await services.pages.submitting(
            "register-confirm",
            titleKey: "register",
            page: AuthViews.RegistrationCode(phoneOrEmail: contact),
            request: request,
            context: context
        ) {
            let account = try await services.accounts.confirmRegistration(
                phoneOrEmail: contact,
                code: form["code"] ?? "",
                requestID: context.requestID
            )
            return try await signedIn(account, redirectTo: "/dossiers", request: request, context: context)
        }
    }

    /// The account's name: the same page follows whether or not it exists.
    func startPasswordReset(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await Form.read(request)
        let username = form["username"] ?? ""
        return try await services.pages.submitting(
            "password-reset",
            titleKey: "passwordReset",
            page: AuthViews.PasswordReset(username: username),
            request: request,
            context: context
        ) {
            _ = try await AuthAPI.startPasswordReset(username: username, services: services, context: context)
            return try services.pages.render(
                "password-reset-confirm",
                titleKey: "passwordReset",
                page: AuthViews.PasswordReset(username: username),
                request: request,
                context: context
            )
        }
    }

    /// The code and the new password: right, the sign-in page says so.
    func confirmPasswordReset(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let form = try await Form.read(request)
        let input = PasswordResetConfirmation(username: form["username"] ?? "", code: form["code"] ?? "", newPassword: form["newPassword"] ?? "")
        return try await services.pages.submitting(
            "password-reset-confirm",
            titleKey: "passwordReset",
            page: AuthViews.PasswordReset(username: input.username),
            request: request,
            context: context
        ) {
            try await services.accounts.confirmPasswordReset(input, requestID: context.requestID)
            return Response.redirect(to: "/login?reset=done", type: .normal)
        }
    }
}
