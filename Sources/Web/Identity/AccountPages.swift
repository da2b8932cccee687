import Core
import Foundation
import Hummingbird
import Identity

/// The signed-in user's own account: who they are, their password, their contact (changed only
/// once a code sent to the new one comes back) and the sessions open in their name.
struct AccountPages: Sendable {
    let services: WebServices

    func addRoutes(to routes: RouteBuilder) {
        routes.get("/account", .signedIn) { request, context in try await page(request, context) }
        routes.post("/account/password", .signedIn) { request, context in try await changePassword(request, context) }
        routes.post("/account/contact", .signedIn) { request, context in try await startContactChange(request, context) }
        routes.post("/account/contact/confirm", .signedIn) { request, context in try await confirmContactChange(request, context) }
        routes.post("/account/sessions/end", .signedIn) { request, context in try await endSession(request, context) }
        routes.post("/account/sessions/end-others", .signedIn) { request, context in try await endOtherSessions(request, context) }
    }

    /// The account page, with the errors of a refused form beside its fields and what was typed
    /// (never a password) kept.
    func page(_ request: Request, _ context: SignedInContext, refusal: Problem? = nil, typed: [String: String] = [:]) async throws -> Response {
        let account = try await owner(context)
        let vi = context.language == .vi
        let agency = try await account.agencyIdentifier.asyncFlatMap { try await services.directory.agency($0) }
        let facts = AccountViews.Facts(
            fullName: account.fullName,
            username: account.username,
            roles: account.roles.map { vi ? $0.nameVi : $0.nameEn },
            agency: agency.map { "\($0.name) (\($0.identifier))" } ?? account.agencyIdentifier,
            department: account.departmentCode.map { code in agency?.departments?.first { $0.code == code }?.name ?? code },
            email: account.email,
            phone: account.phone
        )
        let sessions = try await services.sessions.sessions(of: account.id, current: context.sessionToken).map {
            AccountViews.Session(
                id: $0.id,
                device: $0.device ?? (vi ? "Không rõ thiết bị" : "Unknown device"),
                address: $0.address,
                openedAt: VietnamTime.display($0.openedAt),
                current: $0.isCurrent
            )
        }
        return try services.pages.render(
            "account",
            titleKey: "account",
            page: AccountViews.Page(
                account: facts,
                contact: typed["contact"] ?? "",
                pendingContact: try await services.accounts.pendingContact(of: account.id),
                sessions: sessions,
                hasOtherSessions: sessions.contains { !$0.current }
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func changePassword(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let account = try await owner(context)
        // Guessing the current password from a session left open is slowed like signing in.
        let key = "password-change:\(account.id)"
        return try await Refusal.shown(in: context) {
            if let wait = try await services.codeRequestLimiter.retryAfter(key, now: Date()) {
                throw DomainError.tooManyRequests(
                    retryAfterSeconds: wait,
                    messageVi: "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau \(wait) giây",
                    messageEn: "Too many wrong passwords. Try again in \(wait) seconds"
                )
            }
            do {
                try await services.accounts.changePassword(
                    PasswordChange(currentPassword: form["currentPassword"] ?? "", newPassword: form["newPassword"] ?? ""),
                    of: account.id,
                    keeping: context.sessionToken,
                    requestID: context.requestID
                )
            } catch DomainError.invalid(let errors) {
                if errors.contains(where: { $0.field == "currentPassword" }) { try await services.codeRequestLimiter.recordFailure(key, now: Date()) }
                throw DomainError.invalid(errors)
            }
            return Response.redirect(to: "/account", type: .normal)
                .flashing(
                    context.language == .vi
                        ? "Đã đổi mật khẩu; các phiên đăng nhập khác đã kết thúc." : "Password changed; your other sessions have ended."
                )
        } again: { problem in
            try await page(request, context, refusal: problem)
        }
    }

    func startContactChange(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let account = try await owner(context)
        let contact = form["contact"] ?? ""
        return try await Refusal.shown(in: context) {
            try await AuthAPI.withinCodeBudget(services, context.base)
            _ = try await services.accounts.startContactChange(to: contact, of: account.id, requestID: context.requestID)
            return Response.redirect(to: "/account#contact", type: .normal)
                .flashing(
                    context.language == .vi
                        ? "Đã gửi mã xác nhận tới liên hệ mới; nhập mã để hoàn tất." : "A code was sent to the new contact; enter it to finish."
                )
        } again: { problem in
            try await page(request, context, refusal: problem, typed: ["contact": contact])
        }
    }

    func confirmContactChange(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let account = try await owner(context)
        return try await Refusal.shown(in: context) {
            try await services.accounts.confirmContactChange(code: form["code"] ?? "", of: account.id, requestID: context.requestID)
            return Response.redirect(to: "/account", type: .normal)
                .flashing(context.language == .vi ? "Đã cập nhật liên hệ của tài khoản." : "The account's contact was updated.")
        } again: { problem in
            try await page(request, context, refusal: problem)
        }
    }

    func endSession(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        try await services.sessions.end(form["session"] ?? "", of: context.principal, requestID: context.requestID)
        return Response.redirect(to: "/account#sessions", type: .normal)
            .flashing(context.language == .vi ? "Đã kết thúc phiên đăng nhập." : "The session was ended.")
    }

    func endOtherSessions(_ request: Request, _ context: SignedInContext) async throws -> Response {
        guard let token = context.sessionToken else { throw Problem.unauthenticated }
        let ended = try await services.sessions.endOthers(of: context.principal, keeping: token, requestID: context.requestID)
        return Response.redirect(to: "/account#sessions", type: .normal)
            .flashing(context.language == .vi ? "Đã kết thúc \(ended) phiên khác." : "Other sessions ended: \(ended).")
    }

    func owner(_ context: SignedInContext) async throws -> Account {
        guard let id = context.principal.userID, let account = try await services.accounts.account(id: id) else { throw Problem.unauthenticated }
        return account
    }
}

/// View models of the account page.
enum AccountViews {
    /// Who the account is; absent facts are not shown.
    struct Facts {
        let fullName: String
        let username: String
        let roles: [String]
        let agency: String?
        let department: String?
        let email: String?
        let phone: String?
    }

    /// A session open in the account's name.
    struct Session {
        let id: String
        let device: String
        let address: String?
        let openedAt: String
        let current: Bool
    }

    struct Page {
        let account: Facts
        /// The new contact as typed (kept across a refusal).
        let contact: String
        /// The contact a code was sent to, waiting for it.
        let pendingContact: String?
        let sessions: [Session]
        let hasOtherSessions: Bool
    }
}
