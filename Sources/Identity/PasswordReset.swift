import Audit
import Core
import Delivery
import Foundation
import SQLKit
import Storage

/// A new password set with a one-time code (`POST /api/v1/auth/password-reset/confirm`).
public struct PasswordResetConfirmation: Codable, Sendable {
    public let username: String
    public let code: String
    public let newPassword: String

    public init(username: String, code: String, newPassword: String) {
        self.username = username
        self.code = code
        self.newPassword = newPassword
    }
}

extension AccountStore {
    /// A new code for the same account is sent at most this often (the answer stays the same).
    static let resetResendInterval: Int64 = 60 * 1000

    /// Starts a password reset: a six-digit code goes to the account's phone (SMS) or e-mail.
    /// Unknown names, disabled accounts and accounts without a contact get the same answer and
    /// the same work (a transaction and an audit record), so the answer tells nobody which
    /// accounts exist; a code already sent in the last minute is not sent again.
    public func startPasswordReset(username rawUsername: String, requestID: String?) async throws -> CodeSent {
        let username = AccountRules.username(rawUsername)
        guard !username.isEmpty, username.count <= 100 else {
            throw DomainError.invalid(
                "username",
                "Nhập tên đăng nhập, số điện thoại hoặc thư điện tử của tài khoản",
                "Enter the account's username, phone number or e-mail"
            )
        }
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let account = try await self.row(username: username, db)
            var outcome = "unknown"
            if let account, account.status == AccountStatus.active.rawValue, account.phone != nil || account.email != nil {
                let last = try await db.select().column("created_at").from("password_resets").where("username", .equal, username).first()?
                    .decode(column: "created_at", as: Int64.self)
                if let last, now - last < Self.resetResendInterval {
                    outcome = "recently-sent"
                } else {
                    try await db.delete(from: "password_resets").where("username", .equal, username).run()
                    try await db.insert(into: "password_resets").columns("username", "code_hash", "attempts", "expires_at", "created_at")
                        .values(
                            SQLBind(username),
                            SQLBind(Self.resetCodeHash(code, username)),
                            SQLBind(0),
                            SQLBind(now + Self.codeLifetime),
                            SQLBind(now)
                        )
                        .run()
                    try await Self.tell(
                        phone: account.phone,
                        email: account.email,
                        "Mã đặt lại mật khẩu tài khoản dịch vụ công: \(code). Mã có hiệu lực 10 phút; không cung cấp mã cho người khác. "
                            + "Nếu bạn không yêu cầu, hãy bỏ qua tin này.",
                        subject: "Mã đặt lại mật khẩu",
                        key: "password-reset#\(username)#\(now)",
                        now: now,
                        db
                    )
                    outcome = "code-sent"
                }
            } else if account != nil {
                outcome = "no-contact-or-disabled"
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: Principal(userID: account?.id, username: username, roles: [], agency: nil),
                    action: "user.password_reset.start",
                    targetType: "user",
                    targetID: account.map { String($0.id) } ?? username,
                    requestID: requestID,
                    change: ["outcome": outcome]
                ),
                on: db,
                clock: clock
            )
        }
        return CodeSent(status: "code-sent", expiresIn: Int(Self.codeLifetime / 1000))
    }

    /// Sets a new password with the code: every session of the account ends and its API tokens
    /// stop working; the owner is told. A wrong, expired or unknown code gets the same answer;
    /// five wrong codes end the reset.
    public func confirmPasswordReset(_ input: PasswordResetConfirmation, requestID: String?) async throws {
        do { try AccountRules.checkPassword(input.newPassword) } catch {
            throw DomainError.invalid([ValidationError(field: "newPassword", messageVi: error.messageVi, messageEn: error.messageEn)])
        }
        let username = AccountRules.username(input.username)
        // Hashed before the code is checked, so right and wrong codes take the same time.
        let hash = try await hasher.hash(input.newPassword)
        let now = clock.millis()
        let clock = clock
        let changed = try await database.transaction { db -> Bool in
            guard
                let pending = try await db.select().columns("code_hash", "attempts", "expires_at").from("password_resets")
                    .where("username", .equal, username).first()
            else { return false }
            guard let account = try await self.row(username: username, db), account.status == AccountStatus.active.rawValue else {
                try await db.delete(from: "password_resets").where("username", .equal, username).run()
                return false
            }
            let given = Self.resetCodeHash(input.code.trimmingCharacters(in: .whitespaces), username)
            guard try await Self.spendCode(pending, given: given, in: "password_resets", username: username, now: now, db) else { return false }
            try await db.update("users").set("password_hash", to: hash).set("failed_logins", to: 0).set("locked_until", to: Int64?.none)
                .set("tokens_revoked_at", to: now).set("updated_at", to: now).where("id", .equal, account.id).run()
            try await db.delete(from: "sessions").where("user_id", .equal, account.id).run()
            try await Self.tell(
                phone: account.phone,
                email: account.email,
                "Mật khẩu tài khoản dịch vụ công của bạn vừa được đặt lại. Nếu không phải bạn, hãy liên hệ ngay bộ phận hỗ trợ.",
                subject: "Mật khẩu đã được đặt lại",
                key: "password-reset-done#\(username)#\(now)",
                now: now,
                db
            )
            try await AuditLog.record(
                AuditEntry(
                    principal: Principal(userID: account.id, username: username, roles: [], agency: account.agencyIdentifier),
                    action: "user.password_reset",
                    targetType: "user",
                    targetID: String(account.id),
                    requestID: requestID
                ),
                on: db,
                clock: clock
            )
            return true
        }
        guard changed else {
            throw DomainError.invalid(
                "code",
                "Mã xác nhận không đúng hoặc đã hết hạn; hãy yêu cầu mã mới",
                "The code is wrong or has expired; ask for a new one"
            )
        }
    }

    static func resetCodeHash(_ code: String, _ username: String) -> String { Digest.sha256Hex("cqs-password-reset|\(username)|\(code)") }
}
