import SQLKit
import Storage

/// Schema of the delivery context.
public enum OutboxMigrations {
    public static let all: [Migration] = [
        Migration(context: "delivery", version: 1, name: "outbox messages") { db, _ in
            try await db.create(table: Outbox.table)
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("topic", type: .text, .notNull)
                .column("dedupe_key", type: .text, .notNull)
                .column("payload", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("attempts", type: .int, .notNull)
                .column("next_attempt_at", type: .bigint, .notNull)
                .column("last_error", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("delivered_at", type: .bigint)
                .unique("topic", "dedupe_key")
                .run()
            try await db.create(index: "outbox_due").on(Outbox.table).column("topic").column("status").column("id").run()
        },
        // Order per key (a dossier, a document and recipient), not per topic: one failing message
        // holds back only the later messages of its own key.
        Migration(context: "delivery", version: 2, name: "ordering key") { db, _ in
            try await db.alter(table: Outbox.table).column("ordering_key", type: .text).run()
            let waiting = try await db.select().columns("id", "topic", "dedupe_key").from(Outbox.table)
                .where("status", .notEqual, OutboxMessage.Status.delivered.rawValue).all()
            for row in waiting {
                let key = Outbox.legacyOrderingKey(
                    topic: try row.decode(column: "topic", as: String.self),
                    dedupeKey: try row.decode(column: "dedupe_key", as: String.self)
                )
                try await db.update(Outbox.table).set("ordering_key", to: key).where("id", .equal, try row.decode(column: "id", as: Int64.self)).run()
            }
            try await db.raw("UPDATE \(ident: Outbox.table) SET ordering_key = dedupe_key WHERE ordering_key IS NULL").run()
            try await db.create(index: "outbox_ordering").on(Outbox.table).column("topic").column("ordering_key").column("id").run()
        },
        // The rounds of scheduled jobs, claimed once across the nodes (`ScheduledJob`).
        Migration(context: "delivery", version: 3, name: "scheduled runs") { db, _ in
            try await db.create(table: ScheduledJob.table)
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("last_run_at", type: .bigint, .notNull)
                .column("node", type: .text, .notNull)
                .run()
        },
    ]
}
