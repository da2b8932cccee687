import Core
import Foundation
import SQLKit
import Storage

/// Progressive delays after failed sign-ins, kept per (username, address) and per username, the
/// same for names that exist and names that do not (so answers tell nothing about accounts).
/// Nothing is ever locked: after `freeAttempts` failures from one address the next attempt
/// waits 1 s, then 2, 4… up to `maximumDelay`; someone failing from other addresses slows an
/// account only after `accountFreeAttempts` failures, and then by at most `accountMaximumDelay`,
/// so a stranger cannot lock its owner out. A success from an address clears its counters.
/// Kept in the database (keys hashed), so every node of a cluster sees the same counters.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var freeAttempts: Int
        public var maximumDelay: TimeInterval
        public var accountFreeAttempts: Int
        public var accountMaximumDelay: TimeInterval
        /// Counters idle this long are forgotten.
        public var memory: TimeInterval

        public init(
            freeAttempts: Int = 5,
            maximumDelay: TimeInterval = 900,
            accountFreeAttempts: Int = 50,
            accountMaximumDelay: TimeInterval = 60,
            memory: TimeInterval = 3600
        ) {
            self.freeAttempts = freeAttempts
            self.maximumDelay = maximumDelay
            self.accountFreeAttempts = accountFreeAttempts
            self.accountMaximumDelay = accountMaximumDelay
            self.memory = memory
        }
    }

    struct Counter {
        var failures: Int
        var last: Date
    }

    let database: Database
    let policy: Policy
    static let table = "login_failures"

    public init(database: Database, policy: Policy = Policy()) {
        self.database = database
        self.policy = policy
    }

    /// Seconds to wait before `username` may be tried from `address`, or nil.
    public func retryAfter(username: String, address: String, now: Date) async throws -> Int? {
        let keys = Self.keys(username, address)
        let counters = try await database.read { db in
            try await db.select().columns("key_hash", "failures", "last_at").from(Self.table).where("key_hash", .in, [keys.pair, keys.account]).all()
                .reduce(into: [String: Counter]()) { found, row in
                    found[try row.decode(column: "key_hash", as: String.self)] = Counter(
                        failures: try row.decode(column: "failures", as: Int.self),
                        last: Date(epochMillis: try row.decode(column: "last_at", as: Int64.self))
                    )
                }
        }
        let waits = [
            wait(counters[keys.pair], free: policy.freeAttempts, cap: policy.maximumDelay, now: now),
            wait(counters[keys.account], free: policy.accountFreeAttempts, cap: policy.accountMaximumDelay, now: now),
        ]
        return waits.compactMap { $0 }.max()
    }

    /// Counts a failure for the pair and the account (a counter idle past `memory` starts over).
    public func recordFailure(username: String, address: String, now: Date) async throws {
        let keys = Self.keys(username, address)
        let (at, idle) = (now.epochMillis, now.addingTimeInterval(-policy.memory).epochMillis)
        try await database.transaction { db in
            for key in [keys.pair, keys.account] {
                try await db.raw(
                    """
                    INSERT INTO login_failures (key_hash, failures, last_at) VALUES (\(bind: key), 1, \(bind: at))
                    ON CONFLICT (key_hash) DO UPDATE SET
                      failures = CASE WHEN login_failures.last_at < \(bind: idle) THEN 1 ELSE login_failures.failures + 1 END,
                      last_at = excluded.last_at
                    """
                ).run()
            }
            try await db.delete(from: Self.table).where("last_at", .lessThan, idle).run()
        }
    }

    /// Clears the counters of the pair and the account after a successful sign-in.
    public func recordSuccess(username: String, address: String) async throws {
        let keys = Self.keys(username, address)
        try await database.transaction { db in
            try await db.delete(from: Self.table).where("key_hash", .in, [keys.pair, keys.account]).run()
        }
    }

    func wait(_ counter: Counter?, free: Int, cap: TimeInterval, now: Date) -> Int? {
        guard let counter, counter.failures >= free else { return nil }
        let delay = min(cap, pow(2, Double(counter.failures - free)))
        let remaining = counter.last.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }

    /// The stored (hashed) keys of a pair and of its account.
    static func keys(_ username: String, _ address: String) -> (pair: String, account: String) {
        (Digest.sha256Hex("pair\u{1F}" + pair(username, address)), Digest.sha256Hex("account\u{1F}" + username))
    }

    static func pair(_ username: String, _ address: String) -> String { "\(username)\u{1F}\(address)" }
}
