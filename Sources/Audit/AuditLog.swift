import Core
import Foundation
import SQLKit
import Storage

/// The tamper-evident audit log: every state change appends one record, in the same
/// transaction, chained by SHA-256 to the previous one. A single-row head table holds the
/// last sequence number and hash; incrementing it takes a row lock, which orders concurrent
/// writers on PostgreSQL (SQLite writers are already serialised).
public enum AuditLog {
    static let table = "audit_log"
    static let head = "audit_head"

    /// Appends `entry`. Call inside the transaction that makes the change.
    public static func record(_ entry: AuditEntry, on db: any SQLDatabase, clock: WallClock = .system) async throws {
        guard let row = try await db.raw("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash").first() else {
            throw StorageError.corrupt("audit_head is missing; run migrations")
        }
        let seq = try row.decode(column: "seq", as: Int64.self)
        let prevHash = try row.decode(column: "last_hash", as: String.self)
        let details = AuditRecord.canonical(entry.change)
        let digest = AuditRecord.digest(details)
        let occurredAt = clock.millis()
        let role = entry.principal.primaryRole.rawValue
        let hash = AuditRecord.chainHash(prevHash: prevHash, seq: seq, occurredAt: occurredAt, actorUserId: entry.principal.userID,
                                         actor: entry.principal.username, actorRole: role, agency: entry.principal.agency,
                                         action: entry.action, targetType: entry.targetType, targetId: entry.targetID,
                                         requestId: entry.requestID, changeDigest: digest)
        try await db.insert(into: table)
            .columns("seq", "occurred_at", "actor_user_id", "actor", "actor_role", "agency", "action", "target_type",
                     "target_id", "request_id", "change_digest", "details", "prev_hash", "hash")
            .values(SQLBind(seq), SQLBind(occurredAt), SQLBind(entry.principal.userID), SQLBind(entry.principal.username), SQLBind(role),
                    SQLBind(entry.principal.agency), SQLBind(entry.action), SQLBind(entry.targetType), SQLBind(entry.targetID),
                    SQLBind(entry.requestID), SQLBind(digest), SQLBind(details), SQLBind(prevHash), SQLBind(hash))
            .run()
        try await db.update(head).set("last_hash", to: hash).where("id", .equal, 1).run()
    }

    /// Records, newest first, optionally filtered by action prefix or target.
    public static func list(_ database: Database, page: PageRequest, action: String? = nil, targetType: String? = nil, targetID: String? = nil) async throws -> Page<AuditRecord> {
        let after = try page.afterKey()
        let records = try await database.read { db in
            let query = db.select().column("*").from(table)
            if let after { query.where("seq", .lessThan, after) }
            if let action { query.where("action", .like, action + "%") }
            if let targetType { query.where("target_type", .equal, targetType) }
            if let targetID { query.where("target_id", .equal, targetID) }
            return try await query.orderBy("seq", .descending).limit(page.limit + 1).all(decoding: AuditRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return Page(fetched: records, limit: page.limit, key: \.seq)
    }
}
