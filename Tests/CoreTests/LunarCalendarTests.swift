import Testing

@testable import Core

@Suite struct LunarCalendarTests {
    let lunar = LunarCalendar.vietnam

    @Test(arguments: [
        (2025, "2025-01-29"), (2026, "2026-02-17"), (2027, "2027-02-06"),
        (2028, "2028-01-26"), (2029, "2029-02-13"), (2030, "2030-02-02"),
    ])
    func tetIsPinned(year: Int, iso: String) {
        #expect(lunar.lunarNewYear(year) == LocalDate(iso: iso))
    }

    @Test func vietnameseTetDiffersFromChineseIn1985() {
        // Computed for UTC+7 the new moon falls on 21 January 1985; for UTC+8 on the 20th of
        // February (the Chinese Spring Festival that year).
        #expect(lunar.lunarNewYear(1985) == LocalDate(year: 1985, month: 1, day: 21))
        #expect(LunarCalendar(timeZoneHours: 8).lunarNewYear(1985) == LocalDate(year: 1985, month: 2, day: 20))
        // 2030: the new moon is at 23:07 on 2 February in Vietnam, 00:07 on the 3rd in China.
        #expect(lunar.lunarNewYear(2030) == LocalDate(year: 2030, month: 2, day: 2))
        #expect(LunarCalendar(timeZoneHours: 8).lunarNewYear(2030) == LocalDate(year: 2030, month: 2, day: 3))
    }

    @Test func knownLunarDates() {
        // Hùng Kings' day (10/3) and Mid-Autumn (15/8).
        #expect(lunar.solar(from: LunarDate(day: 10, month: 3, year: 2025)) == LocalDate(iso: "2025-04-07"))
        #expect(lunar.solar(from: LunarDate(day: 10, month: 3, year: 2026)) == LocalDate(iso: "2026-04-26"))
        #expect(lunar.solar(from: LunarDate(day: 15, month: 8, year: 2025)) == LocalDate(iso: "2025-10-06"))
        #expect(lunar.lunar(from: LocalDate(iso: "2024-02-10")!) == LunarDate(day: 1, month: 1, year: 2024))
    }

    @Test func leapMonths() {
        // 2023 had a leap 2nd month, 2025 a leap 6th month.
        #expect(lunar.solar(from: LunarDate(day: 1, month: 2, year: 2023, isLeapMonth: true)) == LocalDate(iso: "2023-03-22"))
        #expect(lunar.solar(from: LunarDate(day: 1, month: 6, year: 2025, isLeapMonth: true)) == LocalDate(iso: "2025-07-25"))
        #expect(lunar.solar(from: LunarDate(day: 1, month: 3, year: 2025, isLeapMonth: true)) == nil)
        #expect(lunar.lunar(from: LocalDate(iso: "2025-07-25")!).isLeapMonth)
    }

    @Test func roundTripsEveryDayFrom1900To2100() {
        var date = LocalDate(year: 1900, month: 2, day: 1)!
        let end = LocalDate(year: 2100, month: 12, day: 1)!
        while date < end {
            let converted = lunar.lunar(from: date)
            #expect(converted.day >= 1 && converted.day <= 30)
            #expect(lunar.solar(from: converted) == date, "\(date) → \(converted)")
            date = date.adding(days: 1)
        }
    }

    @Test func tetAlwaysFallsBetween21JanuaryAnd20February() {
        for year in 1900...2100 {
            let tet = lunar.lunarNewYear(year)
            #expect(tet >= LocalDate(year: year, month: 1, day: 21)! && tet <= LocalDate(year: year, month: 2, day: 20)!, "\(year): \(tet)")
        }
    }
}
