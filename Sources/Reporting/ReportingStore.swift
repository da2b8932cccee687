import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// The reporting context's definitions: indicators, disaggregations, validation rules and
/// versioned report templates. Every change is checked against the others and the directory,
/// and audited in its own transaction.
public struct ReportingStore: Sendable {
    let database: Database
    let directory: AgencyDirectory
    let calendar: CalendarStore
    let clock: WallClock

    public init(database: Database, directory: AgencyDirectory, calendar: CalendarStore, clock: WallClock = .system) {
        self.database = database
        self.directory = directory
        self.calendar = calendar
        self.clock = clock
    }

    // MARK: Indicators

    struct IndicatorRow: Codable {
        var code: String
        var nameVi: String
        var nameEn: String?
        var unit: String?
        var valueType: String
        var aggregation: String
        var weightCode: String?
        var categoryComboCode: String?
        var parentCode: String?
        var formula: String?
        var minimum: String?
        var maximum: String?
        var version: Int
        var updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case code, unit, aggregation, formula, minimum, maximum, version
            case nameVi = "name_vi"
            case nameEn = "name_en"
            case valueType = "value_type"
            case weightCode = "weight_code"
            case categoryComboCode = "category_combo_code"
            case parentCode = "parent_code"
            case updatedAt = "updated_at"
        }

        init(_ indicator: Indicator, version: Int, at now: Int64) {
            code = indicator.code
            nameVi = indicator.nameVi
            nameEn = indicator.nameEn
            unit = indicator.unit
            valueType = indicator.valueType.rawValue
            aggregation = indicator.aggregation.rawValue
            weightCode = indicator.weightCode
            categoryComboCode = indicator.categoryComboCode
            parentCode = indicator.parentCode
            formula = indicator.formula
            minimum = indicator.minimum.map { "\($0)" }
            maximum = indicator.maximum.map { "\($0)" }
            self.version = version
            updatedAt = now
        }

