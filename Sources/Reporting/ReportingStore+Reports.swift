import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// A report with its template version and values, and what the caller may do with it.
public struct ReportDetail: Codable, Sendable {
    public let report: Report
    public let template: ReportTemplate
    public let values: [ReportValue]
    /// Computed indicators and the totals of disaggregated rows.
    public let totals: [String: Decimal]
    public let allowedActions: [ReportAction]
    public let canEdit: Bool
}

extension ReportingStore {
    struct ReportRow: Codable {
        var id: Int64?
        var templateCode: String
        var templateVersion: Int
        var agencyIdentifier: String
        var period: String
        var status: String
        var dueDate: String
        var submittedAt: Int64?
        var reviewNote: String?
        var createdAt: Int64
        var updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case id, period, status
            case templateCode = "template_code"
            case templateVersion = "template_version"
            case agencyIdentifier = "agency_identifier"
            case dueDate = "due_date"
            case submittedAt = "submitted_at"
            case reviewNote = "review_note"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        var report: Report {
            Report(
                id: id ?? 0,
                templateCode: templateCode,
                templateVersion: templateVersion,
                agencyIdentifier: agencyIdentifier,
                period: period,
                status: ReportStatus(rawValue: status) ?? .draft,
                dueDate: LocalDate(iso: dueDate) ?? LocalDate(year: 2000, month: 1, day: 1)!,
                submittedAt: submittedAt,
                reviewNote: reviewNote,
                updatedAt: updatedAt
            )
        }
    }

