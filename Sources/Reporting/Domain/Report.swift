import Core
import Foundation

/// Where a report stands: drafted by the reporting agency, submitted, returned with comments or
/// accepted by the receiving agency, then locked.
public enum ReportStatus: String, Codable, Sendable, CaseIterable {
    case draft, submitted, returned, accepted, locked

    /// Whether the reporting agency may change its values.
    public var isEditable: Bool { self == .draft || self == .returned }
}

/// What is done to a report, and by which side.
public enum ReportAction: String, Codable, Sendable, CaseIterable {
    case submit, `return`, accept, lock

    /// Whether the receiving agency (true) or the reporting agency (false) does it.
    public var byReceiver: Bool { self != .submit }

    /// The status after the action, or nil when it cannot be done from `status`.
    public func next(from status: ReportStatus) -> ReportStatus? {
        switch (self, status) {
        case (.submit, .draft), (.submit, .returned): .submitted
        case (.return, .submitted): .returned
        case (.accept, .submitted): .accepted
        case (.lock, .accepted): .locked
        default: nil
        }
    }
}

/// One report: a template version, an agency, a period.
public struct Report: Codable, Sendable, Hashable {
    public let id: Int64
    public let templateCode: String
    public let templateVersion: Int
    public let agencyIdentifier: String
    public let period: String
    public let status: ReportStatus
    public let dueDate: LocalDate
    public let submittedAt: Int64?
    public let reviewNote: String?
    public let updatedAt: Int64
}

/// A value of a report: an indicator, its disaggregation option (`total` when it has none).
public struct ReportValue: Codable, Sendable, Hashable {
    public let indicatorCode: String
    public let optionCode: String
    public let value: String
    public let comment: String?

    public init(indicatorCode: String, optionCode: String = CategoryCombo.total, value: String, comment: String? = nil) {
        self.indicatorCode = indicatorCode
        self.optionCode = optionCode
        self.value = value
        self.comment = comment
    }
}

/// A value as entered on the form or sent by the API.
public struct ValueEntry: Codable, Sendable {
    public let indicator: String
    public let option: String?
    /// The value as typed; empty or null clears it.
    public let value: String?
    public let comment: String?

    public init(indicator: String, option: String? = nil, value: String?, comment: String? = nil) {
        self.indicator = indicator
        self.option = option
        self.value = value
        self.comment = comment
    }
}

/// The checks of entered values against a template: pure, so the form, the API and imports
/// give the same answers.
public enum ReportRules {
    /// A checked value: what to store (nil clears), or the problem named by its place.
    public struct Checked: Sendable {
        public let indicatorCode: String
        public let optionCode: String
        public let value: IndicatorValue?
        public let comment: String?
    }

    /// Checks `entries` against `template` (only its rows, entered indicators only, options of
    /// the row's disaggregation, values of the indicator's type): all are returned, or every
    /// problem, each named `values[i].field`.
    public static func check(
        _ entries: [ValueEntry],
        template: ReportTemplate,
        indicators: IndicatorSet,
        combos: [String: CategoryCombo]
    ) -> Result<[Checked], DomainError> {
        var checked: [Checked] = []
        var problems: [ValidationError] = []
        var comboOfRow: [String: String?] = [:]
        for section in template.sections { for code in section.indicatorCodes { comboOfRow[code] = .some(section.categoryComboCode) } }
        for (index, entry) in entries.enumerated() {
            let place = "values[\(index)]"
            guard let rowCombo = comboOfRow[entry.indicator], let indicator = indicators.byCode[entry.indicator] else {
                problems.append(
                    ValidationError(
                        field: "\(place).indicator",
                        messageVi: "Chỉ tiêu \(entry.indicator) không có trong biểu mẫu",
                        messageEn: "Indicator \(entry.indicator) is not on the template"
                    )
                )
                continue
            }
            if indicator.formula != nil {
                problems.append(
                    ValidationError(
                        field: "\(place).indicator",
                        messageVi: "\(indicator.nameVi) được tính tự động, không nhập",
                        messageEn: "\(indicator.code) is computed, not entered"
                    )
                )
                continue
            }
            let options = rowCombo.flatMap { combos[$0]?.options.map(\.code) } ?? [CategoryCombo.total]
            let option = entry.option ?? CategoryCombo.total
            guard options.contains(option) else {
                problems.append(
                    ValidationError(
                        field: "\(place).option",
                        messageVi: "Nhóm \(option) không thuộc phân tổ của chỉ tiêu (\(options.joined(separator: ", ")))",
                        messageEn: "Option \(option) is not one of the row's (\(options.joined(separator: ", ")))"
                    )
                )
                continue
            }
            if let comment = entry.comment,
                let problem = TextRules.problem(comment, field: "\(place).comment", label: ("Ghi chú", "The comment"), limit: 1000, multiline: true)
            {
                problems.append(problem)
                continue
            }
            guard let raw = entry.value, !raw.trimmingCharacters(in: .whitespaces).isEmpty else {
                checked.append(Checked(indicatorCode: indicator.code, optionCode: option, value: nil, comment: entry.comment))
                continue
            }
            switch indicator.parse(raw, field: "\(place).value") {
            case .success(let value): checked.append(Checked(indicatorCode: indicator.code, optionCode: option, value: value, comment: entry.comment))
            case .failure(let problem): problems.append(problem)
            }
        }
        let keys = entries.map { "\($0.indicator)#\($0.option ?? CategoryCombo.total)" }
        if Set(keys).count != keys.count {
            problems.append(ValidationError(field: "values", messageVi: "Một ô được nhập hai lần", messageEn: "A cell is given twice"))
        }
        return problems.isEmpty ? .success(checked) : .failure(.invalid(problems))
    }

    /// Each indicator's number over its options (the total of a disaggregated row), completed with
    /// the computed indicators: what rules and formulas read.
    public static func totals(_ values: [ReportValue], indicators: IndicatorSet) -> [String: Decimal] {
        var totals: [String: Decimal] = [:]
        for value in values {
            guard let indicator = indicators.byCode[value.indicatorCode], indicator.valueType.isNumeric,
                let number = Indicator.number(value.value) ?? (value.value == "true" ? 1 : value.value == "false" ? 0 : nil)
            else { continue }
            totals[value.indicatorCode, default: 0] += number
        }
        return indicators.computing(totals)
    }

    /// The rules that fail on `totals`, blocking ones first.
    public static func failures(_ rules: [ValidationRule], totals: [String: Decimal], indicators: IndicatorSet) -> [(
        ValidationRule, Decimal, Decimal
    )] {
        rules.compactMap { rule in
            if case .failed(let left, let right) = rule.check(totals, indicators: indicators) { return (rule, left, right) }
            return nil
        }
        .sorted { ($0.0.severity == .blocking ? 0 : 1) < ($1.0.severity == .blocking ? 0 : 1) }
    }
}
