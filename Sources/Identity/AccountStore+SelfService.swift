import Audit
import Core
import Foundation
import SQLKit
import Storage

/// A password change by the account's owner (`currentPassword` proves it is them).
public struct PasswordChange: Sendable {
    public let currentPassword: String
    public let newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}

extension AccountStore {
    /// Changes the owner's password: the current one must be right and the new one follow the
    /// rules (both reported at once). Every other session of the account ends and its API tokens
    /// stop working; the session in use (`keeping`, its cookie token) stays. The owner is told.
    public func changePassword(_ change: PasswordChange, of accountID: Int64, keeping token: String?, requestID: String?) async throws {
        var errors: [ValidationError] = []
        do { try AccountRules.checkPassword(change.newPassword) } catch {
            errors.append(ValidationError(field: "newPassword", messageVi: error.messageVi, messageEn: error.messageEn))
        }
        guard let row = try await database.read({ db in try await self.row(id: accountID, db) }) else { throw DomainError.notFound(what: "user") }
        if try await !hasher.verify(change.currentPassword, hash: row.passwordHash) {
            errors.insert(
                ValidationError(field: "currentPassword", messageVi: "Mật khẩu hiện tại không đúng", messageEn: "The current password is wrong"),
                at: 0
            )
        }
        guard errors.isEmpty else { throw DomainError.invalid(errors) }
        let hash = try await hasher.hash(change.newPassword)
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            try await db.update("users").set("password_hash", to: hash).set("tokens_revoked_at", to: now).set("updated_at", to: now)
                .where("id", .equal, accountID).run()
            try await Self.endSessions(of: accountID, except: token, db)
            try await Self.tell(
                phone: row.phone,
                email: row.email,
                "Mật khẩu tài khoản dịch vụ công của bạn vừa được đổi. Nếu không phải bạn, hãy đặt lại mật khẩu và liên hệ bộ phận hỗ trợ.",
                subject: "Mật khẩu đã được đổi",
                key: "password-change#\(row.username)#\(now)",
                now: now,
                db
            )
            try await Self.recordOwnAction("user.password_change", of: row, requestID: requestID, db, clock: clock)
        }
    }

    /// Starts changing the owner's phone or e-mail: a six-digit code goes to the new contact (the
    /// change is made only when the code comes back, so nobody can point an account at a contact
    /// they do not hold). A code already sent in the last minute is not sent again.
    public func startContactChange(to contact: String, of accountID: Int64, requestID: String?) async throws -> CodeSent {
        let given = contact.trimmingCharacters(in: .whitespaces)
        guard let normalised = AccountRules.phone(given) ?? AccountRules.email(given) else {
            throw DomainError.invalid(
                "contact",
                "Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử",
                "Enter a mobile number (10 digits) or an e-mail address"
            )
        }
        guard let row = try await database.read({ db in try await self.row(id: accountID, db) }) else { throw DomainError.notFound(what: "user") }
        guard normalised != row.phone && normalised != row.email else {
            throw DomainError.invalid("contact", "Đây đã là liên hệ của tài khoản", "This is already the account's contact")
        }
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let last = try await db.select().column("created_at").from("contact_changes").where("username", .equal, row.username).first()?
                .decode(column: "created_at", as: Int64.self)
            if let last, now - last < Self.resetResendInterval { return }
            try await db.delete(from: "contact_changes").where("username", .equal, row.username).run()
            try await db.insert(into: "contact_changes").columns("username", "contact", "code_hash", "attempts", "expires_at", "created_at")
                .values(
                    SQLBind(row.username),
                    SQLBind(normalised),
                    SQLBind(Self.contactCodeHash(code, row.username, normalised)),
                    SQLBind(0),
                    SQLBind(now + Self.codeLifetime),
                    SQLBind(now)
                )
                .run()
            let isPhone = AccountRules.phone(normalised) != nil
            try await Self.tell(
                phone: isPhone ? normalised : nil,
                email: isPhone ? nil : normalised,
                "Mã xác nhận liên hệ mới của tài khoản dịch vụ công: \(code). Mã có hiệu lực 10 phút; không cung cấp mã cho người khác.",
                subject: "Mã xác nhận liên hệ mới",
                key: "contact-change#\(row.username)#\(now)",
                now: now,
                db
            )
            try await Self.recordOwnAction(
                "user.contact_change.start",
                of: row,
                requestID: requestID,
                change: ["kind": isPhone ? "phone" : "email"],
                db,
                clock: clock
            )
        }
        return CodeSent(status: "code-sent", expiresIn: Int(Self.codeLifetime / 1000))
    }

    /// The contact waiting for its code, if any (the account page asks for the code).
    public func pendingContact(of accountID: Int64) async throws -> String? {
        let now = clock.millis()
        return try await database.read { db in
            guard let row = try await self.row(id: accountID, db) else { return nil }
            return try await db.select().columns("contact", "expires_at").from("contact_changes").where("username", .equal, row.username)
                .where("expires_at", .greaterThan, now).first()?.decode(column: "contact", as: String.self)
        }
    }

    /// Confirms the new contact with its code: the phone (or e-mail) is replaced and the old
    /// contact is told. A wrong or expired code gets one answer; five wrong codes end the change.
    @discardableResult
    public func confirmContactChange(code: String, of accountID: Int64, requestID: String?) async throws -> Account {
        let now = clock.millis()
        let clock = clock
        let changed = try await database.transaction { db -> Bool in
            guard let row = try await self.row(id: accountID, db),
                let pending = try await db.select().columns("contact", "code_hash", "attempts", "expires_at").from("contact_changes")
                    .where("username", .equal, row.username).first()
            else { return false }
            let contact = try pending.decode(column: "contact", as: String.self)
            let given = Self.contactCodeHash(code.trimmingCharacters(in: .whitespaces), row.username, contact)
            guard try await Self.spendCode(pending, given: given, in: "contact_changes", username: row.username, now: now, db) else { return false }
            let isPhone = AccountRules.phone(contact) != nil
            try await db.update("users").set(isPhone ? "phone" : "email", to: contact).set("updated_at", to: now).where("id", .equal, row.id).run()
            // The old contact of the same kind is told, or the other one when there was none.
            let replaced = isPhone ? row.phone : row.email
            try await Self.tell(
                phone: isPhone || replaced == nil ? row.phone : nil,
                email: isPhone ? (replaced == nil ? row.email : nil) : replaced,
                "Liên hệ của tài khoản dịch vụ công của bạn vừa được đổi. Nếu không phải bạn, hãy liên hệ ngay bộ phận hỗ trợ.",
                subject: "Liên hệ của tài khoản đã được đổi",
                key: "contact-changed#\(row.username)#\(now)",
                now: now,
                db
            )
            try await Self.recordOwnAction(
                "user.contact_change",
                of: row,
                requestID: requestID,
                change: ["kind": isPhone ? "phone" : "email"],
                db,
                clock: clock
            )
            return true
        }
        guard changed, let account = try await account(id: accountID) else {
            throw DomainError.invalid(
                "code",
                "Mã xác nhận không đúng hoặc đã hết hạn; hãy yêu cầu mã mới",
                "The code is wrong or has expired; ask for a new one"
            )
        }
        return account
    }

    func row(id: Int64, _ db: any SQLDatabase) async throws -> Row? {
        try await db.select().columns(Self.columns).from("users").where("id", .equal, id)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Ends the account's sessions, all or all but the one of `token`.
    static func endSessions(of accountID: Int64, except token: String?, _ db: any SQLDatabase) async throws {
        let query = db.delete(from: "sessions").where("user_id", .equal, accountID)
        if let token { query.where("token_hash", .notEqual, SessionStore.digest(token)) }
        try await query.run()
    }

    static func contactCodeHash(_ code: String, _ username: String, _ contact: String) -> String {
        Digest.sha256Hex("cqs-contact-change|\(username)|\(contact)|\(code)")
    }

    /// Audits an action the account's owner took on their own account.
    static func recordOwnAction(
        _ action: String,
        of row: Row,
        requestID: String?,
        change: [String: String] = [:],
        _ db: any SQLDatabase,
        clock: WallClock
    ) async throws {
        try await AuditLog.record(
            AuditEntry(
                principal: Principal(userID: row.id, username: row.username, roles: [], agency: row.agencyIdentifier),
                action: action,
                targetType: "user",
                targetID: String(row.id),
                requestID: requestID,
                change: change
            ),
            on: db,
            clock: clock
        )
    }
}
