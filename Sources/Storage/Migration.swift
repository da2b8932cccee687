import Core
import Foundation
import Logging
import SQLKit

/// One versioned schema change of one context. Versions are numbered per context, so contexts
/// add migrations without coordinating numbers.
public struct Migration: Sendable {
    public let context: String
    public let version: Int
    public let name: String
    public let apply: @Sendable (any SQLDatabase, EngineKind) async throws -> Void

    public init(context: String, version: Int, name: String, apply: @escaping @Sendable (any SQLDatabase, EngineKind) async throws -> Void) {
        self.context = context
        self.version = version
        self.name = name
        self.apply = apply
    }

    public var id: String { "\(context).\(version)" }
}

/// Applies migrations in order, each in its own transaction together with its bookkeeping
/// row, so a failed migration leaves no trace and can be retried.
public enum Migrator {
    static let table = "schema_migrations"

    /// Applies what is missing; returns the ids applied now.
    @discardableResult
    public static func migrate(_ database: Database, _ migrations: [Migration], logger: Logger) async throws -> [String] {
        try await database.transaction { db in
            // Two servers starting at once on an empty database: one creates the table.
            if database.kind == .postgres { try await lock(db) }
            try await db.create(table: table).ifNotExists()
                .column("context", type: .text, .notNull)
                .column("version", type: .bigint, .notNull)
                .column("name", type: .text, .notNull)
                .column("applied_at", type: .bigint, .notNull)
                .primaryKey("context", "version")
                .run()
        }
        var applied: [String] = []
        for migration in migrations {
            let done = try await database.transaction { db -> Bool in
                if database.kind == .postgres {
                    // Two servers starting at once: the second waits, then sees the row.
                    try await lock(db)
                }
                let existing = try await db.select().column("version").from(table)
                    .where("context", .equal, migration.context)
                    .where("version", .equal, migration.version)
                    .first()
                if existing != nil { return false }
                try await migration.apply(db, database.kind)
                try await db.insert(into: table)
                    .columns("context", "version", "name", "applied_at")
                    .values(SQLBind(migration.context), SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date().epochMillis))
                    .run()
                return true
            }
            if done {
                logger.info("migration applied", metadata: ["migration": "\(migration.id)", "name": "\(migration.name)"])
                applied.append(migration.id)
            }
        }
        return applied
    }

    /// Takes the migrations' transaction lock (PostgreSQL): nodes starting together migrate one at a time.
    static func lock(_ db: any SQLDatabase) async throws {
        try await db.raw("SELECT pg_advisory_xact_lock(74150001)").run()
    }

    /// The ids of migrations already applied.
    public static func applied(_ database: Database) async throws -> Set<String> {
        try await database.read { db in
            let rows = try await db.select().columns("context", "version").from(table).all()
            return Set(try rows.map { "\(try $0.decode(column: "context", as: String.self)).\(try $0.decode(column: "version", as: Int.self))" })
        }
    }
}
