import SQLKit

/// Schema of the storage layer: files kept in the database (`ContentStore`, database placement).
public enum StorageMigrations {
    public static let all: [Migration] = [
        Migration(context: "storage", version: 1, name: "content in the database") { db, _ in
            try await db.create(table: ContentStore.filesTable)
                .column("sha256", type: .text, .primaryKey(autoIncrement: false))
                .column("size", type: .bigint, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: ContentStore.chunksTable)
                .column("sha256", type: .text, .notNull)
                .column("part", type: .int, .notNull)
                .column("data", type: .blob, .notNull)
                .primaryKey("sha256", "part")
                .run()
        }
    ]
}
