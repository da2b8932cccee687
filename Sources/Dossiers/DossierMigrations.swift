import SQLKit
import Storage

/// Schema of the dossiers context.
public enum DossierMigrations {
    public static let all: [Migration] = [
        Migration(context: "dossiers", version: 1, name: "dossiers, history, files, sequences") { db, _ in
            try await db.create(table: "dossiers")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("code", type: .text, .notNull, .unique)
                .column("procedure_code", type: .text, .notNull)
                .column("procedure_name", type: .text, .notNull)
                .column("receiving_agency", type: .text, .notNull)
                .column("implementing_agency", type: .text, .notNull)
                .column("current_agency", type: .text, .notNull)
                .column("current_step", type: .int, .notNull)
                .column("step_count", type: .int, .notNull)
                .column("assigned_user_id", type: .bigint)
                .column("assigned_username", type: .text)
                .column("channel", type: .int, .notNull)
                .column("status", type: .text, .notNull)
                .column("resume_status", type: .text)
                .column("applicant", type: .text, .notNull)
                .column("applicant_phone", type: .text, .notNull)
                .column("applicant_citizen_id", type: .text)
                .column("subject", type: .text, .notNull)
                .column("owner_user_id", type: .bigint)
                .column("created_at", type: .bigint, .notNull)
                .column("received_at", type: .bigint)
                .column("due_at", type: .bigint)
                .column("paused_at", type: .bigint)
                .column("paused_days", type: .int, .notNull)
                .column("supplement_count", type: .int, .notNull)
                .column("extension_count", type: .int, .notNull)
                .column("finished_at", type: .bigint)
                .column("ended_at", type: .bigint)
                .column("returned_at", type: .bigint)
                .column("updated_at", type: .bigint, .notNull)
                .column("version", type: .int, .notNull)
                .run()
            try await db.create(index: "dossiers_queue").on("dossiers").column("current_agency").column("status").column("due_at").run()
            try await db.create(index: "dossiers_owner").on("dossiers").column("owner_user_id").run()
            try await db.create(table: "dossier_agencies")
                .column("dossier_id", type: .bigint, .notNull)
                .column("agency_identifier", type: .text, .notNull)
                .primaryKey("dossier_id", "agency_identifier")
                .run()
            try await db.create(table: "dossier_events")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("dossier_id", type: .bigint, .notNull)
                .column("action", type: .text, .notNull)
                .column("from_status", type: .text)
                .column("to_status", type: .text, .notNull)
                .column("actor_user_id", type: .bigint)
                .column("actor", type: .text, .notNull)
                .column("actor_role", type: .text, .notNull)
                .column("agency", type: .text)
                .column("note", type: .text)
                .column("at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "dossier_events_dossier").on("dossier_events").column("dossier_id").run()
            try await db.create(table: "dossier_attachments")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("dossier_id", type: .bigint, .notNull)
                .column("kind", type: .text, .notNull)
                .column("document_name", type: .text, .notNull)
                .column("file_name", type: .text, .notNull)
                .column("media_type", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("sha256", type: .text, .notNull)
                .column("uploaded_by", type: .text, .notNull)
                .column("at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "dossier_attachments_dossier").on("dossier_attachments").column("dossier_id").run()
            try await db.create(table: "dossier_sequences")
                .column("agency_identifier", type: .text, .notNull)
                .column("day", type: .text, .notNull)
                .column("last_value", type: .int, .notNull)
                .primaryKey("agency_identifier", "day")
                .run()
        },
        Migration(context: "dossiers", version: 2, name: "field and end time for statistics") { db, _ in
            try await db.alter(table: "dossiers").column("field_code", type: .text).run()
            try await db.alter(table: "dossiers").column("field_name", type: .text).run()
            try await db.alter(table: "dossiers").column("end_at", type: .bigint).run()
            try await db.alter(table: "dossiers").column("fees", type: .text).run()
            try await db.create(index: "dossiers_received").on("dossiers").column("received_at").run()
        },
        Migration(context: "dossiers", version: 3, name: "online level at submission") { db, _ in
            try await db.alter(table: "dossiers").column("online_level", type: .text).run()
        },
        Migration(context: "dossiers", version: 4, name: "satisfaction ratings") { db, _ in
            try await db.create(table: "dossier_ratings")
                .column("dossier_id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("rating", type: .int, .notNull)
                .column("comment", type: .text)
                .column("rated_by", type: .text, .notNull)
                .column("at", type: .bigint, .notNull)
                .run()
        },
        Migration(context: "dossiers", version: 5, name: "online payments") { db, _ in
            try await db.create(table: "dossier_payments")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("dossier_id", type: .bigint, .notNull)
                .column("txn_ref", type: .text, .notNull, .unique)
                .column("amount", type: .bigint, .notNull)
                .column("status", type: .text, .notNull)
                .column("gateway_txn", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("paid_at", type: .bigint)
                .run()
            try await db.create(index: "dossier_payments_dossier").on("dossier_payments").column("dossier_id").run()
        },
        // Each history entry keeps the appointment as it then stood (before and after a supplement).
        Migration(context: "dossiers", version: 6, name: "appointment at each history entry") { db, _ in
            try await db.alter(table: "dossier_events").column("due_at", type: .bigint).run()
        },
        // The statistics read each dossier's history as it stood at a moment.
        Migration(context: "dossiers", version: 7, name: "history by dossier and time") { db, _ in
            try await db.create(index: "dossier_events_dossier_at").on("dossier_events").column("dossier_id").column("at").run()
        },
        // Each agency's part of a dossier for its form 06; history entries name their part and its
        // deadline. Dossiers from before hold one part, at their implementing agency.
        Migration(context: "dossiers", version: 8, name: "agencies' parts of dossiers") { db, _ in
            try await db.create(table: "dossier_steps")
                .column("dossier_id", type: .bigint, .notNull)
                .column("seq", type: .int, .notNull)
                .column("agency_identifier", type: .text, .notNull)
                .column("started_at", type: .bigint, .notNull)
                .column("ended_at", type: .bigint)
                .column("due_at", type: .bigint)
                .column("status", type: .text, .notNull)
                .primaryKey("dossier_id", "seq")
                .run()
            try await db.create(index: "dossier_steps_agency").on("dossier_steps").column("agency_identifier").column("started_at").run()
            try await db.alter(table: "dossier_events").column("step_seq", type: .int).run()
            try await db.alter(table: "dossier_events").column("step_due_at", type: .bigint).run()
            try await DossierStore.addWholeParts(after: 0, db)
            try await db.raw("UPDATE dossier_events SET step_seq = 0, step_due_at = due_at WHERE step_seq IS NULL AND due_at IS NOT NULL").run()
        },
        // Files chosen for a submission that was refused, kept for the next try (a day).
        Migration(context: "dossiers", version: 9, name: "submission drafts") { db, _ in
            try await db.create(table: "dossier_drafts")
                .column("token_hash", type: .text, .notNull)
                .column("slot", type: .int, .notNull)
                .column("owner", type: .text, .notNull)
                .column("document_name", type: .text, .notNull)
                .column("file_name", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("sha256", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .primaryKey("token_hash", "slot")
                .run()
            try await db.create(index: "dossier_drafts_created").on("dossier_drafts").column("created_at").run()
        },
    ]
}