        var indicator: Indicator {
            Indicator(
                code: code,
                nameVi: nameVi,
                nameEn: nameEn,
                unit: unit,
                valueType: ValueType(rawValue: valueType) ?? .text,
                aggregation: Aggregation(rawValue: aggregation) ?? .none,
                weightCode: weightCode,
                categoryComboCode: categoryComboCode,
                parentCode: parentCode,
                formula: formula,
                minimum: minimum.flatMap { Decimal(string: $0) },
                maximum: maximum.flatMap { Decimal(string: $0) }
            )
        }
    }

    /// Every indicator, by code.
    public func indicatorSet() async throws -> IndicatorSet {
        IndicatorSet(try await allIndicators())
    }

    /// Every indicator, ordered by code.
    public func allIndicators() async throws -> [Indicator] {
        try await database.read { db in
            try await db.select().column("*").from("reporting_indicators").orderBy("code")
                .all(decoding: IndicatorRow.self).map(\.indicator)
        }
    }

    /// One indicator, or nil.
    public func indicator(_ code: String) async throws -> Indicator? {
        try await database.read { db in
            try await db.select().column("*").from("reporting_indicators").where("code", .equal, code)
                .first(decoding: IndicatorRow.self)?.indicator
        }
    }

    /// Indicators whose code or name contains `query` (accents ignored), or under `parent`, in
    /// code order after `cursor`.
    public func indicators(query: String?, parent: String?, page: PageRequest) async throws -> Page<Indicator> {
        let folded = query.map(TextFolding.fold)?.trimmingCharacters(in: .whitespaces)
        let all = try await allIndicators().filter { indicator in
            (parent == nil || indicator.parentCode == parent)
                && (folded.map { $0.isEmpty || TextFolding.fold(indicator.code + " " + indicator.nameVi).contains($0) } ?? true)
        }
        let after = all.drop { indicator in page.cursor.map { indicator.code <= $0 } ?? false }
        let items = Array(after.prefix(page.limit))
        return Page(items: items, nextCursor: after.count > page.limit ? items.last?.code : nil)
    }

    /// Creates or replaces an indicator, checked against the others (formula codes, cycles,
    /// parent, weight) and the disaggregations; returns it as stored.
    @discardableResult
    public func saveIndicator(_ input: Indicator, by principal: Principal, requestID: String?) async throws -> Indicator {
        var indicator = input
        indicator.code = input.code.trimmingCharacters(in: .whitespaces)
        indicator.nameVi = input.nameVi.trimmingCharacters(in: .whitespaces)
        indicator.formula = input.formula.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        var problems = try await indicatorSet().problems(of: indicator)
        if let combo = indicator.categoryComboCode, try await categoryCombo(combo) == nil {
            problems.append(
                ValidationError(field: "categoryComboCode", messageVi: "Không có phân tổ \(combo)", messageEn: "No disaggregation \(combo)")
            )
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let saved = indicator
        let now = clock.millis()
        try await database.transaction { db in
            let previous = try await db.select().column("version").from("reporting_indicators").where("code", .equal, saved.code)
                .first()?.decode(column: "version", as: Int.self)
            try await Self.upsert(IndicatorRow(saved, version: (previous ?? 0) + 1, at: now), code: saved.code, into: "reporting_indicators", db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: previous == nil ? "reporting.indicator.create" : "reporting.indicator.update",
                    targetType: "indicator",
                    targetID: saved.code,
                    requestID: requestID,
                    change: Self.auditFields(saved)
                ),
                on: db,
                clock: clock
            )
        }
        return saved
    }

    /// Writes `row` as the definition `code` of `table` (a new row, or over the old one); true
    /// when one was there.
    @discardableResult
    static func upsert(_ row: some Encodable & Sendable, code: String, into table: String, _ db: any SQLDatabase) async throws -> Bool {
        let exists = try await db.select().column("code").from(table).where("code", .equal, code).first() != nil
        if exists {
            try await db.update(table).set(model: row).where("code", .equal, code).run()
        } else {
            try await db.insert(into: table).model(row).run()
        }
        return exists
    }

    static func auditFields(_ indicator: Indicator) -> [String: String] {
        var fields = ["nameVi": indicator.nameVi, "valueType": indicator.valueType.rawValue, "aggregation": indicator.aggregation.rawValue]
        if let formula = indicator.formula { fields["formula"] = formula }
        if let parent = indicator.parentCode { fields["parentCode"] = parent }
        if let combo = indicator.categoryComboCode { fields["categoryComboCode"] = combo }
        return fields
    }

    // MARK: Disaggregations

    struct ComboRow: Codable {
        var code: String
        var nameVi: String
        var nameEn: String?
        var options: String
        var updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case code, options
            case nameVi = "name_vi"
            case nameEn = "name_en"
            case updatedAt = "updated_at"
        }

        var combo: CategoryCombo? {
            guard let options = try? JSONDecoder().decode([CategoryCombo.Option].self, from: Data(self.options.utf8)) else { return nil }
            return CategoryCombo(code: code, nameVi: nameVi, nameEn: nameEn, options: options)
        }
    }

    public func categoryCombos() async throws -> [CategoryCombo] {
        try await database.read { db in
            try await db.select().column("*").from("reporting_category_combos").orderBy("code").all(decoding: ComboRow.self).compactMap(\.combo)
        }
    }

    public func categoryCombo(_ code: String) async throws -> CategoryCombo? {
        try await database.read { db in
            try await db.select().column("*").from("reporting_category_combos").where("code", .equal, code)
                .first(decoding: ComboRow.self)?.combo
        }
    }

    /// Creates or replaces a disaggregation. Options may be added or renamed, never removed
    /// while an indicator uses the disaggregation (entered values would lose their column).
    @discardableResult
    public func saveCategoryCombo(_ combo: CategoryCombo, by principal: Principal, requestID: String?) async throws -> CategoryCombo {
        var problems = combo.problems
        if let existing = try await categoryCombo(combo.code) {
            let removed = Set(existing.options.map(\.code)).subtracting(combo.options.map(\.code))
            let used = try await allIndicators().contains { $0.categoryComboCode == combo.code }
            if !removed.isEmpty, used {
                problems.append(
                    ValidationError(
                        field: "options",
                        messageVi: "Không bỏ nhóm đang dùng: \(removed.sorted().joined(separator: ", "))",
                        messageEn: "Options in use cannot be removed: \(removed.sorted().joined(separator: ", "))"
                    )
                )
            }
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let row = ComboRow(
            code: combo.code,
            nameVi: combo.nameVi,
            nameEn: combo.nameEn,
            options: String(decoding: try JSONEncoder().encode(combo.options), as: UTF8.self),
            updatedAt: clock.millis()
        )
        try await database.transaction { db in
            let exists = try await Self.upsert(row, code: row.code, into: "reporting_category_combos", db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: exists ? "reporting.disaggregation.update" : "reporting.disaggregation.create",
                    targetType: "disaggregation",
                    targetID: row.code,
                    requestID: requestID,
                    change: ["nameVi": row.nameVi, "options": combo.options.map(\.code).joined(separator: ",")]
                ),
                on: db,
                clock: clock
            )
        }
        return combo
    }

    // MARK: Validation rules

    struct RuleRow: Codable {
        var code: String
        var nameVi: String
        var leftSide: String
        var comparison: String
        var rightSide: String
        var severity: String
        var subjectCode: String?
        var updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case code, comparison, severity
            case nameVi = "name_vi"
            case leftSide = "left_side"
            case rightSide = "right_side"
            case subjectCode = "subject_code"
            case updatedAt = "updated_at"
        }

        var rule: ValidationRule {
            ValidationRule(
                code: code,
                nameVi: nameVi,
                left: leftSide,
                comparison: ValidationRule.Comparison(rawValue: comparison) ?? .equal,
                right: rightSide,
                severity: ValidationRule.Severity(rawValue: severity) ?? .warning,
                subjectCode: subjectCode
            )
        }
    }

    public func rules() async throws -> [ValidationRule] {
        try await database.read { db in
            try await db.select().column("*").from("reporting_rules").orderBy("code").all(decoding: RuleRow.self).map(\.rule)
        }
    }

    /// Creates or replaces a validation rule, checked against the indicators.
    @discardableResult
    public func saveRule(_ rule: ValidationRule, by principal: Principal, requestID: String?) async throws -> ValidationRule {
        var problems = rule.problems(in: try await indicatorSet())
        if !Indicator.isValidCode(rule.code) {
            problems.insert(ValidationError(field: "code", messageVi: "Mã quy tắc không hợp lệ", messageEn: "Invalid rule code"), at: 0)
        }
        if rule.nameVi.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ValidationError(field: "nameVi", messageVi: "Nhập tên quy tắc", messageEn: "Enter the rule's name"))
        }
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let row = RuleRow(
            code: rule.code,
            nameVi: rule.nameVi,
            leftSide: rule.left,
            comparison: rule.comparison.rawValue,
            rightSide: rule.right,
            severity: rule.severity.rawValue,
            subjectCode: rule.subjectCode,
            updatedAt: clock.millis()
        )
        try await database.transaction { db in
            let exists = try await Self.upsert(row, code: row.code, into: "reporting_rules", db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: exists ? "reporting.rule.update" : "reporting.rule.create",
                    targetType: "validation-rule",
                    targetID: row.code,
                    requestID: requestID,
                    change: ["rule": "\(row.leftSide) \(row.comparison) \(row.rightSide)", "severity": row.severity]
                ),
                on: db,
                clock: clock
            )
        }
        return rule
    }
}
