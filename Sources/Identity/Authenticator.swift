import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Checks credentials with per-account lockout and per-address throttling; every attempt,
/// successful or not, is audited.
public struct Authenticator: Sendable {
    /// How many consecutive failures lock an account, and for how long.
    public struct Policy: Sendable {
        public var maxFailures: Int
        public var lockout: TimeInterval
        public init(maxFailures: Int = 5, lockout: TimeInterval = 15 * 60) { self.maxFailures = maxFailures; self.lockout = lockout }
    }

    let database: Database
    let accounts: AccountStore
    let hasher: PasswordHasher
    let limiter: LoginRateLimiter
    let policy: Policy
    let clock: WallClock

    public init(database: Database, accounts: AccountStore, hasher: PasswordHasher, limiter: LoginRateLimiter, policy: Policy = Policy(), clock: WallClock = .system) {
        self.database = database; self.accounts = accounts; self.hasher = hasher; self.limiter = limiter; self.policy = policy; self.clock = clock
    }

    static let invalid = DomainError.unauthenticated(messageVi: "Tên đăng nhập hoặc mật khẩu không đúng", messageEn: "Wrong username or password")

    /// Returns the account when the credentials are right and the account may sign in.
    public func login(username rawUsername: String, password: String, clientAddress: String, requestID: String?) async throws -> Account {
        let username = AccountRules.phone(rawUsername) ?? rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let now = clock.now()
        if let wait = await limiter.retryAfter(clientAddress, now: now) {
            throw DomainError.tooManyRequests(retryAfterSeconds: wait, messageVi: "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau \(wait) giây",
                                              messageEn: "Too many failed sign-ins. Try again in \(wait) seconds")
        }
        guard !username.isEmpty, username.count <= 100, !password.isEmpty, password.utf8.count <= 72 else { throw Self.invalid }
        let row = try await database.read { db in try await accounts.row(username: username, db) }
        guard let row else {
            _ = try await hasher.verify(password, hash: try await hasher.decoyHash())
            await limiter.recordFailure(clientAddress, now: now)
            try await audit("auth.login.failed", userID: nil, username: username, change: ["reason": "unknown-username", "address": clientAddress], requestID: requestID)
            throw Self.invalid
        }
        if let until = row.lockedUntil, until > now.epochMillis {
            let wait = Int((Double(until - now.epochMillis) / 1000).rounded(.up))
            try await audit("auth.login.failed", userID: row.id, username: username, change: ["reason": "locked", "address": clientAddress], requestID: requestID)
            throw DomainError.tooManyRequests(retryAfterSeconds: wait, messageVi: "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau \(wait / 60 + 1) phút",
                                              messageEn: "Account temporarily locked after repeated failures. Try again in \(wait / 60 + 1) minutes")
        }
        let matches = try await hasher.verify(password, hash: row.passwordHash)
        guard matches, row.status == AccountStatus.active.rawValue else {
            await limiter.recordFailure(clientAddress, now: now)
            try await recordFailure(row, now: now, reason: matches ? "disabled" : "wrong-password", address: clientAddress, requestID: requestID)
            throw Self.invalid
        }
        let roles = try await database.read { db in try await AccountStore.roles(of: row.id, db) }
        let account = AccountStore.account(row, roles: roles)
        try await database.transaction { db in
            try await db.update("users").set("failed_logins", to: 0).set("locked_until", to: Int64?.none).where("id", .equal, row.id).run()
            try await AuditLog.record(AuditEntry(principal: account.principal, action: "auth.login", targetType: "user", targetID: String(row.id),
                                                 requestID: requestID, change: ["address": clientAddress]), on: db, clock: clock)
        }
        return account
    }

    private func recordFailure(_ row: AccountStore.Row, now: Date, reason: String, address: String, requestID: String?) async throws {
        let policy = policy
        let clock = clock
        try await database.transaction { db in
            // Re-read inside the transaction so concurrent failures all count.
            let current = try await db.select().column("failed_logins").from("users").where("id", .equal, row.id).first()?
                .decode(column: "failed_logins", as: Int.self) ?? 0
            let failures = current + 1
            let locks = failures >= policy.maxFailures
            let until: Int64? = locks ? now.addingTimeInterval(policy.lockout).epochMillis : nil
            try await db.update("users").set("failed_logins", to: locks ? 0 : failures).set("locked_until", to: until).where("id", .equal, row.id).run()
            let principal = Principal(userID: row.id, username: row.username, roles: [], agency: row.agencyIdentifier)
            try await AuditLog.record(AuditEntry(principal: principal, action: "auth.login.failed", targetType: "user", targetID: String(row.id),
                                                 requestID: requestID, change: ["reason": reason, "address": address, "failures": String(failures)]), on: db, clock: clock)
            if locks {
                try await AuditLog.record(AuditEntry(principal: principal, action: "auth.lockout", targetType: "user", targetID: String(row.id),
                                                     requestID: requestID, change: ["until": String(until!)]), on: db, clock: clock)
            }
        }
    }

    private func audit(_ action: String, userID: Int64?, username: String, change: [String: String], requestID: String?) async throws {
        let clock = clock
        try await database.transaction { db in
            try await AuditLog.record(AuditEntry(principal: Principal(userID: userID, username: username, roles: [], agency: nil), action: action,
                                                 targetType: "user", targetID: userID.map(String.init) ?? username, requestID: requestID, change: change), on: db, clock: clock)
        }
    }
}
