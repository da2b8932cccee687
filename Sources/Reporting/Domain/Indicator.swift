import Core
import Foundation

/// What an indicator's values are.
public enum ValueType: String, Codable, Sendable, CaseIterable {
    case integer, decimal, percent
    case yesNo = "yes-no"
    case text

    /// Whether values of this type take part in arithmetic (formulas, sums, averages).
    public var isNumeric: Bool { self != .text }
}

/// How an indicator's values combine over agencies (commune → province) and over time (months
/// → quarter): added, averaged, averaged weighted by another indicator, smallest, largest, the
/// latest period's value (stocks such as "officials at the end of the period"), or not at all.
public enum Aggregation: String, Codable, Sendable, CaseIterable {
    case sum, average
    case weightedAverage = "weighted-average"
    case min, max, last, none
}

/// A value read from input: a number for numeric types (yes/no as 1 or 0), text otherwise.
public enum IndicatorValue: Hashable, Sendable, Codable {
    case number(Decimal)
    case text(String)

    public var number: Decimal? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The value as it is stored and exported (DHIS2 writes yes/no as `true`/`false`).
    public func serialized(as type: ValueType) -> String {
        switch self {
        case .text(let text): text
        case .number(let value) where type == .yesNo: value == 0 ? "false" : "true"
        case .number(let value): "\(value)"
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Decimal.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .text(let text): try container.encode(text)
        }
    }
}

/// A report indicator (chỉ tiêu): a code, names, a unit, its value type and aggregation, its
/// optional disaggregation (a category combination), a parent in the indicator tree, and a
/// formula when it is computed from others.
public struct Indicator: Hashable, Sendable, Codable {
    public var code: String
    public var nameVi: String
    public var nameEn: String?
    public var unit: String?
    public var valueType: ValueType
    public var aggregation: Aggregation
    /// The indicator whose values weigh this one's in a weighted average.
    public var weightCode: String?
    /// The category combination its values are broken down by (nil: one value).
    public var categoryComboCode: String?
    public var parentCode: String?
    /// `(A + B) / C * 100` over other indicators' codes; nil for entered values.
    public var formula: String?
    /// Bounds a numeric value must respect (percent: 0…100 unless set).
    public var minimum: Decimal?
    public var maximum: Decimal?

