import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Checks credentials with progressive delays per account and address (never a lockout a
/// stranger could cause) and a per-address budget; unknown and existing usernames get the same
/// answers in comparable time; every attempt, successful or not, is audited.
public struct Authenticator: Sendable {
    let database: Database
    let accounts: AccountStore
    let hasher: PasswordHasher
    let limiter: LoginRateLimiter
    let throttle: LoginThrottle
    let clock: WallClock

    public init(
        database: Database,
        accounts: AccountStore,
        hasher: PasswordHasher,
        limiter: LoginRateLimiter? = nil,
        throttle: LoginThrottle.Policy = LoginThrottle.Policy(),
        clock: WallClock = .system
    ) {
        self.database = database
        self.accounts = accounts
        self.hasher = hasher
        self.limiter = limiter ?? LoginRateLimiter(database: database, bucket: "login")
        self.throttle = LoginThrottle(database: database, policy: throttle)
        self.clock = clock
    }

    static let invalid = DomainError.unauthenticated(messageVi: "Tên đăng nhập hoặc mật khẩu không đúng", messageEn: "Wrong username or password")

    /// Returns the account when the credentials are right and the account may sign in.
    public func login(username rawUsername: String, password: String, clientAddress: String, requestID: String?) async throws -> Account {
        let username = AccountRules.username(rawUsername)
        let now = clock.now()
        // The same waits, with the same words, whether or not the name exists.
        let address = try await limiter.retryAfter(clientAddress, now: now)
        let pair = try await throttle.retryAfter(username: username, address: clientAddress, now: now)
        if let wait = [address, pair].compactMap({ $0 }).max() {
            throw DomainError.tooManyRequests(
                retryAfterSeconds: wait,
                messageVi: "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau \(wait) giây",
                messageEn: "Too many failed sign-ins. Try again in \(wait) seconds"
            )
        }
        guard !username.isEmpty, username.count <= 100, !password.isEmpty, password.utf8.count <= 72 else { throw Self.invalid }
        let row = try await database.read { db in try await accounts.row(username: username, db) }
        guard let row else {
            _ = try await hasher.verify(password, hash: try await hasher.decoyHash())
            try await failed(username, clientAddress, now)
            try await audit(
                "auth.login.failed",
                userID: nil,
                username: username,
                change: ["reason": "unknown-username", "address": clientAddress],
                requestID: requestID
            )
            throw Self.invalid
        }
        let matches = try await hasher.verify(password, hash: row.passwordHash)
        guard matches, row.status == AccountStatus.active.rawValue else {
            try await failed(username, clientAddress, now)
            try await recordFailure(row, now: now, reason: matches ? "disabled" : "wrong-password", address: clientAddress, requestID: requestID)
            throw Self.invalid
        }
        try await throttle.recordSuccess(username: username, address: clientAddress)
        let roles = try await database.read { db in try await AccountStore.roles(of: row.id, db) }
        let account = AccountStore.account(row, roles: roles)
        try await database.transaction { db in
            try await db.update("users").set("failed_logins", to: 0).set("locked_until", to: Int64?.none).where("id", .equal, row.id).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: account.principal,
                    action: "auth.login",
                    targetType: "user",
                    targetID: String(row.id),
                    requestID: requestID,
                    change: ["address": clientAddress]
                ),
                on: db,
                clock: clock
            )
        }
        return account
    }

    func failed(_ username: String, _ address: String, _ now: Date) async throws {
        try await limiter.recordFailure(address, now: now)
        try await throttle.recordFailure(username: username, address: address, now: now)
    }

    /// Counts the failure on the account (for its owner and the auditors to see) and audits it.
    private func recordFailure(_ row: AccountStore.Row, now: Date, reason: String, address: String, requestID: String?) async throws {
        let clock = clock
        try await database.transaction { db in
            // Re-read inside the transaction so concurrent failures all count.
            let current =
                try await db.select().column("failed_logins").from("users").where("id", .equal, row.id).first()?
                .decode(column: "failed_logins", as: Int.self) ?? 0
            let failures = current + 1
            try await db.update("users").set("failed_logins", to: failures).where("id", .equal, row.id).run()
            let principal = Principal(userID: row.id, username: row.username, roles: [], agency: row.agencyIdentifier)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "auth.login.failed",
                    targetType: "user",
                    targetID: String(row.id),
                    requestID: requestID,
                    change: ["reason": reason, "address": address, "failures": String(failures)]
                ),
                on: db,
                clock: clock
            )
        }
    }

    private func audit(_ action: String, userID: Int64?, username: String, change: [String: String], requestID: String?) async throws {
        let clock = clock
        try await database.transaction { db in
            try await AuditLog.record(
                AuditEntry(
                    principal: Principal(userID: userID, username: username, roles: [], agency: nil),
                    action: action,
                    targetType: "user",
                    targetID: userID.map(String.init) ?? username,
                    requestID: requestID,
                    change: change
                ),
                on: db,
                clock: clock
            )
        }
    }
}
