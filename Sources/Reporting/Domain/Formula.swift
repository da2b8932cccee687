import Core
import Foundation

/// An arithmetic expression over indicator codes: numbers, codes, `+ - * /`, parentheses, unary
/// minus, and the functions `sum`, `avg`, `min`, `max` over their arguments (`sum(children)`
/// adds the values of the subject indicator's children, in validation rules).
public indirect enum Expression: Hashable, Sendable {
    case number(Decimal)
    case code(String)
    case negate(Expression)
    case binary(Expression, Operator, Expression)
    case call(Function, [Expression])
    /// `children`: the values of the subject indicator's children (inside a function only).
    case children
    /// `parent` / `self`: the subject indicator of a rule.
    case subject

    public enum Operator: String, Sendable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
    }
    public enum Function: String, Sendable, CaseIterable { case sum, avg, min, max }

    /// The indicator codes it reads.
    public var codes: Set<String> {
        switch self {
        case .number, .children, .subject: []
        case .code(let code): [code]
        case .negate(let inner): inner.codes
        case .binary(let left, _, let right): left.codes.union(right.codes)
        case .call(_, let arguments): arguments.reduce(into: Set<String>()) { $0.formUnion($1.codes) }
        }
    }

    /// Whether it uses `children` or `parent`, which only a rule with a subject can resolve.
    var needsSubject: Bool {
        switch self {
        case .number, .code: false
        case .children, .subject: true
        case .negate(let inner): inner.needsSubject
        case .binary(let left, _, let right): left.needsSubject || right.needsSubject
        case .call(_, let arguments): arguments.contains(where: \.needsSubject)
        }
    }

    /// The value, given each code's value (`values`) and, for rules, the subject's value and its
    /// children's; nil when a value it needs is missing or it divides by zero.
    public func evaluate(_ values: (String) -> Decimal?, subject: Decimal? = nil, children: [Decimal] = []) -> Decimal? {
        switch self {
        case .number(let number): return number
        case .code(let code): return values(code)
        case .subject: return subject
        case .children: return children.isEmpty ? nil : children.reduce(0, +)
        case .negate(let inner): return inner.evaluate(values, subject: subject, children: children).map { -$0 }
        case .binary(let left, let op, let right):
            guard let a = left.evaluate(values, subject: subject, children: children),
                let b = right.evaluate(values, subject: subject, children: children)
            else { return nil }
            switch op {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            case .divide: return b == 0 ? nil : a / b
            }
        case .call(let function, let arguments):
            var numbers: [Decimal] = []
            for argument in arguments {
                if argument == .children {
                    numbers += children
                } else {
                    guard let value = argument.evaluate(values, subject: subject, children: children) else { return nil }
                    numbers.append(value)
                }
            }
            guard !numbers.isEmpty else { return nil }
            switch function {
            case .sum: return numbers.reduce(0, +)
            case .avg: return numbers.reduce(0, +) / Decimal(numbers.count)
            case .min: return numbers.min()
            case .max: return numbers.max()
            }
        }
    }
}

/// Reads expressions; errors name the position (1-based) of what could not be read.
public struct FormulaParser {
    /// A syntax error: where, and what was expected.
    public struct SyntaxError: Error, Hashable, Sendable {
        public let position: Int
        public let messageVi: String
        public let messageEn: String
    }

    enum Token: Hashable {
        case number(Decimal)
        case name(String)
        case symbol(Character)
        case end
    }

    private var tokens: [(Token, Int)] = []
    private var index = 0

    /// Parses `text` as one expression.
    public static func parse(_ text: String) throws(SyntaxError) -> Expression {
        var parser = FormulaParser()
        parser.tokens = try tokenize(text)
        let expression = try parser.sum()
        guard case .end = parser.current else { throw parser.unexpected() }
        return expression
    }

