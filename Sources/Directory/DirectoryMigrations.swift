import SQLKit
import Storage

/// Schema of the directory context (reference data).
public enum DirectoryMigrations {
    public static let all: [Migration] = [
        Migration(context: "directory", version: 1, name: "administrative units, agencies, departments") { db, _ in
            try await db.create(table: "admin_units")
                .column("code", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("unit_type", type: .text, .notNull)
                .column("level", type: .text, .notNull)
                .column("parent_code", type: .text)
                .column("codename", type: .text, .notNull)
                .column("valid_to", type: .text)
                .run()
            try await db.create(index: "admin_units_parent").on("admin_units").column("parent_code").run()
            try await db.create(table: "agencies")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("identifier", type: .text, .notNull, .unique)
                .column("name", type: .text, .notNull)
                .column("name_folded", type: .text, .notNull)
                .column("short_name", type: .text, .notNull)
                .column("parent_identifier", type: .text)
                .column("admin_unit_code", type: .text)
                .column("kind", type: .text, .notNull)
                .column("email", type: .text)
                .column("phone", type: .text)
                .column("address", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "agencies_parent").on("agencies").column("parent_identifier").run()
            try await db.create(table: "departments")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("agency_identifier", type: .text, .notNull)
                .column("code", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .unique("agency_identifier", "code")
                .run()
        },
        Migration(context: "directory", version: 2, name: "calendar overrides") { db, _ in
            try await db.create(table: "calendar_overrides")
                .column("date", type: .text, .primaryKey(autoIncrement: false))
                .column("kind", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
        },
    ]
}
