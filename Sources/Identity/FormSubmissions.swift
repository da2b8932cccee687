import Core
import Foundation
import SQLKit
import Storage

/// Once-only form posts. Each rendered form carries a random token (`_once`); the first post
/// with it runs, and a repeat (a double click, Back and send again, a browser's retry) is told
/// where the first one led instead of running twice. A post refused (the form shown again with
/// its errors) frees its token; one that never finished (a crash) stays claimed, so that the
/// repeat is told to check rather than run again.
public struct FormSubmissions: Sendable {
    let database: Database
    let clock: WallClock
    /// How long a token is remembered.
    static let memory: Int64 = 24 * 3600 * 1000

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
    }

    /// What a post's token says.
    public enum Claim: Sendable, Equatable {
        /// Not seen before: run the post.
        case first
        /// Already run; it led to this page.
        case done(location: String)
        /// Claimed by a post that has not finished (or never will).
        case unfinished
    }

    /// A token as forms carry it: 20 to 100 URL-safe characters.
    public static func isWellFormed(_ token: String) -> Bool {
        (20...100).contains(token.count) && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Claims `token` for a post of `owner` (the session's or visitor's CSRF token): `.first` when
    /// it was free. Forgets the owner's tokens older than a day on the way.
    public func claim(_ token: String, owner: String) async throws -> Claim {
        let now = clock.millis()
        let key = Digest.sha256Hex(token)
        let ownerKey = Digest.sha256Hex(owner)
        return try await database.transaction { db in
            try await db.delete(from: "form_submissions").where("owner", .equal, ownerKey).where("created_at", .lessThan, now - Self.memory).run()
            let inserted = try await db.raw(
                """
                INSERT INTO form_submissions (token_hash, owner, location, created_at) VALUES (\(bind: key), \(bind: ownerKey), NULL, \(bind: now))
                ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash
                """
            ).all()
            if !inserted.isEmpty { return .first }
            let row = try await db.select().columns("owner", "location").from("form_submissions").where("token_hash", .equal, key).first()
            guard let row, try row.decode(column: "owner", as: String.self) == ownerKey else { return .unfinished }
            return try row.decode(column: "location", as: String?.self).map { .done(location: $0) } ?? .unfinished
        }
    }

    /// Records where the post that claimed `token` led.
    public func finish(_ token: String, location: String) async throws {
        try await database.transaction { db in
            try await db.update("form_submissions").set("location", to: location).where("token_hash", .equal, Digest.sha256Hex(token)).run()
        }
    }

    /// Frees `token` (its post was refused and the form is shown again).
    public func release(_ token: String) async throws {
        try await database.transaction { db in
            try await db.delete(from: "form_submissions").where("token_hash", .equal, Digest.sha256Hex(token)).run()
        }
    }
}
