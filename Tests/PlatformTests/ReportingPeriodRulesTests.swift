import Core
import Testing

@testable import Reporting

@Suite struct ReportingPeriodTests {
    func date(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

    @Test(arguments: ["2026M03", "2026Q1", "2026S1", "2026S2", "2026N9", "2026", "2026-01-05_2026-02-10"])
    func codesReadBackAsWritten(_ code: String) throws {
        let period = try #require(ReportingPeriod(code: code))
        #expect(period.code == code)
    }

    @Test(arguments: [
        "2026M13", "2026M3", "2026M00", "2026Q5", "2026S3", "2026N8", "26M03", "2026X1", "", "abcd", "2026-02-10_2026-01-05", "2026M0a",
    ])
    func impossibleCodesAreRefused(_ code: String) {
        #expect(ReportingPeriod(code: code) == nil)
    }

    @Test func lowerCaseCodesAreRead() {
        #expect(ReportingPeriod(code: "2026m03") == .month(year: 2026, month: 3))
    }

    /// Decree 09/2019/NĐ-CP, art. 12: the data windows.
    @Test func decree09WindowsRunFromThe15thBeforeToThe14th() {
        func window(_ code: String) -> String {
            let range = ReportingPeriod(code: code)!.window(.decree09)
            return "\(range.lowerBound.iso)…\(range.upperBound.iso)"
        }
        #expect(window("2026M03") == "2026-02-15…2026-03-14")
        #expect(window("2026M01") == "2025-12-15…2026-01-14")
        #expect(window("2026Q1") == "2025-12-15…2026-03-14")
        #expect(window("2026Q2") == "2026-03-15…2026-06-14")
        #expect(window("2026Q4") == "2026-09-15…2026-12-14")
        #expect(window("2026S1") == "2025-12-15…2026-06-14")
        #expect(window("2026S2") == "2026-06-15…2026-12-14")
        #expect(window("2026N9") == "2025-12-15…2026-09-14")
        #expect(window("2026") == "2025-12-15…2026-12-14")
    }

    @Test func calendarWindowsFollowTheMonths() {
        #expect(ReportingPeriod.month(year: 2028, month: 2).window(.calendar) == date("2028-02-01")...date("2028-02-29"))
        #expect(ReportingPeriod.quarter(year: 2026, quarter: 4).window(.calendar) == date("2026-10-01")...date("2026-12-31"))
        #expect(ReportingPeriod.nineMonths(year: 2026).window(.calendar) == date("2026-01-01")...date("2026-09-30"))
        #expect(ReportingPeriod(code: "2026-01-05_2026-02-10")!.window(.decree09) == date("2026-01-05")...date("2026-02-10"))
    }

    /// Every day falls in exactly one monthly and one quarterly Decree 09 window, and the period
    /// found for a day is the one whose window holds it.
    @Test func everyDayBelongsToTheWindowOfItsPeriod() {
        var day = date("2025-12-01")
        while day <= date("2027-01-31") {
            for frequency in [Frequency.monthly, .quarterly, .sixMonths, .annual] {
                for kind in DataWindow.allCases {
                    let period = ReportingPeriod.containing(day, frequency: frequency, window: kind)!
                    #expect(period.window(kind).contains(day), "\(day) \(frequency) \(kind) → \(period)")
                    #expect(period.previous.map { !$0.window(kind).contains(day) } ?? true)
                }
            }
            day = day.adding(days: 1)
        }
    }

    @Test func nineMonthsLeaveTheLastQuarterUncovered() {
        #expect(ReportingPeriod.containing(date("2026-09-14"), frequency: .nineMonths, window: .decree09) == .nineMonths(year: 2026))
        #expect(ReportingPeriod.containing(date("2026-09-15"), frequency: .nineMonths, window: .decree09) == nil)
        #expect(ReportingPeriod.containing(date("2026-12-15"), frequency: .nineMonths, window: .decree09) == .nineMonths(year: 2027))
    }

    @Test func previousAndLastPeriodsCrossTheYear() {
        #expect(ReportingPeriod.month(year: 2026, month: 1).previous == .month(year: 2025, month: 12))
        #expect(ReportingPeriod.quarter(year: 2026, quarter: 1).last(3).map(\.code) == ["2025Q3", "2025Q4", "2026Q1"])
        #expect(ReportingPeriod.quarter(year: 2026, quarter: 2).monthPeriods.map(\.code) == ["2026M04", "2026M05", "2026M06"])
    }

    @Test func relativePeriodsExcludeTheCurrentOne() {
        let today = date("2026-03-20")
        let last12 = RelativePeriod.resolve("LAST_12_MONTHS", today: today)!
        #expect(last12.count == 12 && last12.first?.code == "2025M03" && last12.last?.code == "2026M02")
        #expect(RelativePeriod.resolve("THIS_YEAR", today: today) == [.year(2026)])
        #expect(RelativePeriod.resolve("LAST_4_QUARTERS", today: today)!.map(\.code) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"])
        // Under Decree 09, 20 March already belongs to April's window.
        #expect(RelativePeriod.resolve("THIS_MONTH", today: today, window: .decree09) == [.month(year: 2026, month: 4)])
        #expect(RelativePeriod.resolve("LAST_0_MONTHS", today: today) == nil)
        #expect(RelativePeriod.resolve("NEXT_YEAR", today: today) == nil)
    }

    @Test func periodsSortByTheirEnd() {
        let periods = ["2026", "2026Q1", "2026M03", "2026M01"].compactMap(ReportingPeriod.init(code:)).sorted()
        #expect(periods.map(\.code) == ["2026M01", "2026M03", "2026Q1", "2026"])
    }
}
