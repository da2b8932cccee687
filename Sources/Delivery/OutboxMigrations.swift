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
    ]
}