    public init(
        code: String,
        nameVi: String,
        nameEn: String? = nil,
        unit: String? = nil,
        valueType: ValueType = .integer,
        aggregation: Aggregation = .sum,
        weightCode: String? = nil,
        categoryComboCode: String? = nil,
        parentCode: String? = nil,
        formula: String? = nil,
        minimum: Decimal? = nil,
        maximum: Decimal? = nil
    ) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.unit = unit
        self.valueType = valueType
        self.aggregation = aggregation
        self.weightCode = weightCode
        self.categoryComboCode = categoryComboCode
        self.parentCode = parentCode
        self.formula = formula
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Codes: an ASCII letter first, then letters, digits, `.` or `_` (at most 64), as the
    /// national forms write them (`II06a.TongSo`, `CT_0101`): a formula reads them without quotes
    /// (`-` and `/` are its operators).
    public static func isValidCode(_ code: String) -> Bool {
        guard let first = code.first, code.count <= 64, first.isASCII, first.isLetter, !["parent", "self", "children"].contains(code.lowercased())
        else { return false }
        return code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }
    }

    /// What is wrong with the indicator as a definition, field by field (its formula is checked
    /// against the others by `IndicatorSet`).
    public var problems: [ValidationError] {
        var problems: [ValidationError] = []
        if !Self.isValidCode(code) {
            problems.append(
                ValidationError(
                    field: "code",
                    messageVi: "Mã chỉ tiêu bắt đầu bằng chữ, gồm chữ không dấu, số, dấu . và _ (tối đa 64 ký tự)",
                    messageEn: "An indicator code starts with a letter and has ASCII letters, digits, . and _ (at most 64)"
                )
            )
        }
        if let problem = TextRules.problem(nameVi, field: "nameVi", label: ("Tên chỉ tiêu", "The name"), limit: 500) { problems.append(problem) }
        if nameVi.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ValidationError(field: "nameVi", messageVi: "Nhập tên chỉ tiêu", messageEn: "Enter the indicator's name"))
        }
        if aggregation == .weightedAverage, weightCode == nil {
            problems.append(
                ValidationError(
                    field: "weightCode",
                    messageVi: "Bình quân gia quyền cần chỉ tiêu trọng số",
                    messageEn: "A weighted average needs the weighting indicator"
                )
            )
        }
        if !valueType.isNumeric, ![.none, .last].contains(aggregation) {
            problems.append(
                ValidationError(
                    field: "aggregation",
                    messageVi: "Chỉ tiêu dạng chữ chỉ tổng hợp theo giá trị cuối hoặc không tổng hợp",
                    messageEn: "A text indicator aggregates only as the last value or not at all"
                )
            )
        }
        if formula != nil, !valueType.isNumeric || valueType == .yesNo {
            problems.append(
                ValidationError(field: "formula", messageVi: "Chỉ tiêu tính toán phải là số", messageEn: "A computed indicator must be numeric")
            )
        }
        if let minimum, let maximum, minimum > maximum {
            problems.append(
                ValidationError(
                    field: "minimum",
                    messageVi: "Giá trị nhỏ nhất lớn hơn giá trị lớn nhất",
                    messageEn: "The minimum exceeds the maximum"
                )
            )
        }
        return problems
    }

    /// Reads an entered value (Vietnamese decimal commas and thousands dots accepted, as typed on
    /// the e-form: `1.234,5`), or the reason it is not one, named by `field`.
    public func parse(_ raw: String, field: String) -> Result<IndicatorValue, ValidationError> {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        func failure(_ vi: String, _ en: String) -> Result<IndicatorValue, ValidationError> {
            .failure(ValidationError(field: field, messageVi: "\(nameVi): \(vi)", messageEn: "\(nameEn ?? code): \(en)"))
        }
        switch valueType {
        case .text:
            if let problem = TextRules.problem(text, field: field, label: (nameVi, nameEn ?? code), limit: 4000, multiline: true) {
                return .failure(problem)
            }
            return .success(.text(text))
        case .yesNo:
            switch text.lowercased() {
            case "true", "1", "yes", "có", "co", "x": return .success(.number(1))
            case "false", "0", "no", "không", "khong": return .success(.number(0))
            default: return failure("chọn Có hoặc Không", "choose yes or no")
            }
        case .integer, .decimal, .percent:
            guard let number = Self.number(text, wholeNumber: valueType == .integer) else { return failure("nhập một số", "enter a number") }
            if valueType == .integer, number != number.rounded(0) { return failure("nhập số nguyên", "enter a whole number") }
            let (low, high) = (minimum ?? (valueType == .percent ? 0 : nil), maximum ?? (valueType == .percent ? 100 : nil))
            if let low, number < low { return failure("không nhỏ hơn \(low)", "must not be below \(low)") }
            if let high, number > high { return failure("không lớn hơn \(high)", "must not exceed \(high)") }
            return .success(.number(number))
        }
    }

    /// A number written the English way (`1234.5`), or the Vietnamese way (`1.234,5`); for a
    /// whole number, `1.234` is one thousand two hundred and thirty-four.
    static func number(_ text: String, wholeNumber: Bool = false) -> Decimal? {
        var digits = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{00A0}", with: "")
        let groups = digits.split(separator: ".", omittingEmptySubsequences: false)
        if wholeNumber, groups.count > 1, (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) {
            digits = digits.replacingOccurrences(of: ".", with: "")
        } else if digits.contains(",") {
            digits = digits.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        } else if digits.split(separator: ".").count > 2 {
            digits = digits.replacingOccurrences(of: ".", with: "")  // 1.234.567
        }
        let allowed = Set("0123456789.-+eE")
        guard !digits.isEmpty, digits.allSatisfy(allowed.contains), digits.count <= 40,
            let value = Decimal(string: digits, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        guard value.isFinite else { return nil }
        return value
    }
}

extension Decimal {
    /// Rounded to `scale` decimal places, half away from zero.
    public func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}

/// One value to combine: the number, its weight for a weighted average, and the order of its
/// period for `last`.
public struct Contribution: Sendable {
    public let value: Decimal
    public let weight: Decimal?
    public let order: Int

    public init(value: Decimal, weight: Decimal? = nil, order: Int = 0) {
        self.value = value
        self.weight = weight
        self.order = order
    }
}

extension Aggregation {
    /// Combines values by this rule; nil when there is nothing to combine (or the rule is
    /// `none`, or no weight is positive).
    public func combine(_ values: [Contribution]) -> Decimal? {
        guard !values.isEmpty else { return nil }
        switch self {
        case .none: return values.count == 1 ? values[0].value : nil
        case .sum: return values.reduce(0) { $0 + $1.value }
        case .average: return values.reduce(0) { $0 + $1.value } / Decimal(values.count)
        case .min: return values.map(\.value).min()
        case .max: return values.map(\.value).max()
        case .last: return values.max { $0.order < $1.order }?.value
        case .weightedAverage:
            let weighted = values.compactMap { value in value.weight.map { (value.value, $0) } }.filter { $0.1 > 0 }
            let total = weighted.reduce(0) { $0 + $1.1 }
            guard total > 0 else { return nil }
            return weighted.reduce(0) { $0 + $1.0 * $1.1 } / total
        }
    }
}
