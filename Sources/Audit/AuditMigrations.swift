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
        // Lanes (ARCHITECTURE.md, "The write path's shared rows"): the old single chain
        // becomes lane 0, closed, and new records go to lanes 1…16, each with its head row.
        Migration(context: "audit", version: 3, name: "parallel chain lanes") { db, engine in
            try await db.raw("ALTER TABLE audit_log ADD COLUMN lane INTEGER NOT NULL DEFAULT 0").run()
            try await db.raw("ALTER TABLE audit_log ADD COLUMN lane_seq BIGINT NOT NULL DEFAULT 0").run()
            try await db.raw("UPDATE audit_log SET lane_seq = seq").run()
            try await db.raw("CREATE UNIQUE INDEX audit_log_lane ON audit_log (lane, lane_seq)").run()
            try await db.raw("UPDATE audit_head SET id = 0 WHERE id = 1").run()
            let lanes = db.insert(into: AuditLog.head).columns("id", "seq", "last_hash")
            for lane in AuditLog.lanes { lanes.values(SQLBind(lane), SQLBind(Int64(0)), SQLBind(AuditRecord.genesis)) }
            try await lanes.run()
            let follow = "UPDATE audit_head SET last_hash = NEW.hash WHERE id = NEW.lane AND seq = NEW.lane_seq"
            switch engine {
            case .sqlite:
                try await db.raw("DROP TRIGGER audit_head_follows").run()
                try await db.raw(SQLQueryString("CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log BEGIN \(unsafeRaw: follow); END")).run()
            case .postgres:
                try await db.raw(
                    SQLQueryString(
                        "CREATE OR REPLACE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \(unsafeRaw: follow); RETURN NULL; END $$"
                    )
                ).run()
                // The log's order for lists comes from a sequence: taking a number locks nothing.
                try await db.raw("CREATE SEQUENCE audit_log_order OWNED BY audit_log.seq").run()
                try await db.raw("SELECT setval('audit_log_order', COALESCE(MAX(seq), 0) + 1, false) FROM audit_log").run()
                try await db.raw("ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_order')").run()
            }
        },
    ]
}
