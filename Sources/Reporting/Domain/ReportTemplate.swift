import Core
import Foundation

/// A disaggregation (category combination): the options a value is broken down by, e.g. sex ×
/// age group as `NAM_DUOI18`, `NU_DUOI18`, …; a value without a combination has the option
/// `total`.
public struct CategoryCombo: Hashable, Sendable, Codable {
    public struct Option: Hashable, Sendable, Codable {
        public var code: String
        public var nameVi: String
        public var nameEn: String?

        public init(code: String, nameVi: String, nameEn: String? = nil) {
            self.code = code
            self.nameVi = nameVi
            self.nameEn = nameEn
        }
    }

    /// The option of a value that is not broken down.
    public static let total = "total"

    public var code: String
    public var nameVi: String
    public var nameEn: String?
    public var options: [Option]

    public init(code: String, nameVi: String, nameEn: String? = nil, options: [Option]) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.options = options
    }

    public var problems: [ValidationError] {
        var problems: [ValidationError] = []
        if !Indicator.isValidCode(code) {
            problems.append(ValidationError(field: "code", messageVi: "Mã phân tổ không hợp lệ", messageEn: "Invalid disaggregation code"))
        }
        if nameVi.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ValidationError(field: "nameVi", messageVi: "Nhập tên phân tổ", messageEn: "Enter the disaggregation's name"))
        }
        if options.isEmpty || options.count > 200 {
            problems.append(ValidationError(field: "options", messageVi: "Phân tổ có 1–200 nhóm", messageEn: "A disaggregation has 1–200 options"))
        }
        for (index, option) in options.enumerated() {
            if !Indicator.isValidCode(option.code) || option.code == Self.total {
                problems.append(
                    ValidationError(field: "options[\(index)].code", messageVi: "Mã nhóm không hợp lệ", messageEn: "Invalid option code")
                )
            }
        }
        if Set(options.map(\.code)).count != options.count {
            problems.append(ValidationError(field: "options", messageVi: "Mã nhóm bị trùng", messageEn: "Option codes repeat"))
        }
        return problems
    }
}