    static func tokenize(_ text: String) throws(SyntaxError) -> [(Token, Int)] {
        let characters = Array(text)
        guard characters.count <= 2000 else {
            throw SyntaxError(position: 2001, messageVi: "Công thức dài quá 2000 ký tự", messageEn: "The formula is longer than 2000 characters")
        }
        var tokens: [(Token, Int)] = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let start = i
            if c.isWhitespace {
                i += 1
            } else if c.isASCII, c.isNumber {
                while i < characters.count, characters[i].isASCII, characters[i].isNumber || characters[i] == "." { i += 1 }
                guard let value = Decimal(string: String(characters[start..<i]), locale: Locale(identifier: "en_US_POSIX")),
                    characters[start..<i].filter({ $0 == "." }).count <= 1
                else {
                    throw SyntaxError(position: start + 1, messageVi: "Số không hợp lệ", messageEn: "Invalid number")
                }
                tokens.append((.number(value), start + 1))
            } else if c.isASCII, c.isLetter || c == "_" {
                while i < characters.count, characters[i].isASCII, characters[i].isLetter || characters[i].isNumber || "._".contains(characters[i]) {
                    i += 1
                }
                tokens.append((.name(String(characters[start..<i])), start + 1))
            } else if "+-*/(),".contains(c) {
                tokens.append((.symbol(c), start + 1))
                i += 1
            } else {
                throw SyntaxError(position: start + 1, messageVi: "Ký tự không dùng được: \(c)", messageEn: "Unexpected character: \(c)")
            }
        }
        tokens.append((.end, characters.count + 1))
        return tokens
    }

    private var current: Token { tokens[index].0 }
    private mutating func advance() { index += 1 }

    private func unexpected() -> SyntaxError {
        let (token, position) = tokens[index]
        if case .end = token {
            return SyntaxError(position: position, messageVi: "Công thức chưa kết thúc", messageEn: "The formula ends too early")
        }
        return SyntaxError(
            position: position,
            messageVi: "Không đọc được công thức tại vị trí \(position)",
            messageEn: "Unexpected token at position \(position)"
        )
    }

    private mutating func sum() throws(SyntaxError) -> Expression {
        var left = try product()
        while case .symbol(let c) = current, c == "+" || c == "-" {
            advance()
            left = .binary(left, c == "+" ? .add : .subtract, try product())
        }
        return left
    }

    private mutating func product() throws(SyntaxError) -> Expression {
        var left = try unary()
        while case .symbol(let c) = current, c == "*" || c == "/" {
            advance()
            left = .binary(left, c == "*" ? .multiply : .divide, try unary())
        }
        return left
    }

    private mutating func unary() throws(SyntaxError) -> Expression {
        if case .symbol("-") = current {
            advance()
            return .negate(try unary())
        }
        if case .symbol("+") = current { advance() }
        return try primary()
    }

    private mutating func primary() throws(SyntaxError) -> Expression {
        switch current {
        case .number(let value):
            advance()
            return .number(value)
        case .symbol("("):
            advance()
            let inner = try sum()
            guard case .symbol(")") = current else { throw unexpected() }
            advance()
            return inner
        case .name(let name):
            advance()
            if case .symbol("(") = current, let function = Expression.Function(rawValue: name.lowercased()) {
                advance()
                var arguments = [try argument()]
                while case .symbol(",") = current {
                    advance()
                    arguments.append(try argument())
                }
                guard case .symbol(")") = current else { throw unexpected() }
                advance()
                return .call(function, arguments)
            }
            switch name.lowercased() {
            case "parent", "self": return .subject
            case "children":
                throw SyntaxError(
                    position: tokens[index - 1].1,
                    messageVi: "children chỉ dùng trong sum(), avg(), min(), max()",
                    messageEn: "children is used only inside sum(), avg(), min(), max()"
                )
            default: return .code(name)
            }
        default:
            throw unexpected()
        }
    }

    private mutating func argument() throws(SyntaxError) -> Expression {
        if case .name(let name) = current, name.lowercased() == "children" {
            advance()
            return .children
        }
        return try sum()
    }
}

/// The indicators known together, for checks that need them all: a formula's codes must exist
/// and be numeric, and computed indicators must not depend on themselves.
public struct IndicatorSet: Sendable {
    public let byCode: [String: Indicator]

