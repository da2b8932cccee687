import Core
import Foundation
import Testing

@testable import Reporting

@Suite struct ReportingReportRulesTests {
    @Test func actionsFollowTheWorkflow() {
        #expect(ReportAction.submit.next(from: .draft) == .submitted)
        #expect(ReportAction.submit.next(from: .returned) == .submitted)
        #expect(ReportAction.submit.next(from: .accepted) == nil)
        #expect(ReportAction.return.next(from: .submitted) == .returned)
        #expect(ReportAction.accept.next(from: .draft) == nil)
        #expect(ReportAction.lock.next(from: .accepted) == .locked)
        #expect(ReportAction.lock.next(from: .submitted) == nil)
        #expect(ReportStatus.allCases.filter(\.isEditable) == [.draft, .returned])
        #expect(ReportAction.allCases.filter(\.byReceiver) == [.return, .accept, .lock])
    }

    @Test func entriesAreCheckedAgainstTheTemplateRows() throws {
        let template = ReportingDemo.templates[2]  // the monthly socio-economic report
        let indicators = IndicatorSet(ReportingDemo.indicators)
        let combos = Dictionary(uniqueKeysWithValues: ReportingDemo.categoryCombos.map { ($0.code, $0) })
        let good = try ReportRules.check(
            [
                ValueEntry(indicator: "KTXH.DanSo", option: "Nam", value: "1.200"),
                ValueEntry(indicator: "KTXH.DanSo", option: "Nu", value: "1.300"),
                ValueEntry(indicator: "KTXH.ThuNganSach", value: "15.000,5"),
                ValueEntry(indicator: "KTXH.DoanhNghiepMoi", value: ""),
            ],
            template: template,
            indicators: indicators,
            combos: combos
        )
        .get()
        #expect(good.map(\.value) == [.number(1200), .number(1300), .number(Decimal(string: "15000.5")!), nil])
        let bad = ReportRules.check(
            [
                ValueEntry(indicator: "KTXH.DanSo", value: "5"),
                ValueEntry(indicator: "KTXH.DanSo", option: "Khac", value: "5"),
                ValueEntry(indicator: "TTHC.TongSo", value: "5"),
                ValueEntry(indicator: "KTXH.DoanhNghiepMoi", value: "ba"),
                ValueEntry(indicator: "KTXH.DoanhNghiepMoi", value: "3"),
            ],
            template: template,
            indicators: indicators,
            combos: combos
        )
        guard case .failure(.invalid(let problems)) = bad else {
            Issue.record("accepted")
            return
        }
        #expect(problems.map(\.field) == ["values[0].option", "values[1].option", "values[2].indicator", "values[3].value", "values"])
    }

    @Test func totalsAddTheOptionsAndComputeTheRest() {
        let indicators = IndicatorSet(ReportingDemo.indicators)
        let values = [
            ReportValue(indicatorCode: "KTXH.DanSo", optionCode: "Nam", value: "1200"),
            ReportValue(indicatorCode: "KTXH.DanSo", optionCode: "Nu", value: "1300"),
            ReportValue(indicatorCode: "TTHC.TiepNhanTrucTuyen", value: "3"),
            ReportValue(indicatorCode: "TTHC.TiepNhanTrucTiep", value: "1"),
        ]
        let totals = ReportRules.totals(values, indicators: indicators)
        #expect(totals["KTXH.DanSo"] == 2500 && totals["TTHC.TyLeTrucTuyen"] == 75)
        let failures = ReportRules.failures(
            ReportingDemo.rules,
            totals: ["KTXH.ThuNganSach": -1, "TTHC.DaXuLy": 1, "TTHC.DangXuLy": 1, "TTHC.TongSo": 3],
            indicators: indicators
        )
        #expect(failures.map(\.0.code) == ["TTHC.TongSoBangKetQua", "KTXH.ThuNganSachKhongAm"])
    }
}
