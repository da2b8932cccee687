import Core
import Foundation

/// A check over a report's values (quy tắc kiểm tra): `left operator right`, e.g.
/// `DaXuLy <= TongSo`, or for a subject indicator with children `sum(children) == parent`.
/// Blocking rules stop a submission; warnings are shown and recorded.
public struct ValidationRule: Hashable, Sendable, Codable {
    public enum Comparison: String, Codable, Sendable, CaseIterable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        func holds(_ a: Decimal, _ b: Decimal) -> Bool {
            switch self {
            case .equal: a == b
            case .notEqual: a != b
            case .less: a < b
            case .lessOrEqual: a <= b
            case .greater: a > b
            case .greaterOrEqual: a >= b
            }
        }
    }

    public enum Severity: String, Codable, Sendable { case blocking, warning }

    public var code: String
    public var nameVi: String
    public var left: String
    public var comparison: Comparison
    public var right: String
    public var severity: Severity
    /// The indicator `parent` and `children` refer to.
    public var subjectCode: String?

    public init(
        code: String,
        nameVi: String,
        left: String,
        comparison: Comparison,
        right: String,
        severity: Severity = .blocking,
        subjectCode: String? = nil
    ) {
        self.code = code
        self.nameVi = nameVi
        self.left = left
        self.comparison = comparison
        self.right = right
        self.severity = severity
        self.subjectCode = subjectCode
    }

    /// Reads a whole rule written as one line, `A + B <= C`.
    public static func split(_ text: String) -> (left: String, comparison: Comparison, right: String)? {
        for comparison in [Comparison.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] {
            if let range = text.range(of: comparison.rawValue) {
                let (left, right) = (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
                guard !right.contains("<"), !right.contains(">"), !right.contains("=") else { return nil }
                return (left, comparison, right)
            }
        }
        return nil
    }

    /// What is wrong with the rule against the known indicators.
    public func problems(in indicators: IndicatorSet) -> [ValidationError] {
        var problems: [ValidationError] = []
        if let subject = subjectCode, indicators.byCode[subject] == nil {
            problems.append(ValidationError(field: "subjectCode", messageVi: "Không có chỉ tiêu \(subject)", messageEn: "No indicator \(subject)"))
        }
        for (field, text) in [("left", left), ("right", right)] {
            do {
                let expression = try FormulaParser.parse(text)
                let unknown = expression.codes.filter { indicators.byCode[$0] == nil }.sorted()
                if !unknown.isEmpty {
                    problems.append(
                        ValidationError(
                            field: field,
                            messageVi: "Có mã chưa có: \(unknown.joined(separator: ", "))",
                            messageEn: "Unknown codes: \(unknown.joined(separator: ", "))"
                        )
                    )
                }
                if expression.needsSubject, subjectCode == nil {
                    problems.append(
                        ValidationError(
                            field: "subjectCode",
                            messageVi: "Quy tắc dùng parent/children cần chỉ tiêu gốc",
                            messageEn: "A rule using parent or children needs its subject indicator"
                        )
                    )
                }
            } catch {
                problems.append(ValidationError(field: field, messageVi: error.messageVi, messageEn: error.messageEn))
            }
        }
        return problems
    }

    /// The outcome for one set of values.
    public enum Outcome: Hashable, Sendable {
        case passed
        case failed(left: Decimal, right: Decimal)
        /// A value it needs is missing (not judged; a blank form is not wrong yet).
        case skipped
    }

    /// Judges the rule on `values` (by code) with the indicator tree from `indicators`.
    public func check(_ values: [String: Decimal], indicators: IndicatorSet) -> Outcome {
        guard let leftExpression = try? FormulaParser.parse(left), let rightExpression = try? FormulaParser.parse(right) else { return .skipped }
        let subject = subjectCode.flatMap { values[$0] }
        let children =
            subjectCode.map { code in indicators.byCode.values.filter { $0.parentCode == code }.map(\.code).sorted().compactMap { values[$0] } } ?? []
        guard let a = leftExpression.evaluate({ values[$0] }, subject: subject, children: children),
            let b = rightExpression.evaluate({ values[$0] }, subject: subject, children: children)
        else { return .skipped }
        return comparison.holds(a, b) ? .passed : .failed(left: a, right: b)
    }
}
