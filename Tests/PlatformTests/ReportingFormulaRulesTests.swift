import Core
import Foundation
import Testing

@testable import Reporting

@Suite struct ReportingFormulaTests {
    func value(_ text: String, _ values: [String: Decimal]) throws -> Decimal? {
        try FormulaParser.parse(text).evaluate { values[$0] }
    }

    @Test func arithmeticKeepsPrecedenceAndParentheses() throws {
        let values: [String: Decimal] = ["A": 30, "B": 10, "C": 80]
        #expect(try value("(A + B) / C * 100", values) == 50)
        #expect(try value("A + B / C * 100", values) == Decimal(string: "42.5"))
        #expect(try value("-A + -(-B)", values) == -20)
        #expect(try value("A - B - C", values) == -60)
        #expect(try value("A/B", values) == 3)
        #expect(try value("sum(A, B, C) / 3", values) == 40)
        #expect(try value("max(A, B * 4) - min(C, 1.5)", values) == Decimal(string: "38.5"))
        #expect(try value("II06a.TongSo * 2", ["II06a.TongSo": 7]) == 14)
    }

    @Test func missingValuesAndDivisionByZeroGiveNoValue() throws {
        #expect(try value("A / B", ["A": 1, "B": 0]) == nil)
        #expect(try value("A + B", ["A": 1]) == nil)
    }

    @Test func syntaxErrorsNameThePosition() {
        func position(_ text: String) -> Int? {
            do {
                _ = try FormulaParser.parse(text)
                return nil
            } catch { return error.position }
        }
        #expect(position("A +") == 4)
        #expect(position("(A + B") == 7)
        #expect(position("A + * B") == 5)
        #expect(position("A # B") == 3)
        #expect(position("A B") == 3)
        #expect(position("1.2.3") == 1)
        #expect(position("children") == 1)
        #expect(position("") == 1)
        #expect(position("sum(children) + parent") == nil)
    }

    @Test func formulasAreCheckedForUnknownCodesTextAndCycles() {
        let a = Indicator(code: "A", nameVi: "A")
        let note = Indicator(code: "GhiChu", nameVi: "Ghi chú", valueType: .text, aggregation: .none)
        let b = Indicator(code: "B", nameVi: "B", formula: "C + 1")
        let c = Indicator(code: "C", nameVi: "C", formula: "A * 2")
        let set = IndicatorSet([a, note, b, c])
        #expect(set.problems(of: b).isEmpty)
        // C reading B closes B → C → B.
        var looping = c
        looping.formula = "B + A"
        let cycle = set.problems(of: looping)
        #expect(cycle.map(\.field) == ["formula"])
        #expect(cycle.first?.messageEn.contains("C → B → C") == true)
        var unknown = b
        unknown.formula = "X + Y + A"
        #expect(set.problems(of: unknown).first?.messageEn == "The formula names unknown codes: X, Y")
        var textual = b
        textual.formula = "GhiChu + 1"
        #expect(set.problems(of: textual).first?.messageEn.contains("text indicators: GhiChu") == true)
        var selfish = a
        selfish.formula = "A + 1"
        #expect(set.problems(of: selfish).first?.messageEn.contains("A → A") == true)
        var broken = b
        broken.formula = "(A"
        #expect(set.problems(of: broken).map(\.field) == ["formula"])
        var ruleLike = b
        ruleLike.formula = "sum(children)"
        #expect(set.problems(of: ruleLike).first?.messageEn.contains("children or parent") == true)
    }

    @Test func parentsMustExistAndNotLoop() {
        let root = Indicator(code: "R", nameVi: "R")
        let child = Indicator(code: "K", nameVi: "K", parentCode: "R")
        let set = IndicatorSet([root, child])
        #expect(set.problems(of: child).isEmpty)
        var orphan = child
        orphan.parentCode = "Z"
        #expect(set.problems(of: orphan).map(\.field) == ["parentCode"])
        var loop = root
        loop.parentCode = "K"
        #expect(set.problems(of: loop).first?.messageEn == "The indicator tree would loop")
    }

    @Test func computedIndicatorsFollowWhatTheyRead() {
        let set = IndicatorSet([
            Indicator(code: "Z", nameVi: "Z", formula: "Y * 2"),
            Indicator(code: "Y", nameVi: "Y", formula: "X + 1"),
            Indicator(code: "X", nameVi: "X"),
        ])
        #expect(set.evaluationOrder() == ["X", "Y", "Z"])
        #expect(set.computing(["X": 4]) == ["X": 4, "Y": 5, "Z": 10])
        #expect(set.computing([:]).isEmpty)
    }

    @Test func validationRulesJudgeValues() {
        let set = IndicatorSet([
            Indicator(code: "TongSo", nameVi: "Tổng"),
            Indicator(code: "TrucTuyen", nameVi: "Trực tuyến", parentCode: "TongSo"),
            Indicator(code: "TrucTiep", nameVi: "Trực tiếp", parentCode: "TongSo"),
        ])
        let parts = ValidationRule(
            code: "R1",
            nameVi: "Tổng bằng các phần",
            left: "sum(children)",
            comparison: .equal,
            right: "parent",
            subjectCode: "TongSo"
        )
        #expect(parts.problems(in: set).isEmpty)
        #expect(parts.check(["TongSo": 10, "TrucTuyen": 6, "TrucTiep": 4], indicators: set) == .passed)
        #expect(parts.check(["TongSo": 10, "TrucTuyen": 6, "TrucTiep": 5], indicators: set) == .failed(left: 11, right: 10))
        #expect(parts.check([:], indicators: set) == .skipped)
        let online = ValidationRule(
            code: "R2",
            nameVi: "Trực tuyến không quá tổng",
            left: "TrucTuyen",
            comparison: .lessOrEqual,
            right: "TongSo",
            severity: .warning
        )
        #expect(online.check(["TongSo": 3, "TrucTuyen": 4], indicators: set) == .failed(left: 4, right: 3))
        let noSubject = ValidationRule(code: "R3", nameVi: "x", left: "sum(children)", comparison: .equal, right: "X9")
        #expect(noSubject.problems(in: set).map(\.field).sorted() == ["right", "subjectCode"])
        let split = ValidationRule.split("TrucTuyen + TrucTiep <= TongSo")
        #expect(split?.left == "TrucTuyen + TrucTiep " && split?.comparison == .lessOrEqual && split?.right == " TongSo")
        #expect(ValidationRule.split("A == B == C") == nil)
        #expect(ValidationRule.split("A + B") == nil)
    }
}