/// A report template (biểu mẫu báo cáo), one version of it: what is reported (sections of
/// indicator rows, broken down by a disaggregation in columns, and narrative parts), how often,
/// by whom, to whom and by when. A change makes a new version; reports keep theirs.
public struct ReportTemplate: Hashable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case periodic, thematic
        case adHoc = "ad-hoc"
    }

    /// Rows of indicators under a heading, with an optional disaggregation as columns.
    public struct Section: Hashable, Sendable, Codable {
        public var code: String
        public var titleVi: String
        public var titleEn: String?
        public var indicatorCodes: [String]
        public var categoryComboCode: String?

        public init(code: String, titleVi: String, titleEn: String? = nil, indicatorCodes: [String], categoryComboCode: String? = nil) {
            self.code = code
            self.titleVi = titleVi
            self.titleEn = titleEn
            self.indicatorCodes = indicatorCodes
            self.categoryComboCode = categoryComboCode
        }
    }

    /// A part of the outline (đề cương) answered in rich text.
    public struct NarrativePart: Hashable, Sendable, Codable {
        public var code: String
        public var titleVi: String
        public var guidanceVi: String?

        public init(code: String, titleVi: String, guidanceVi: String? = nil) {
            self.code = code
            self.titleVi = titleVi
            self.guidanceVi = guidanceVi
        }
    }

    /// Who reports: named agencies, and groups of the directory.
    public struct Assignment: Hashable, Sendable, Codable {
        public enum Group: String, Codable, Sendable, CaseIterable {
            /// The province's departments and offices (sở, ban, ngành).
            case provincialDepartments = "provincial-departments"
            /// The communes' and wards' people's committees.
            case communes
        }

        public var agencies: [String]
        public var groups: [Group]

        public init(agencies: [String] = [], groups: [Group] = []) {
            self.agencies = agencies
            self.groups = groups
        }
    }

    /// When a report is due: `days` (working days unless `working` is false) after the last day
    /// of its data window.
    public struct Deadline: Hashable, Sendable, Codable {
        public var days: Int
        public var working: Bool

        public init(days: Int, working: Bool = true) {
            self.days = days
            self.working = working
        }
    }

    public var code: String
    public var version: Int
    public var nameVi: String
    public var nameEn: String?
    public var kind: Kind
    public var frequency: Frequency
    public var dataWindow: DataWindow
    public var sections: [Section]
    public var narrative: [NarrativePart]
    public var assignment: Assignment
    public var receivingAgency: String
    public var deadline: Deadline
    /// Validation rules (by code) run on submission.
    public var ruleCodes: [String]

    public init(
        code: String,
        version: Int = 1,
        nameVi: String,
        nameEn: String? = nil,
        kind: Kind = .periodic,
        frequency: Frequency,
        dataWindow: DataWindow = .decree09,
        sections: [Section],
        narrative: [NarrativePart] = [],
        assignment: Assignment,
        receivingAgency: String,
        deadline: Deadline,
        ruleCodes: [String] = []
    ) {
        self.code = code
        self.version = version
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.kind = kind
        self.frequency = frequency
        self.dataWindow = dataWindow
        self.sections = sections
        self.narrative = narrative
        self.assignment = assignment
        self.receivingAgency = receivingAgency
        self.deadline = deadline
        self.ruleCodes = ruleCodes
    }

    /// Template codes as the national forms write them: `II.06a/VPCP/KSTT`, `BC-01`.
    public static func isValidCode(_ code: String) -> Bool {
        guard let first = code.first, first.isASCII, first.isLetter || first.isNumber, (1...64).contains(code.count) else { return false }
        return code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-/".contains($0)) }
    }

    /// Every indicator the template's rows name, in order, once.
    public var indicatorCodes: [String] {
        var seen: Set<String> = []
        return sections.flatMap(\.indicatorCodes).filter { seen.insert($0).inserted }
    }

    /// The day a report for `period` is due.
    public func dueDate(for period: ReportingPeriod, calendar: WorkingCalendar) -> LocalDate {
        let cutoff = period.window(dataWindow).upperBound
        return deadline.working ? calendar.addWorkingDays(deadline.days, to: cutoff) : cutoff.adding(days: deadline.days)
    }

    /// Whether `period` is one this template is reported for.
    public func accepts(_ period: ReportingPeriod) -> Bool {
        kind == .periodic ? period.frequency == frequency : true
    }

    /// What is wrong with the template on its own (references to indicators, disaggregations,
    /// rules and agencies are checked by the store against what exists).
    public var problems: [ValidationError] {
        var problems: [ValidationError] = []
        func add(_ field: String, _ vi: String, _ en: String) { problems.append(ValidationError(field: field, messageVi: vi, messageEn: en)) }
        if !Self.isValidCode(code) {
            add("code", "Mã biểu mẫu gồm chữ, số và . _ - / (tối đa 64)", "A template code has letters, digits and . _ - / (at most 64)")
        }
        if nameVi.trimmingCharacters(in: .whitespaces).isEmpty { add("nameVi", "Nhập tên biểu mẫu", "Enter the template's name") }
        if let problem = TextRules.problem(nameVi, field: "nameVi", label: ("Tên biểu mẫu", "The name"), limit: 500) { problems.append(problem) }
        if kind == .periodic, frequency == .adHoc { add("frequency", "Báo cáo định kỳ cần kỳ báo cáo", "A periodic report needs a frequency") }
        if sections.isEmpty, narrative.isEmpty { add("sections", "Biểu mẫu cần ít nhất một phần", "A template needs at least one section") }
        for (index, section) in sections.enumerated() {
            if section.indicatorCodes.isEmpty {
                add("sections[\(index)].indicatorCodes", "Phần \(section.code) chưa có chỉ tiêu", "Section \(section.code) has no indicators")
            }
            if section.titleVi.trimmingCharacters(in: .whitespaces).isEmpty {
                add("sections[\(index)].titleVi", "Nhập tiêu đề phần", "Enter the section's title")
            }
        }
        if Set(sections.map(\.code)).count != sections.count { add("sections", "Mã phần bị trùng", "Section codes repeat") }
        if Set(narrative.map(\.code)).count != narrative.count { add("narrative", "Mã đề mục bị trùng", "Outline part codes repeat") }
        if indicatorCodes.count != sections.reduce(0, { $0 + $1.indicatorCodes.count }) {
            add("sections", "Một chỉ tiêu chỉ xuất hiện một lần trong biểu mẫu", "An indicator appears once in a template")
        }
        if assignment.agencies.isEmpty, assignment.groups.isEmpty {
            add("assignment", "Chọn cơ quan hoặc nhóm cơ quan báo cáo", "Choose the reporting agencies or groups")
        }
        if !(0...60).contains(deadline.days) { add("deadline.days", "Hạn nộp từ 0 đến 60 ngày", "The deadline is 0 to 60 days") }
        return problems
    }
}

extension ReportTemplate {
    enum CodingKeys: String, CodingKey {
        case code, version, nameVi, nameEn, kind, frequency, dataWindow, sections, narrative, assignment, receivingAgency, deadline, ruleCodes
    }

    /// Reads a template; what a new one may leave out takes its default (the version is the
    /// store's to give).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code),
            version: try c.decodeIfPresent(Int.self, forKey: .version) ?? 1,
            nameVi: try c.decode(String.self, forKey: .nameVi),
            nameEn: try c.decodeIfPresent(String.self, forKey: .nameEn),
            kind: try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .periodic,
            frequency: try c.decodeIfPresent(Frequency.self, forKey: .frequency) ?? .adHoc,
            dataWindow: try c.decodeIfPresent(DataWindow.self, forKey: .dataWindow) ?? .decree09,
            sections: try c.decodeIfPresent([Section].self, forKey: .sections) ?? [],
            narrative: try c.decodeIfPresent([NarrativePart].self, forKey: .narrative) ?? [],
            assignment: try c.decode(Assignment.self, forKey: .assignment),
            receivingAgency: try c.decode(String.self, forKey: .receivingAgency),
            deadline: try c.decode(Deadline.self, forKey: .deadline),
            ruleCodes: try c.decodeIfPresent([String].self, forKey: .ruleCodes) ?? []
        )
    }
}

extension ReportTemplate.Assignment {
    enum CodingKeys: String, CodingKey { case agencies, groups }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            agencies: try c.decodeIfPresent([String].self, forKey: .agencies) ?? [],
            groups: try c.decodeIfPresent([Group].self, forKey: .groups) ?? []
        )
    }
}

extension ReportTemplate.Deadline {
    enum CodingKeys: String, CodingKey { case days, working }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(days: try c.decode(Int.self, forKey: .days), working: try c.decodeIfPresent(Bool.self, forKey: .working) ?? true)
    }
}