    public init(_ indicators: [Indicator]) {
        byCode = Dictionary(indicators.map { ($0.code, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The problems of `indicator` as part of this set (it replaces one with its code): its own,
    /// an unknown parent or weight, a formula that does not parse, names unknown or textual
    /// codes, or closes a cycle (named as the path, `A → B → A`).
    public func problems(of indicator: Indicator) -> [ValidationError] {
        var problems = indicator.problems
        let set = IndicatorSet(Array(byCode.values.filter { $0.code != indicator.code }) + [indicator])
        if let parent = indicator.parentCode, set.byCode[parent] == nil || parent == indicator.code {
            problems.append(
                ValidationError(field: "parentCode", messageVi: "Không có chỉ tiêu cha \(parent)", messageEn: "No parent indicator \(parent)")
            )
        } else if set.ancestorCycle(from: indicator.code) {
            problems.append(
                ValidationError(field: "parentCode", messageVi: "Cây chỉ tiêu bị vòng lặp", messageEn: "The indicator tree would loop")
            )
        }
        if let weight = indicator.weightCode, set.byCode[weight]?.valueType.isNumeric != true {
            problems.append(
                ValidationError(field: "weightCode", messageVi: "Không có chỉ tiêu số \(weight)", messageEn: "No numeric indicator \(weight)")
            )
        }
        guard let formula = indicator.formula else { return problems }
        let expression: Expression
        do { expression = try FormulaParser.parse(formula) } catch {
            problems.append(ValidationError(field: "formula", messageVi: error.messageVi, messageEn: error.messageEn))
            return problems
        }
        if expression.needsSubject {
            problems.append(
                ValidationError(
                    field: "formula",
                    messageVi: "Công thức chỉ tiêu không dùng children hay parent",
                    messageEn: "An indicator's formula cannot use children or parent"
                )
            )
        }
        let unknown = expression.codes.filter { set.byCode[$0] == nil }.sorted()
        if !unknown.isEmpty {
            problems.append(
                ValidationError(
                    field: "formula",
                    messageVi: "Công thức có mã chưa có: \(unknown.joined(separator: ", "))",
                    messageEn: "The formula names unknown codes: \(unknown.joined(separator: ", "))"
                )
            )
        }
        let textual = expression.codes.filter { set.byCode[$0].map { !$0.valueType.isNumeric } ?? false }.sorted()
        if !textual.isEmpty {
            problems.append(
                ValidationError(
                    field: "formula",
                    messageVi: "Công thức dùng chỉ tiêu dạng chữ: \(textual.joined(separator: ", "))",
                    messageEn: "The formula uses text indicators: \(textual.joined(separator: ", "))"
                )
            )
        }
        if unknown.isEmpty, let cycle = set.cycle(through: indicator.code) {
            problems.append(
                ValidationError(
                    field: "formula",
                    messageVi: "Công thức tự phụ thuộc: \(cycle.joined(separator: " → "))",
                    messageEn: "The formula depends on itself: \(cycle.joined(separator: " → "))"
                )
            )
        }
        return problems
    }

    /// The codes a computed indicator reads directly (nil if it is entered or does not parse).
    public func dependencies(of code: String) -> Set<String>? {
        guard let formula = byCode[code]?.formula, let expression = try? FormulaParser.parse(formula) else { return nil }
        return expression.codes
    }

    /// A dependency path from `code` back to itself, if there is one.
    func cycle(through code: String) -> [String]? {
        var visited: Set<String> = []
        func walk(_ current: String, _ path: [String]) -> [String]? {
            for next in (dependencies(of: current) ?? []).sorted() {
                if next == code { return path + [next] }
                if visited.insert(next).inserted, let found = walk(next, path + [next]) { return found }
            }
            return nil
        }
        return walk(code, [code])
    }

    /// Whether following parents from `code` comes back to it.
    func ancestorCycle(from code: String) -> Bool {
        var seen: Set<String> = [code]
        var current = byCode[code]?.parentCode
        while let parent = current {
            if !seen.insert(parent).inserted { return true }
            current = byCode[parent]?.parentCode
        }
        return false
    }

    /// The codes in an order where each computed indicator follows everything it reads (entered
    /// ones first, as given); the set must have no cycles (checked when each was saved).
    public func evaluationOrder() -> [String] {
        var order: [String] = []
        var placed: Set<String> = []
        func place(_ code: String, depth: Int) {
            guard depth < byCode.count + 1, !placed.contains(code) else { return }
            for dependency in (dependencies(of: code) ?? []).sorted() where byCode[dependency] != nil { place(dependency, depth: depth + 1) }
            if placed.insert(code).inserted { order.append(code) }
        }
        for code in byCode.keys.sorted() { place(code, depth: 0) }
        return order
    }

    /// `values` completed with every computed indicator that can be computed from them.
    public func computing(_ values: [String: Decimal]) -> [String: Decimal] {
        var result = values
        for code in evaluationOrder() {
            guard let formula = byCode[code]?.formula, let expression = try? FormulaParser.parse(formula) else { continue }
            if let value = expression.evaluate({ result[$0] }) { result[code] = value } else { result[code] = nil }
        }
        return result
    }
}
