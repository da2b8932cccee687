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

    /// Opens a session for `account`; returns the cookie token and the CSRF token. The device
    /// (a short name read from the browser's User-Agent) and the address are kept with the
    /// session, so that its owner can recognise it in the list of their sessions.
    public func open(for account: Account, userAgent: String? = nil, address: String? = nil) async throws -> (token: String, csrf: String) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let now = clock.now()
        let expires = now.addingTimeInterval(lifetime).epochMillis
        try await database.transaction { db in
            try await db.delete(from: "sessions").where("user_id", .equal, account.id).where("expires_at", .lessThan, now.epochMillis).run()
            try await db.insert(into: "sessions")
                .columns("token_hash", "user_id", "csrf_token", "created_at", "expires_at", "device", "client_address")
                .values(
                    SQLBind(Self.digest(token)),
                    SQLBind(account.id),
                    SQLBind(csrf),
                    SQLBind(now.epochMillis),
                    SQLBind(expires),
                    SQLBind(userAgent.map(DeviceName.of)),
                    SQLBind(address.map { String($0.prefix(64)) })
                )
                .run()
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

    /// One of an account's live sessions as its owner sees it.
    public struct Summary: Sendable, Equatable {
        /// The session's handle (the digest of its token, never the token).
        public let id: String
        public let device: String?
        public let address: String?
        public let openedAt: Date
        public let expiresAt: Date
        /// Whether it is the session the list is shown in.
        public let isCurrent: Bool
    }

    /// The account's live sessions, the current one (of `token`) first, then the newest.
    public func sessions(of accountID: Int64, current token: String?) async throws -> [Summary] {
        let now = clock.millis()
        let current = token.map(Self.digest)
        let rows = try await database.read { db in
            try await db.select().columns("token_hash", "device", "client_address", "created_at", "expires_at").from("sessions")
                .where("user_id", .equal, accountID).where("expires_at", .greaterThan, now)
                .orderBy("created_at", .descending).limit(50).all()
        }
        return try rows.map { row in
            let id = try row.decode(column: "token_hash", as: String.self)
            return Summary(
                id: id,
                device: try row.decode(column: "device", as: String?.self),
                address: try row.decode(column: "client_address", as: String?.self),
                openedAt: Date(epochMillis: try row.decode(column: "created_at", as: Int64.self)),
                expiresAt: Date(epochMillis: try row.decode(column: "expires_at", as: Int64.self)),
                isCurrent: id == current
            )
        }
        .sorted { $0.isCurrent && !$1.isCurrent }
    }

    /// Ends one of the owner's own sessions (`id` from `sessions(of:current:)`), audited; another
    /// account's session is not found.
    public func end(_ id: String, of principal: Principal, requestID: String?) async throws {
        guard let owner = principal.userID else { throw DomainError.notFound(what: "session") }
        let clock = clock
        try await database.transaction { db in
            let found = try await db.select().column("token_hash").from("sessions").where("token_hash", .equal, id)
                .where("user_id", .equal, owner).first()
            guard found != nil else { throw DomainError.notFound(what: "session") }
            try await db.delete(from: "sessions").where("token_hash", .equal, id).where("user_id", .equal, owner).run()
            try await AuditLog.record(
                AuditEntry(principal: principal, action: "auth.session_end", targetType: "user", targetID: String(owner), requestID: requestID),
                on: db,
                clock: clock
            )
        }
    }

    /// Ends every session of the owner but the one in use, and their API tokens, audited.
    /// Returns how many sessions ended.
    @discardableResult
    public func endOthers(of principal: Principal, keeping token: String, requestID: String?) async throws -> Int {
        guard let owner = principal.userID else { return 0 }
        let clock = clock
        return try await database.transaction { db in
            let others = try await db.select().column("token_hash").from("sessions").where("user_id", .equal, owner)
                .where("token_hash", .notEqual, Self.digest(token)).all().count
            try await AccountStore.endSessions(of: owner, except: token, db)
            try await Self.revokeTokens(of: owner, at: clock.millis(), db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "auth.session_end_others",
                    targetType: "user",
                    targetID: String(owner),
                    requestID: requestID,
                    change: ["ended": String(others)]
                ),
                on: db,
                clock: clock
            )
            return others
        }
    }
}
