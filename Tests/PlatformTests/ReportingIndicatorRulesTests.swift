import Core
import Foundation
import Testing

@testable import Reporting

@Suite struct ReportingIndicatorTests {
    let received = Indicator(code: "TongSo", nameVi: "Tổng số hồ sơ tiếp nhận", unit: "hồ sơ")
    let online = Indicator(code: "TiepNhanTrucTuyen", nameVi: "Tiếp nhận trực tuyến", unit: "hồ sơ", parentCode: "TongSo")
    let direct = Indicator(code: "TiepNhanTrucTiep", nameVi: "Tiếp nhận trực tiếp", unit: "hồ sơ", parentCode: "TongSo")
    var share: Indicator {
        Indicator(
            code: "TyLeTrucTuyen",
            nameVi: "Tỷ lệ hồ sơ trực tuyến",
            unit: "%",
            valueType: .percent,
            aggregation: .weightedAverage,
            weightCode: "TongSo",
            formula: "TiepNhanTrucTuyen / TongSo * 100"
        )
    }

    @Test func valuesAreReadTheVietnameseAndTheEnglishWay() throws {
        let area = Indicator(code: "DienTich", nameVi: "Diện tích", valueType: .decimal)
        #expect(try area.parse("1.234,5", field: "v").get() == .number(Decimal(string: "1234.5")!))
        #expect(try area.parse("1234.5", field: "v").get() == .number(Decimal(string: "1234.5")!))
        #expect(try area.parse(" 1.234.567 ", field: "v").get() == .number(1_234_567))
        #expect(try received.parse("12", field: "v").get() == .number(12))
    }

    @Test func wrongValuesNameTheFieldAndTheRule() {
        func message(_ indicator: Indicator, _ raw: String) -> String? {
            if case .failure(let error) = indicator.parse(raw, field: "values.X") {
                #expect(error.field == "values.X")
                return error.messageEn
            }
            return nil
        }
        #expect(message(received, "12,5")?.contains("whole number") == true)
        #expect(message(received, "mười") == "TongSo: enter a number")
        #expect(message(share, "101")?.contains("must not exceed 100") == true)
        #expect(message(share, "-1")?.contains("below 0") == true)
        #expect(message(Indicator(code: "Co", nameVi: "Có", valueType: .yesNo), "maybe")?.contains("yes or no") == true)
        #expect(message(received, "1e999999") != nil)
        #expect(message(share, "55") == nil)
    }

    @Test func yesNoIsStoredAsDHIS2WritesIt() throws {
        let flag = Indicator(code: "CoCong", nameVi: "Có cổng", valueType: .yesNo, aggregation: .none)
        let yes = try flag.parse("Có", field: "v").get()
        #expect(yes.serialized(as: .yesNo) == "true")
        #expect(try flag.parse("false", field: "v").get().serialized(as: .yesNo) == "false")
    }

    @Test func definitionsAreChecked() {
        #expect(received.problems.isEmpty)
        #expect(Indicator(code: "2A", nameVi: "x").problems.map(\.field) == ["code"])
        #expect(Indicator(code: "A-B", nameVi: "x").problems.map(\.field) == ["code"])
        #expect(Indicator(code: "children", nameVi: "x").problems.map(\.field) == ["code"])
        #expect(Indicator(code: "A", nameVi: " ").problems.map(\.field) == ["nameVi"])
        #expect(Indicator(code: "A", nameVi: "x", aggregation: .weightedAverage).problems.map(\.field) == ["weightCode"])
        #expect(Indicator(code: "A", nameVi: "x", valueType: .text, aggregation: .sum).problems.map(\.field) == ["aggregation"])
        #expect(Indicator(code: "A", nameVi: "x", minimum: 5, maximum: 1).problems.map(\.field) == ["minimum"])
    }

    @Test func aggregationRulesCombineValues() {
        let values = [
            Contribution(value: 10, weight: 1, order: 1), Contribution(value: 40, weight: 3, order: 3), Contribution(value: 20, weight: 0, order: 2),
        ]
        #expect(Aggregation.sum.combine(values) == 70)
        #expect(Aggregation.average.combine(values)?.rounded(4) == Decimal(string: "23.3333"))
        #expect(Aggregation.weightedAverage.combine(values) == Decimal(string: "32.5"))
        #expect(Aggregation.min.combine(values) == 10)
        #expect(Aggregation.max.combine(values) == 40)
        #expect(Aggregation.last.combine(values) == 40)
        #expect(Aggregation.none.combine(values) == nil)
        #expect(Aggregation.none.combine([values[0]]) == 10)
        #expect(Aggregation.sum.combine([]) == nil)
        #expect(Aggregation.weightedAverage.combine([Contribution(value: 5, weight: 0)]) == nil)
    }
}

extension ReportingIndicatorTests {
    @Test func wholeNumbersReadTheDotAsThousands() throws {
        #expect(try received.parse("1.234", field: "v").get() == .number(1234))
        #expect(try Indicator(code: "D", nameVi: "D", valueType: .decimal).parse("1.234", field: "v").get() == .number(Decimal(string: "1.234")!))
    }
}
