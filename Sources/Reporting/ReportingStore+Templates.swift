import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// A template version as listed: the definition and who made it.
public struct StoredTemplate: Sendable, Codable, Hashable {
    public let template: ReportTemplate
    public let createdAt: Int64
    public let createdBy: String
}

extension ReportingStore {
    struct TemplateRow: Codable {
        var code: String
        var version: Int
        var nameVi: String
        var frequency: String
        var receivingAgency: String
        var definition: String
        var createdAt: Int64
        var createdBy: String

        enum CodingKeys: String, CodingKey {
            case code, version, frequency, definition
            case nameVi = "name_vi"
            case receivingAgency = "receiving_agency"
            case createdAt = "created_at"
            case createdBy = "created_by"
        }

        var stored: StoredTemplate? {
            guard let template = try? JSONDecoder().decode(ReportTemplate.self, from: Data(definition.utf8)) else { return nil }
            return StoredTemplate(template: template, createdAt: createdAt, createdBy: createdBy)
        }
    }

    /// The newest version of every template, by code.
    public func templates() async throws -> [StoredTemplate] {
        try await database.read { db in
            try await db.raw(
                """
                SELECT t.* FROM reporting_templates t
                WHERE t.version = (SELECT MAX(version) FROM reporting_templates n WHERE n.code = t.code)
                ORDER BY t.code
                """
            ).all(decoding: TemplateRow.self).compactMap(\.stored)
        }
    }

    /// One version of a template (the newest when `version` is nil), or nil.
    public func template(_ code: String, version: Int? = nil) async throws -> StoredTemplate? {
        try await database.read { db in
            let query = db.select().column("*").from("reporting_templates").where("code", .equal, code)
            if let version { query.where("version", .equal, version) }
            return try await query.orderBy("version", .descending).limit(1).first(decoding: TemplateRow.self)?.stored
        }
    }

    /// Every version of a template, oldest first.
    public func versions(of code: String) async throws -> [StoredTemplate] {
        try await database.read { db in
            try await db.select().column("*").from("reporting_templates").where("code", .equal, code).orderBy("version")
                .all(decoding: TemplateRow.self).compactMap(\.stored)
        }
    }

    /// Saves a template as its next version (the first for a new code), checked against the
    /// indicators, disaggregations, rules and the directory; returns it with its version.
    @discardableResult
    public func saveTemplate(_ input: ReportTemplate, by principal: Principal, requestID: String?) async throws -> ReportTemplate {
        var template = input
        template.code = input.code.trimmingCharacters(in: .whitespaces)
        template.nameVi = input.nameVi.trimmingCharacters(in: .whitespaces)
        if template.kind != .periodic { template.frequency = .adHoc }
        var problems = template.problems
        problems += try await referenceProblems(template)
        guard problems.isEmpty else { throw DomainError.invalid(problems) }
        let candidate = template
        let (now, user) = (clock.millis(), principal.username)
        let saved = try await database.transaction { db -> ReportTemplate in
            let last =
                try await db.raw("SELECT COALESCE(MAX(version), 0) AS last FROM reporting_templates WHERE code = \(bind: candidate.code)")
                .first()?.decode(column: "last", as: Int.self) ?? 0
            var versioned = candidate
            versioned.version = last + 1
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let row = TemplateRow(
                code: versioned.code,
                version: versioned.version,
                nameVi: versioned.nameVi,
                frequency: versioned.frequency.rawValue,
                receivingAgency: versioned.receivingAgency,
                definition: String(decoding: try encoder.encode(versioned), as: UTF8.self),
                createdAt: now,
                createdBy: user
            )
            try await db.insert(into: "reporting_templates").model(row).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: last == 0 ? "reporting.template.create" : "reporting.template.version",
                    targetType: "report-template",
                    targetID: "\(versioned.code)@\(versioned.version)",
                    requestID: requestID,
                    change: [
                        "nameVi": versioned.nameVi, "frequency": versioned.frequency.rawValue, "receivingAgency": versioned.receivingAgency,
                        "indicators": String(versioned.indicatorCodes.count),
                    ]
                ),
                on: db,
                clock: clock
            )
            return versioned
        }
        return saved
    }

    /// References of a template that do not exist: indicators, disaggregations, rules, agencies.
    func referenceProblems(_ template: ReportTemplate) async throws -> [ValidationError] {
        var problems: [ValidationError] = []
        let indicators = try await indicatorSet()
        let combos = Set(try await categoryCombos().map(\.code))
        for (index, section) in template.sections.enumerated() {
            let unknown = section.indicatorCodes.filter { indicators.byCode[$0] == nil }
            if !unknown.isEmpty {
                problems.append(
                    ValidationError(
                        field: "sections[\(index)].indicatorCodes",
                        messageVi: "Không có chỉ tiêu: \(unknown.joined(separator: ", "))",
                        messageEn: "Unknown indicators: \(unknown.joined(separator: ", "))"
                    )
                )
            }
            if let combo = section.categoryComboCode, !combos.contains(combo) {
                problems.append(
                    ValidationError(
                        field: "sections[\(index)].categoryComboCode",
                        messageVi: "Không có phân tổ \(combo)",
                        messageEn: "No disaggregation \(combo)"
                    )
                )
            }
        }
        let rules = Set(try await self.rules().map(\.code))
        let unknownRules = template.ruleCodes.filter { !rules.contains($0) }
        if !unknownRules.isEmpty {
            problems.append(
                ValidationError(
                    field: "ruleCodes",
                    messageVi: "Không có quy tắc: \(unknownRules.joined(separator: ", "))",
                    messageEn: "Unknown rules: \(unknownRules.joined(separator: ", "))"
                )
            )
        }
        if try await directory.agency(template.receivingAgency) == nil {
            problems.append(
                ValidationError(
                    field: "receivingAgency",
                    messageVi: "Không có cơ quan \(template.receivingAgency)",
                    messageEn: "No agency \(template.receivingAgency)"
                )
            )
        }
        for (index, agency) in template.assignment.agencies.enumerated() where try await directory.agency(agency) == nil {
            problems.append(
                ValidationError(field: "assignment.agencies[\(index)]", messageVi: "Không có cơ quan \(agency)", messageEn: "No agency \(agency)")
            )
        }
        return problems
    }

    /// The agencies a template is assigned to: those named, and the members of its groups.
    public func reportingAgencies(of template: ReportTemplate) async throws -> [Agency] {
        let all = try await directory.all()
        let named = Set(template.assignment.agencies)
        let groups = Set(template.assignment.groups)
        // The province's own agencies hang from its people's committee, the one without a parent.
        let roots = Set(all.filter { $0.parentIdentifier == nil }.map(\.identifier))
        return all.filter { agency in
            let provincial = agency.parentIdentifier.map(roots.contains) ?? false
            return named.contains(agency.identifier)
                || (groups.contains(.provincialDepartments) && provincial && [.department, .office].contains(agency.kind))
                || (groups.contains(.communes) && provincial && agency.kind == .peopleCommittee)
        }
    }

    /// When a report of `template` for `period` is due, on the working calendar.
    public func dueDate(of template: ReportTemplate, for period: ReportingPeriod) async throws -> LocalDate {
        template.dueDate(for: period, calendar: try await calendar.workingCalendar())
    }
}
