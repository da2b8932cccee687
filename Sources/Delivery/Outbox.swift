import Algorithms
import Audit
import Core
import Foundation
import SQLKit
import Storage

/// A message waiting to be delivered to the outside world (national portal, e-mail, SMS…).
public struct OutboxMessage: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case pending, delivered, failed }
    public let id: Int64
    public let topic: String
    public let dedupeKey: String
    /// Messages of one ordering key are delivered in order (by id); other keys do not wait.
    public let orderingKey: String?
    public let payload: String
    public let status: Status
    public let attempts: Int
    public let nextAttemptAt: Int64
    public let lastError: String?
    public let createdAt: Int64
    public let deliveredAt: Int64?
}

/// The persisted outbox: messages are written in the same transaction as the change they
/// report, so nothing is announced that did not happen and nothing that happened is lost.
/// Workers deliver them in order with retries and backoff.
public enum Outbox {
    static let table = "outbox_messages"
    static let columns = SQLColumnList(["topic", "dedupe_key", "ordering_key", "payload", "status", "attempts", "next_attempt_at", "created_at"])
    static let selected = [
        "id", "topic", "dedupe_key", "ordering_key", "payload", "status", "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at",
    ]

    /// Queues a message inside the caller's transaction. A second message with the same topic
    /// and key is ignored (delivery is idempotent by construction). Messages with the same
    /// `orderingKey` (default: none shared, the message's own key) are delivered in the order
    /// queued. Inside a transaction the messages are gathered and written in one statement
    /// just before commit.
    public static func enqueue(topic: String, key: String, orderingKey: String? = nil, payload: String, on db: any SQLDatabase, now: Int64)
        async throws
    {
        try await add(PendingOutboxMessage(topic: topic, key: key, orderingKey: orderingKey ?? key, payload: payload, now: now), on: db)
    }

    /// The ordering key of a message queued before keys existed: its dossier (portal), its
    /// document and recipient (axis), its message (statuses), else none shared.
    static func legacyOrderingKey(topic: String, dedupeKey: String) -> String {
        let parts = dedupeKey.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
        switch topic {
        case "national-portal", "exchange-status": return parts[0]
        case "national-axis": return parts.prefix(2).joined(separator: "#")
        default: return dedupeKey
        }
    }

    /// Writes messages, at most 500 per statement (8 binds each).
    public static func write(_ messages: [PendingOutboxMessage], on db: any SQLDatabase) async throws {
        for chunk in messages.chunks(ofCount: 500) {
            let insert = db.insert(into: table).columns(columns)
            for m in chunk {
                insert.values(
                    SQLBind(m.topic),
                    SQLBind(m.key),
                    SQLBind(m.orderingKey),
                    SQLBind(m.payload),
                    SQLBind(OutboxMessage.Status.pending.rawValue),
                    SQLBind(0),
                    SQLBind(m.now),
                    SQLBind(m.now)
                )
            }
            try await insert.ignoringConflicts(with: ["topic", "dedupe_key"]).run()
        }
    }

    /// Queues a JSON-encodable payload.
    public static func enqueue<T: Encodable>(topic: String, key: String, orderingKey: String? = nil, value: T, on db: any SQLDatabase, now: Int64)
        async throws
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try await enqueue(
            topic: topic,
            key: key,
            orderingKey: orderingKey,
            payload: String(decoding: try encoder.encode(value), as: UTF8.self),
            on: db,
            now: now
        )
    }

    /// Messages, newest first, for the admin page and API.
    public static func list(_ database: Database, topic: String?, status: OutboxMessage.Status?, page: PageRequest) async throws -> Page<
        OutboxMessage
    > {
        let after = try page.afterKey()
        let rows = try await database.read { db in
            let query = db.select().columns(selected).from(table)
            if let topic { query.where("topic", .equal, topic) }
            if let status { query.where("status", .equal, status.rawValue) }
            if let after { query.where("id", .lessThan, after) }
            return try await query.orderBy("id", .descending).limit(page.limit + 1)
                .all(decoding: OutboxMessage.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return Page(fetched: rows, limit: page.limit, key: \.id)
    }

    /// Counts by topic and status.
    public static func summary(_ database: Database) async throws -> [String: [String: Int]] {
        try await database.read { db in
            let rows = try await db.select().column("topic").column("status").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(table).groupBy("topic").groupBy("status").all()
            var result: [String: [String: Int]] = [:]
            for row in rows {
                result[try row.decode(column: "topic", as: String.self), default: [:]][try row.decode(column: "status", as: String.self)] =
                    try row.decode(column: "n", as: Int.self)
            }
            return result
        }
    }

    /// Puts a failed (or pending) message back for immediate delivery; returns false if unknown
    /// or already delivered.
    public static func retry(_ id: Int64, database: Database, by principal: Principal, requestID: String?, clock: WallClock = .system) async throws
        -> Bool
    {
        try await database.transaction { db in
            let rows = try await db.update(table).set("status", to: OutboxMessage.Status.pending.rawValue).set("next_attempt_at", to: clock.millis())
                .where("id", .equal, id).where("status", .notEqual, OutboxMessage.Status.delivered.rawValue).returning("id").all()
            guard !rows.isEmpty else { return false }
            try await AuditLog.record(
                AuditEntry(principal: principal, action: "outbox.retry", targetType: "outbox", targetID: String(id), requestID: requestID),
                on: db,
                clock: clock
            )
            return true
        }
    }
}

/// An outbox message waiting, in its transaction, to be written just before commit.
public struct PendingOutboxMessage: Sendable {
    let topic: String
    let key: String
    let orderingKey: String
    let payload: String
    let now: Int64
}

extension Outbox: CommitBatch {
    public static var position: Int { 0 }
}
