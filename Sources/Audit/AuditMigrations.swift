import SQLKit
import Storage

/// Schema of the audit context.
public enum AuditMigrations {
    public static let all: [Migration] = [
        Migration(context: "audit", version: 1, name: "audit log and chain head") { db, _ in
            try await db.create(table: AuditLog.table)
                .column("seq", type: .bigint, .primaryKey(autoIncrement: false))
                .column("occurred_at", type: .bigint, .notNull)
                .column("actor_user_id", type: .bigint)
                .column("actor", type: .text, .notNull)
                .column("actor_role", type: .text, .notNull)
                .column("agency", type: .text)
                .column("action", type: .text, .notNull)
                .column("target_type", type: .text, .notNull)
                .column("target_id", type: .text, .notNull)
                .column("request_id", type: .text)
                .column("change_digest", type: .text, .notNull)
                .column("details", type: .text, .notNull)
                .column("prev_hash", type: .text, .notNull)
                .column("hash", type: .text, .notNull)
                .run()
            try await db.create(index: "audit_log_target").on(AuditLog.table).column("target_type").column("target_id").run()
            try await db.create(table: AuditLog.head)
                .column("id", type: .int, .primaryKey(autoIncrement: false))
                .column("seq", type: .bigint, .notNull)
                .column("last_hash", type: .text, .notNull)
                .run()
            try await db.insert(into: AuditLog.head).columns("id", "seq", "last_hash")
                .values(SQLBind(1), SQLBind(Int64(0)), SQLBind(AuditRecord.genesis)).run()
        },
        // The head's hash follows the newest record inside the insert itself: appending is two
        // statements (advance the head, insert the records), and the head row, which every
        // writing transaction locks, is held for one statement less.
        Migration(context: "audit", version: 2, name: "head hash kept by a trigger") { db, engine in
            switch engine {
            case .sqlite:
                try await db.raw(
                    """
                    CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log
                    BEGIN UPDATE audit_head SET last_hash = NEW.hash WHERE id = 1 AND seq = NEW.seq; END
                    """
                ).run()
            case .postgres:
                try await db.raw(
                    """
                    CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN UPDATE audit_head SET last_hash = NEW.hash WHERE id = 1 AND seq = NEW.seq; RETURN NULL; END $$
                    """
                ).run()
                try await db.raw(
                    """
                    CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_head_follows()
                    """
                ).run()
            }
        },
    ]
}
