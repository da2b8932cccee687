import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Browser sessions: a random token in an HttpOnly cookie, stored only as its SHA-256, with a
/// per-session CSRF token for forms. Sessions expire after `lifetime`.
public struct SessionStore: Sendable {
    let database: Database
    let accounts: AccountStore
    let lifetime: TimeInterval
    let clock: WallClock

    public init(database: Database, accounts: AccountStore, lifetime: TimeInterval = 8 * 3600, clock: WallClock = .system) {
        self.database = database
        self.accounts = accounts
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A live session.
    public struct Session: Sendable {
        public let account: Account
        public let csrfToken: String
    }

    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> String { Digest.sha256Hex(token) }

    /// Opens a session for `account`; returns the cookie token and the CSRF token.
    public func open(for account: Account) async throws -> (token: String, csrf: String) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let now = clock.now()
        let expires = now.addingTimeInterval(lifetime).epochMillis
        try await database.transaction { db in
            try await db.delete(from: "sessions").where("user_id", .equal, account.id).where("expires_at", .lessThan, now.epochMillis).run()
            try await db.insert(into: "sessions").columns("token_hash", "user_id", "csrf_token", "created_at", "expires_at")
                .values(SQLBind(Self.digest(token)), SQLBind(account.id), SQLBind(csrf), SQLBind(now.epochMillis), SQLBind(expires)).run()
        }
        return (token, csrf)
    }

    /// The session of a cookie token, if it exists, has not expired and its account is active.
    public func session(token: String) async throws -> Session? {
        guard token.count <= 100 else { return nil }
        let now = clock.millis()
        let found = try await database.read { db in
            try await db.select().columns("user_id", "csrf_token", "expires_at").from("sessions")
                .where("token_hash", .equal, Self.digest(token)).first()
        }
        guard let found, try found.decode(column: "expires_at", as: Int64.self) > now else { return nil }
        guard let account = try await accounts.account(id: try found.decode(column: "user_id", as: Int64.self)), account.status == .active else {
            return nil
        }
        return Session(account: account, csrfToken: try found.decode(column: "csrf_token", as: String.self))
    }

    /// API tokens of the account issued until `at` stop working.
    static func revokeTokens(of userID: Int64, at: Int64, _ db: any SQLDatabase) async throws {
        try await db.update("users").set("tokens_revoked_at", to: at).where("id", .equal, userID).run()
    }

    /// Ends an API client's tokens (its sign-out), audited.
    public func revokeTokens(of principal: Principal, requestID: String?) async throws {
        guard let id = principal.userID else { return }
        let clock = clock
        try await database.transaction { db in
            try await Self.revokeTokens(of: id, at: clock.millis(), db)
            try await AuditLog.record(
                AuditEntry(principal: principal, action: "auth.logout", targetType: "user", targetID: String(id), requestID: requestID),
                on: db,
                clock: clock
            )
        }
    }

    /// Ends a session (logout), audited.
    public func close(token: String, principal: Principal, requestID: String?) async throws {
        let clock = clock
        try await database.transaction { db in
            try await db.delete(from: "sessions").where("token_hash", .equal, Self.digest(token)).run()
            if let id = principal.userID { try await Self.revokeTokens(of: id, at: clock.millis(), db) }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "auth.logout",
                    targetType: "user",
                    targetID: principal.userID.map(String.init) ?? principal.username,
                    requestID: requestID
                ),
                on: db,
                clock: clock
            )
        }
    }
}