    /// The report of `template` for `period` by the caller's agency (or `agency`, for system
    /// admins), opened as a draft on the template's newest version if there is none yet.
    public func openReport(template code: String, period periodCode: String, agency: String?, by principal: Principal, requestID: String?)
        async throws -> ReportDetail
    {
        guard let stored = try await template(code) else { throw DomainError.notFound(what: "template \(code)") }
        let template = stored.template
        guard let period = ReportingPeriod(code: periodCode), template.accepts(period) else {
            throw DomainError.invalid(
                "period",
                "Kỳ \(periodCode) không phải kỳ báo cáo của biểu mẫu (\(template.frequency.rawValue))",
                "\(periodCode) is not a period of this template (\(template.frequency.rawValue))"
            )
        }
        let isAdmin = principal.roles.contains(.systemAdmin)
        guard let reporter = isAdmin ? agency : principal.agency else {
            throw DomainError.invalid("agency", "Chọn cơ quan báo cáo", "Choose the reporting agency")
        }
        guard isAdmin || agency == nil || agency == reporter else {
            throw DomainError.forbidden(messageVi: "Chỉ lập báo cáo của cơ quan mình", messageEn: "You report only for your own agency")
        }
        guard try await reportingAgencies(of: template).contains(where: { $0.identifier == reporter }) else {
            throw DomainError.invalid(
                "agency",
                "Cơ quan \(reporter) không được giao biểu mẫu này",
                "Agency \(reporter) is not assigned this template"
            )
        }
        let due = try await dueDate(of: template, for: period)
        let now = clock.millis()
        let row = ReportRow(
            id: nil,
            templateCode: template.code,
            templateVersion: template.version,
            agencyIdentifier: reporter,
            period: period.code,
            status: ReportStatus.draft.rawValue,
            dueDate: due.iso,
            submittedAt: nil,
            reviewNote: nil,
            createdAt: now,
            updatedAt: now
        )
        let id = try await database.transaction { db -> Int64 in
            if let existing = try await Self.reportID(template: row.templateCode, agency: reporter, period: row.period, db) { return existing }
            try await db.insert(into: "reporting_reports").model(row).ignoringConflicts(with: ["template_code", "agency_identifier", "period"]).run()
            guard let id = try await Self.reportID(template: row.templateCode, agency: reporter, period: row.period, db) else {
                throw StorageError.corrupt("report not stored")
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "reporting.report.open",
                    targetType: "report",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["template": "\(row.templateCode)@\(row.templateVersion)", "agency": reporter, "period": row.period]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        return try await report(id, for: principal)
    }

    static func reportID(template: String, agency: String, period: String, _ db: any SQLDatabase) async throws -> Int64? {
        try await db.select().column("id").from("reporting_reports").where("template_code", .equal, template)
            .where("agency_identifier", .equal, agency).where("period", .equal, period).first()?.decode(column: "id", as: Int64.self)
    }

    /// A report as the caller may see it: its own agency's, one addressed to its agency, or any
    /// for system admins and auditors; 404 otherwise.
    public func report(_ id: Int64, for principal: Principal) async throws -> ReportDetail {
        let (row, values) = try await database.read { db -> (ReportRow?, [ReportValue]) in
            let row = try await db.select().column("*").from("reporting_reports").where("id", .equal, id).first(decoding: ReportRow.self)
            let values = try await db.select().columns("indicator_code", "option_code", "value", "comment").from("reporting_values")
                .where("report_id", .equal, id).orderBy("indicator_code").orderBy("option_code")
                .all(decoding: ReportValue.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (row, values)
        }
        guard let report = row?.report, let template = try await template(report.templateCode, version: report.templateVersion)?.template,
            let side = Self.side(of: principal, report: report, template: template)
        else { throw DomainError.notFound(what: "report \(id)") }
        let indicators = try await indicatorSet()
        let actions = ReportAction.allCases.filter { action in
            action.next(from: report.status) != nil && (action.byReceiver ? side.receiver : side.reporter)
        }
        return ReportDetail(
            report: report,
            template: template,
            values: values,
            totals: ReportRules.totals(values, indicators: indicators),
            allowedActions: actions,
            canEdit: side.reporter && report.status.isEditable
        )
    }

    /// Whether the caller stands on the reporting side, the receiving side, or may only read.
    static func side(of principal: Principal, report: Report, template: ReportTemplate) -> (reporter: Bool, receiver: Bool)? {
        let permissions = principal.permissions
        let reporter = principal.agency == report.agencyIdentifier && permissions.contains(.reportingEnter)
        let receiver = principal.agency == template.receivingAgency && permissions.contains(.reportingReview)
        let reader =
            principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor)
            || principal.agency == report.agencyIdentifier || principal.agency == template.receivingAgency
        guard reporter || receiver || reader else { return nil }
        return (reporter, receiver)
    }

    /// Saves entered values of a draft or returned report, all or nothing; empty values clear.
    public func saveValues(_ entries: [ValueEntry], in id: Int64, by principal: Principal, requestID: String?) async throws -> ReportDetail {
        let detail = try await report(id, for: principal)
        guard detail.canEdit else {
            throw DomainError.conflict(
                messageVi: "Báo cáo đang ở trạng thái \(detail.report.status.rawValue), không sửa được",
                messageEn: "The report is \(detail.report.status.rawValue) and cannot be changed"
            )
        }
        guard !entries.isEmpty, entries.count <= 20_000 else {
            throw DomainError.invalid("values", "Gửi từ 1 đến 20.000 giá trị", "Send 1 to 20,000 values")
        }
        let combos = Dictionary(try await categoryCombos().map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let indicators = try await indicatorSet()
        let checked = try ReportRules.check(entries, template: detail.template, indicators: indicators, combos: combos).get()
        let current = detail.report
        let now = clock.millis()
        try await database.transaction { db in
            let status = try await db.select().column("status").from("reporting_reports").where("id", .equal, id).first()?
                .decode(column: "status", as: String.self)
            guard status.flatMap(ReportStatus.init(rawValue:))?.isEditable == true else {
                throw DomainError.conflict(messageVi: "Báo cáo vừa được gửi, không sửa được", messageEn: "The report was just submitted")
            }
            for value in checked {
                let key = db.delete(from: "reporting_values").where("report_id", .equal, id)
                try await key.where("indicator_code", .equal, value.indicatorCode).where("option_code", .equal, value.optionCode).run()
                guard let stored = value.value else { continue }
                let type = indicators.byCode[value.indicatorCode]?.valueType ?? .text
                try await db.insert(into: "reporting_values")
                    .columns("report_id", "indicator_code", "option_code", "agency_identifier", "period", "value", "comment", "updated_at")
                    .values(
                        SQLBind(id),
                        SQLBind(value.indicatorCode),
                        SQLBind(value.optionCode),
                        SQLBind(current.agencyIdentifier),
                        SQLBind(current.period),
                        SQLBind(stored.serialized(as: type)),
                        SQLBind(value.comment),
                        SQLBind(now)
                    )
                    .run()
            }
            try await db.update("reporting_reports").set("updated_at", to: now).where("id", .equal, id).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "reporting.report.values",
                    targetType: "report",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["values": String(checked.count), "cleared": String(checked.filter { $0.value == nil }.count)]
                ),
                on: db,
                clock: clock
            )
        }
        return try await report(id, for: principal)
    }

    /// Submits, returns (with a note), accepts or locks a report. A submission runs the
    /// template's rules: a failing blocking rule refuses it, naming each rule and its values.
    public func perform(_ action: ReportAction, on id: Int64, note: String?, by principal: Principal, requestID: String?) async throws
        -> ReportDetail
    {
        let detail = try await report(id, for: principal)
        guard detail.allowedActions.contains(action), let next = action.next(from: detail.report.status) else {
            throw DomainError.conflict(
                messageVi: "Không thể \(action.rawValue) báo cáo ở trạng thái \(detail.report.status.rawValue)",
                messageEn: "Cannot \(action.rawValue) a report that is \(detail.report.status.rawValue)"
            )
        }
        let trimmed = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if action == .return, trimmed.isEmpty {
            throw DomainError.invalid("note", "Nêu lý do trả lại báo cáo", "Say why the report is returned")
        }
        if let problem = TextRules.problem(trimmed, field: "note", label: ("Ý kiến", "The note"), limit: 2000, multiline: true) {
            throw DomainError.invalid([problem])
        }
        var warnings: [String] = []
        if action == .submit {
            let codes = Set(detail.template.ruleCodes)
            let failures = ReportRules.failures(
                try await rules().filter { codes.contains($0.code) },
                totals: detail.totals,
                indicators: try await indicatorSet()
            )
            let blocking = failures.filter { $0.0.severity == .blocking }
            if !blocking.isEmpty {
                throw DomainError.invalid(
                    blocking.map { rule, left, right in
                        ValidationError(
                            field: "rules.\(rule.code)",
                            messageVi: "\(rule.nameVi): \(left) \(rule.comparison.rawValue) \(right) không đúng",
                            messageEn: "\(rule.code): \(left) \(rule.comparison.rawValue) \(right) does not hold"
                        )
                    }
                )
            }
            warnings = failures.map(\.0.code)
        }
        let (from, now, failedWarnings) = (detail.report.status, clock.millis(), warnings)
        try await database.transaction { db in
            let update = db.update("reporting_reports").set("status", to: next.rawValue).set("updated_at", to: now)
            if action == .submit { update.set("submitted_at", to: now) }
            if action == .return || action == .accept { update.set("review_note", to: trimmed.isEmpty ? nil : trimmed) }
            let changed = try await update.where("id", .equal, id).where("status", .equal, from.rawValue).returning("id").first()
            guard changed != nil else {
                throw DomainError.conflict(messageVi: "Báo cáo vừa thay đổi, tải lại", messageEn: "The report just changed; reload it")
            }
            var change = ["from": from.rawValue, "to": next.rawValue]
            if !trimmed.isEmpty { change["note"] = trimmed }
            if !failedWarnings.isEmpty { change["warnings"] = failedWarnings.joined(separator: ",") }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "reporting.report.\(action.rawValue)",
                    targetType: "report",
                    targetID: String(id),
                    requestID: requestID,
                    change: change
                ),
                on: db,
                clock: clock
            )
        }
        return try await report(id, for: principal)
    }
}
