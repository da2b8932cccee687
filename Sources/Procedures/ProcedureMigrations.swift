import Core
import SQLKit
import Storage

/// Schema of the procedures context.
public enum ProcedureMigrations {
    public static let all: [Migration] = [
        Migration(context: "procedures", version: 1, name: "procedure catalogue") { db, _ in
            try await db.create(table: "procedures")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("code", type: .text, .notNull, .unique)
                .column("name", type: .text, .notNull)
                .column("search_text", type: .text, .notNull)
                .column("field_code", type: .text, .notNull)
                .column("field_name", type: .text, .notNull)
                .column("agency_identifier", type: .text)
                .column("agency_level", type: .text)
                .column("online_level", type: .text, .notNull)
                .column("processing_days", type: .int, .notNull)
                .column("body", type: .text, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "procedures_field").on("procedures").column("field_code").run()
            try await db.create(index: "procedures_agency").on("procedures").column("agency_identifier").run()
        },
        Migration(context: "procedures", version: 2, name: "folded names for ranking") { db, _ in
            // Ranking folded every candidate's name on every search (the search profile's top cost).
            try await db.alter(table: "procedures").column("name_folded", type: .text).run()
            for row in try await db.select().columns("code", "name").from("procedures").all() {
                try await db.update("procedures").set("name_folded", to: TextFolding.fold(try row.decode(column: "name", as: String.self)))
                    .where("code", .equal, try row.decode(column: "code", as: String.self)).run()
            }
        },
    ]
}
