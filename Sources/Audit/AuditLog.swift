import Algorithms
import Core
import Foundation
import SQLKit
import Storage

/// The tamper-evident audit log: every state change appends one record, in the same
/// transaction, chained by SHA-256 to the previous one. A single-row head table holds the
/// last sequence number and hash; advancing it takes a row lock, which orders concurrent
/// writers on PostgreSQL (SQLite writers are already serialised). Inside a transaction the
/// records are gathered and chained just before commit, so the head is locked for two
/// statements and the commit, not for the whole transaction.
public enum AuditLog {
    static let table = "audit_log"
    static let head = "audit_head"
    static let columns = SQLColumnList([
        "seq", "occurred_at", "actor_user_id", "actor", "actor_role", "agency", "action", "target_type", "target_id", "request_id", "change_digest",
        "details", "prev_hash", "hash",
    ])

    /// Appends `entry`. Call inside the transaction that makes the change.
    public static func record(_ entry: AuditEntry, on db: any SQLDatabase, clock: WallClock = .system) async throws {
        try await add(PendingAuditRecord(entry: entry, occurredAt: clock.millis()), on: db)
    }

    /// Chains and inserts `items` in order: one head update, then one multi-row insert (a trigger
    /// moves the head's hash to the newest record).
    public static func write(_ items: [PendingAuditRecord], on db: any SQLDatabase) async throws {
        guard !items.isEmpty else { return }
        let count = Int64(items.count)
        guard let row = try await db.raw("UPDATE audit_head SET seq = seq + \(bind: count) WHERE id = 1 RETURNING seq, last_hash").first() else {
            throw StorageError.corrupt("audit_head is missing; run migrations")
        }
        var seq = try row.decode(column: "seq", as: Int64.self) - count
        var prevHash = try row.decode(column: "last_hash", as: String.self)
        // At most 500 rows per statement: 14 binds each stays under SQLite's 32,766.
        for chunk in items.chunks(ofCount: 500) {
            let insert = db.insert(into: table).columns(columns)
            for item in chunk {
                seq += 1
                let entry = item.entry
                let details = AuditRecord.canonical(entry.change)
                let digest = AuditRecord.digest(details)
                // A system actor (no account, no role: the payment gateway, the axis) is recorded as such.
                let role = entry.principal.userID == nil && entry.principal.roles.isEmpty ? "system" : entry.principal.primaryRole.rawValue
                let hash = AuditRecord.chainHash(
                    prevHash: prevHash,
                    seq: seq,
                    occurredAt: item.occurredAt,
                    actorUserId: entry.principal.userID,
                    actor: entry.principal.username,
                    actorRole: role,
                    agency: entry.principal.agency,
                    action: entry.action,
                    targetType: entry.targetType,
                    targetId: entry.targetID,
                    requestId: entry.requestID,
                    changeDigest: digest
                )
                insert.values(
                    SQLBind(seq),
                    SQLBind(item.occurredAt),
                    SQLBind(entry.principal.userID),
                    SQLBind(entry.principal.username),
                    SQLBind(role),
                    SQLBind(entry.principal.agency),
                    SQLBind(entry.action),
                    SQLBind(entry.targetType),
                    SQLBind(entry.targetID),
                    SQLBind(entry.requestID),
                    SQLBind(digest),
                    SQLBind(details),
                    SQLBind(prevHash),
                    SQLBind(hash)
                )
                prevHash = hash
            }
            try await insert.run()
        }
        // The head's last_hash follows the newest record by trigger (AuditMigrations v2).
    }

    /// Records, newest first, optionally filtered by action prefix or target.
    public static func list(_ database: Database, page: PageRequest, action: String? = nil, targetType: String? = nil, targetID: String? = nil)
        async throws -> Page<AuditRecord>
    {
        let after = try page.afterKey()
        let records = try await database.read { db in
            let query = db.select().column("*").from(table)
            if let after { query.where("seq", .lessThan, after) }
            if let action { query.where("action", .like, action + "%") }
            if let targetType { query.where("target_type", .equal, targetType) }
            if let targetID { query.where("target_id", .equal, targetID) }
            return try await query.orderBy("seq", .descending).limit(page.limit + 1).all(
                decoding: AuditRecord.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
        }
        return Page(fetched: records, limit: page.limit, key: \.seq)
    }
}

/// An audit record waiting, in its transaction, to be chained just before commit.
public struct PendingAuditRecord: Sendable {
    let entry: AuditEntry
    let occurredAt: Int64
}

extension AuditLog: CommitBatch {
    public static var position: Int { 100 }
}
