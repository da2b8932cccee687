import SQLKit
import Storage

/// Schema of the reporting context.
public enum ReportingMigrations {
    public static let all: [Migration] = [
        Migration(context: "reporting", version: 1, name: "indicators, disaggregations, rules, templates") { db, _ in
            try await db.create(table: "reporting_category_combos")
                .column("code", type: .text, .primaryKey(autoIncrement: false))
                .column("name_vi", type: .text, .notNull)
                .column("name_en", type: .text)
                .column("options", type: .text, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "reporting_indicators")
                .column("code", type: .text, .primaryKey(autoIncrement: false))
                .column("name_vi", type: .text, .notNull)
                .column("name_en", type: .text)
                .column("unit", type: .text)
                .column("value_type", type: .text, .notNull)
                .column("aggregation", type: .text, .notNull)
                .column("weight_code", type: .text)
                .column("category_combo_code", type: .text)
                .column("parent_code", type: .text)
                .column("formula", type: .text)
                .column("minimum", type: .text)
                .column("maximum", type: .text)
                .column("version", type: .int, .notNull)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "reporting_indicators_parent").on("reporting_indicators").column("parent_code").run()
            try await db.create(table: "reporting_rules")
                .column("code", type: .text, .primaryKey(autoIncrement: false))
                .column("name_vi", type: .text, .notNull)
                .column("left_side", type: .text, .notNull)
                .column("comparison", type: .text, .notNull)
                .column("right_side", type: .text, .notNull)
                .column("severity", type: .text, .notNull)
                .column("subject_code", type: .text)
                .column("updated_at", type: .bigint, .notNull)
                .run()
            // One row per version; a report names the version it was made on.
            try await db.create(table: "reporting_templates")
                .column("code", type: .text, .notNull)
                .column("version", type: .int, .notNull)
                .column("name_vi", type: .text, .notNull)
                .column("frequency", type: .text, .notNull)
                .column("receiving_agency", type: .text, .notNull)
                .column("definition", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("created_by", type: .text, .notNull)
                .primaryKey("code", "version")
                .run()
        }
    ]
}
