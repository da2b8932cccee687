import Algorithms
import Core
import Foundation
import SQLKit
import Storage

/// The tamper-evident audit log: every state change appends one record, in the same
/// transaction, chained by SHA-256 to the previous record of its lane. There are `lanes`
/// chains (rows 1…16 of `audit_head`, each holding its lane's last number and hash); a
/// transaction appends to one lane it can lock at once (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL), so up to 16 writers append in parallel instead of queueing on one head. Signed
/// anchors name every lane's head together (`AuditAnchor`). Inside a transaction the records
/// are gathered and chained just before commit, so a lane is locked for two statements and the
/// commit. Lane 0 is the single chain written before lanes: kept and verified, never appended to.
public enum AuditLog {
    static let table = "audit_log"
    static let head = "audit_head"
    /// The lanes new records go to.
    public static let lanes = 1...16
    static let chainColumns = [
        "lane", "lane_seq", "occurred_at", "actor_user_id", "actor", "actor_role", "agency", "action", "target_type", "target_id", "request_id",
        "change_digest", "details", "prev_hash", "hash",
    ]
    /// On PostgreSQL `seq` comes from a sequence (the column's default); SQLite's single writer numbers it.
    static let postgresColumns = SQLColumnList(chainColumns)
    static let sqliteColumns = SQLColumnList(["seq"] + chainColumns)

    /// Appends `entry`. Call inside the transaction that makes the change.
    public static func record(_ entry: AuditEntry, on db: any SQLDatabase, clock: WallClock = .system) async throws {
        try await add(PendingAuditRecord(entry: entry, occurredAt: clock.millis()), on: db)
    }

    /// Chains and inserts `items` in order in one lane: one head update, then one multi-row
    /// insert (a trigger moves the lane head's hash to the newest record).
    public static func write(_ items: [PendingAuditRecord], on db: any SQLDatabase) async throws {
        guard !items.isEmpty else { return }
        let count = Int64(items.count)
        let postgres = db.engineKind == .postgres
        let head = try await advanceLane(by: count, postgres: postgres, on: db)
        let lane = try head.decode(column: "id", as: Int.self)
        var laneSeq = try head.decode(column: "seq", as: Int64.self) - count
        var prevHash = try head.decode(column: "last_hash", as: String.self)
        var seq = postgres ? 0 : try await newestSeq(on: db)
        // At most 500 rows per statement: 16 binds each stays under SQLite's 32,766.
        for chunk in items.chunks(ofCount: 500) {
            let insert = db.insert(into: table).columns(postgres ? postgresColumns : sqliteColumns)
            for item in chunk {
                laneSeq += 1
                seq += 1
                let entry = item.entry
                let details = AuditRecord.canonical(entry.change)
                let digest = AuditRecord.digest(details)
                // A system actor (no account, no role: the payment gateway, the axis) is recorded as such.
                let role = entry.principal.userID == nil && entry.principal.roles.isEmpty ? "system" : entry.principal.primaryRole.rawValue
                let hash = AuditRecord.chainHash(
                    prevHash: prevHash,
                    lane: lane,
                    seq: laneSeq,
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
                var values: [any SQLExpression] = postgres ? [] : [SQLBind(seq)]
                values += [
                    SQLBind(lane), SQLBind(laneSeq), SQLBind(item.occurredAt), SQLBind(entry.principal.userID), SQLBind(entry.principal.username),
                    SQLBind(role), SQLBind(entry.principal.agency), SQLBind(entry.action), SQLBind(entry.targetType), SQLBind(entry.targetID),
                    SQLBind(entry.requestID), SQLBind(digest), SQLBind(details), SQLBind(prevHash), SQLBind(hash),
                ]
                insert.values(values)
                prevHash = hash
            }
            try await insert.run()
        }
        // The lane head's last_hash follows the newest record by trigger (AuditMigrations v3).
    }

    /// Takes a lane and moves its head on by `count`: on PostgreSQL the first lane no other
    /// transaction holds, or, when all are busy, one chosen at random to wait for; on SQLite
    /// (one writer) lane 1. Returns the lane (`id`), its new last number and its hash before.
    static func advanceLane(by count: Int64, postgres: Bool, on db: any SQLDatabase) async throws -> any SQLRow {
        if postgres,
            let row = try await db.raw(
                """
                UPDATE audit_head SET seq = seq + \(bind: count) WHERE id = (SELECT id FROM audit_head WHERE id > 0 ORDER BY id LIMIT 1
                FOR UPDATE SKIP LOCKED) RETURNING id, seq, last_hash
                """
            ).first()
        {
            return row
        }
        let lane = postgres ? Int.random(in: lanes) : lanes.lowerBound
        guard
            let row = try await db.raw("UPDATE audit_head SET seq = seq + \(bind: count) WHERE id = \(bind: lane) RETURNING id, seq, last_hash")
                .first()
        else {
            throw StorageError.corrupt("audit lane \(lane) is missing; run migrations")
        }
        return row
    }

    /// The newest record's `seq` (SQLite, whose one writer numbers the log itself).
    static func newestSeq(on db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log").first()?.decode(column: "seq", as: Int64.self) ?? 0
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
