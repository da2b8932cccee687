import Audit
import Core
import Crypto
import Delivery
import Foundation
import SQLKit
import Storage

/// What a request for a one-time code (registration, password reset) answers, the same whether
/// or not the phone number, e-mail or username has an account (so it tells nobody who is registered).
public struct CodeSent: Codable, Sendable, Equatable {
    /// Always `code-sent`.
    public let status: String
    /// Seconds the code stays valid.
    public let expiresIn: Int
}

extension AccountStore {
    /// How long a registration code stays valid, and how many wrong codes end it.
    static let codeLifetime: Int64 = 10 * 60 * 1000
    static let codeAttempts = 5

    /// Starts a citizen's registration: checks the details (a 422 names the field), then sends a
    /// six-digit code to the phone (SMS) or e-mail; the account exists once the code is confirmed.
    /// When the contact already has an account, its owner is told instead (someone tried to
    /// register with it). The answer, and the work done, are the same in both cases.
    public func startRegistration(_ input: CitizenRegistration, requestID: String?) async throws -> CodeSent {
        let row = try await checkedRegistration(input)
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let existing = try await db.select().column("id").from("users").where("username", .equal, row.username).first() != nil
            if existing {
                try await Self.tell(
                    row,
                    "Có người vừa dùng \(row.username) để đăng ký tài khoản dịch vụ công; tài khoản của bạn đã có. "
                        + "Nếu là bạn, hãy đăng nhập hoặc đặt lại mật khẩu; nếu không, hãy bỏ qua tin này.",
                    subject: "Yêu cầu đăng ký với tài khoản đã có",
                    key: "register-notice#\(row.username)#\(now / 600_000)",
                    now: now,
                    db
                )
            } else {
                try await db.delete(from: "registrations").where("username", .equal, row.username).run()
                try await db.insert(into: "registrations")
                    .columns(
                        "username",
                        "password_hash",
                        "full_name",
                        "phone",
                        "email",
                        "citizen_id",
                        "code_hash",
                        "attempts",
                        "expires_at",
                        "created_at"
                    )
                    .values(
                        SQLBind(row.username),
                        SQLBind(row.passwordHash),
                        SQLBind(row.fullName),
                        SQLBind(row.phone),
                        SQLBind(row.email),
                        SQLBind(row.citizenId),
                        SQLBind(Self.codeHash(code, row.username)),
                        SQLBind(0),
                        SQLBind(now + Self.codeLifetime),
                        SQLBind(now)
                    )
                    .run()
                try await Self.tell(
                    row,
                    "Mã xác nhận đăng ký tài khoản dịch vụ công: \(code). Mã có hiệu lực 10 phút; không cung cấp mã cho người khác.",
                    subject: "Mã xác nhận đăng ký",
                    key: "register-code#\(row.username)#\(now)",
                    now: now,
                    db
                )
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: Principal(userID: nil, username: row.username, roles: [], agency: nil),
                    action: "user.register.start",
                    targetType: "user",
                    targetID: row.username,
                    requestID: requestID,
                    change: ["existing": existing ? "true" : "false"]
                ),
                on: db,
                clock: clock
            )
        }
        return CodeSent(status: "code-sent", expiresIn: Int(Self.codeLifetime / 1000))
    }

    /// Confirms a registration with its code and creates the account. A wrong, expired or
    /// unknown code gets the same answer; five wrong codes end the registration.
    public func confirmRegistration(phoneOrEmail: String, code: String, requestID: String?) async throws -> Account {
        let username = AccountRules.username(phoneOrEmail)
        let refused = DomainError.invalid(
            "code",
            "Mã xác nhận không đúng hoặc đã hết hạn; hãy đăng ký lại để nhận mã mới",
            "The code is wrong or has expired; register again for a new one"
        )
        let now = clock.millis()
        let pending = try await database.transaction { db -> NewRow? in
            guard
                let row = try await db.select().columns(
                    "password_hash",
                    "full_name",
                    "phone",
                    "email",
                    "citizen_id",
                    "code_hash",
                    "attempts",
                    "expires_at"
                )
                .from("registrations").where("username", .equal, username).first()
            else { return nil }
            let given = Self.codeHash(code.trimmingCharacters(in: .whitespaces), username)
            guard try await Self.spendCode(row, given: given, in: "registrations", username: username, now: now, db) else { return nil }
            return NewRow(
                username: username,
                passwordHash: try row.decode(column: "password_hash", as: String.self),
                fullName: try row.decode(column: "full_name", as: String.self),
                kind: .citizen,
                phone: try row.decode(column: "phone", as: String?.self),
                email: try row.decode(column: "email", as: String?.self),
                citizenId: try row.decode(column: "citizen_id", as: String?.self),
                agency: nil,
                department: nil,
                roles: [.citizen]
            )
        }
        guard let pending else { throw refused }
        do { return try await registerCitizen(pending, requestID: requestID) } catch let DomainError.conflict(_, _) { throw refused }
    }

    /// Checks a pending one-time code (`code_hash`, `attempts`, `expires_at` of `row`, the entry of
    /// `username` in `table`) against the hash of the one given: right, the entry is spent;
    /// wrong, one more attempt is counted; expired or out of attempts, the entry ends.
    static func spendCode(_ row: any SQLRow, given: String, in table: String, username: String, now: Int64, _ db: any SQLDatabase) async throws
        -> Bool
    {
        let attempts = try row.decode(column: "attempts", as: Int.self)
        guard attempts < codeAttempts, try row.decode(column: "expires_at", as: Int64.self) > now else {
            try await db.delete(from: table).where("username", .equal, username).run()
            return false
        }
        guard ConstantTime.equal(try row.decode(column: "code_hash", as: String.self), given) else {
            try await db.update(table).set("attempts", to: attempts + 1).where("username", .equal, username).run()
            return false
        }
        try await db.delete(from: table).where("username", .equal, username).run()
        return true
    }

    /// Sends a text to the registration's contact: SMS to a phone, else e-mail (through the outbox).
    static func tell(_ row: NewRow, _ text: String, subject: String, key: String, now: Int64, _ db: any SQLDatabase) async throws {
        try await tell(phone: row.phone, email: row.email, text, subject: subject, key: key, now: now, db)
    }

    /// Sends a text by SMS to the phone, else by e-mail (through the outbox, in the caller's transaction).
    static func tell(phone: String?, email: String?, _ text: String, subject: String, key: String, now: Int64, _ db: any SQLDatabase) async throws {
        if let phone {
            try await Outbox.enqueue(topic: SMSMessage.topic, key: key, value: SMSMessage(to: phone, text: text), on: db, now: now)
        } else if let email {
            try await Outbox.enqueue(
                topic: SMTPClient.topic,
                key: key,
                value: EmailMessage(to: email, subject: subject, body: text),
                on: db,
                now: now
            )
        }
    }

    static func codeHash(_ code: String, _ username: String) -> String { Digest.sha256Hex("cqs-registration|\(username)|\(code)") }
}
