import SQLKit
import Storage

/// Schema of the exchange: one row per document per agency and direction, and its status timeline.
public enum ExchangeMigrations {
    public static let all: [Migration] = [
        Migration(context: "exchange", version: 1, name: "exchanged documents and statuses") { db, _ in
            try await db.create(table: "exchange_messages")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("document_id", type: .text, .notNull)
                .column("direction", type: .text, .notNull)
                .column("agency", type: .text, .notNull)
                .column("counterpart", type: .text, .notNull)
                .column("counterpart_name", type: .text, .notNull)
                .column("subject", type: .text, .notNull)
                .column("code", type: .text, .notNull)
                .column("business_type", type: .int, .notNull)
                .column("package_sha256", type: .text, .notNull)
                .column("status_code", type: .text)
                .column("signatures", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .unique("document_id", "direction", "agency", "counterpart")
                .run()
            try await db.create(index: "exchange_messages_agency").on("exchange_messages").column("agency").column("direction").run()
            try await db.create(table: "exchange_events")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("message_id", type: .bigint, .notNull)
                .column("code", type: .text, .notNull)
                .column("description", type: .text, .notNull)
                .column("actor", type: .text, .notNull)
                .column("at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "exchange_events_message").on("exchange_events").column("message_id").run()
        },
        Migration(context: "exchange", version: 2, name: "received packages kept as they arrived") { db, _ in
            // The package as the sender signed it (the stored copy carries our trace and no longer matches its signature).
            try await db.alter(table: "exchange_messages").column("received_sha256", type: .text).run()
        },
        // What a received package breaks (identifier shapes, lengths, an inconsistent DocumentId…),
        // recorded and shown to the clerk instead of refusing the document.
        // and what the clerk needs to decide on a received document before opening it.
        Migration(context: "exchange", version: 3, name: "warnings and details of received packages") { db, _ in
            try await db.alter(table: "exchange_messages").column("warnings", type: .text).run()
            try await db.alter(table: "exchange_messages").column("document_date", type: .text).run()
            try await db.alter(table: "exchange_messages").column("type_name", type: .text).run()
            try await db.alter(table: "exchange_messages").column("signer", type: .text).run()
        },
        // The package a sender's revocation or update came in, so the same package again is known.
        Migration(context: "exchange", version: 4, name: "package of a business event") { db, _ in
            try await db.alter(table: "exchange_events").column("package_sha256", type: .text).run()
        },
    ]
}
