import Core
import Foundation
import SQLKit
import Storage

/// A budget per key (a client address, an account) for one kind of attempt (failed sign-ins,
/// code requests, public look-ups): at most `limit` per sliding `window`. Complements
/// `LoginThrottle`'s delays per account and address. Kept in the database, so every node of a
/// cluster counts the same attempts; keys are stored hashed (no addresses at rest).
public struct LoginRateLimiter: Sendable {
    let database: Database
    /// The kind of attempt counted ("login", "lookup", "code-request").
    public let bucket: String
    let limit: Int
    let window: TimeInterval
    static let table = "rate_limit_events"

    public init(database: Database, bucket: String, limit: Int = 20, window: TimeInterval = 600) {
        self.database = database
        self.bucket = bucket
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before another attempt from `key`, or nil when allowed.
    public func retryAfter(_ key: String, now: Date) async throws -> Int? {
        let since = now.addingTimeInterval(-window).epochMillis
        let (bucket, hashed, limit) = (bucket, Digest.sha256Hex(key), limit)
        let recent = try await database.read { db in
            try await db.select().column("at").from(Self.table).where("bucket", .equal, bucket).where("key_hash", .equal, hashed)
                .where("at", .greaterThan, since).orderBy("at").limit(limit).all().map { try $0.decode(column: "at", as: Int64.self) }
        }
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        let remaining = Double(oldest - since) / 1000
        return max(1, Int(remaining.rounded(.up)))
    }

    /// Counts one attempt from `key`, and forgets this bucket's attempts older than the window.
    public func recordFailure(_ key: String, now: Date) async throws {
        let (bucket, hashed) = (bucket, Digest.sha256Hex(key))
        let (at, since) = (now.epochMillis, now.addingTimeInterval(-window).epochMillis)
        try await database.transaction { db in
            try await db.insert(into: Self.table).columns("bucket", "key_hash", "at").values(SQLBind(bucket), SQLBind(hashed), SQLBind(at)).run()
            try await db.delete(from: Self.table).where("bucket", .equal, bucket).where("at", .lessThanOrEqual, since).run()
        }
    }
}
