import Testing

@testable import Core

@Suite struct WorkingCalendarTests {
    func d(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

    @Test func days2026ComputedFromRules() {
        let dates = HolidayRules().daysOff(in: 2026).map(\.date.iso)
        #expect(
            dates == [
                "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
                "2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01", "2026-09-01", "2026-09-02", "2026-11-24",
            ]
        )
        #expect(HolidayRules().daysOff(in: 2026).first { $0.date == d("2026-04-27") }?.kind == .compensatory)
    }

    @Test func tetOnAWeekendIsMadeUpBeforeThenAfter() {
        // Tết 2027 is a Saturday: eve Fri 5/2 … Tue 9/2; Sat and Sun are made up Thu 4/2 and Wed 10/2.
        let days = HolidayRules().daysOff(in: 2027).filter { $0.date.month == 2 }.map(\.date.iso)
        #expect(days == ["2027-02-04", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10"])
    }

    @Test func nationalDayCompanionJoinsTheWeekend() {
        let rules = HolidayRules()
        #expect(rules.nationalDayCompanion(d("2024-09-02")) == d("2024-09-03"))  // Monday → Tuesday
        #expect(rules.nationalDayCompanion(d("2025-09-02")) == d("2025-09-01"))  // Tuesday → Monday
        #expect(rules.nationalDayCompanion(d("2027-09-02")) == d("2027-09-03"))  // Thursday → Friday
    }

    @Test func overridesSwapDays() {
        let calendar = WorkingCalendar(overrides: [
            CalendarOverride(date: d("2025-05-02"), kind: .dayOff, name: "swap"),
            CalendarOverride(date: d("2025-04-26"), kind: .workingDay, name: "make-up"),
        ])
        #expect(!calendar.isWorkingDay(d("2025-05-02")))
        #expect(calendar.isWorkingDay(d("2025-04-26")))  // a Saturday
        #expect(calendar.calendar(of: 2025).contains { $0.date == d("2025-04-26") && $0.kind == .makeUpWorkingDay })
    }

    @Test func addWorkingDaysSkipsTetAndWeekends() {
        let calendar = WorkingCalendar()
        // Friday 13/02/2026 + 1 working day: weekend, then Tết 16–20/02, weekend → Monday 23/02.
        #expect(calendar.addWorkingDays(1, to: d("2026-02-13")) == d("2026-02-23"))
        #expect(calendar.addWorkingDays(0, to: d("2026-02-14")) == d("2026-02-14"))
        #expect(calendar.addWorkingDays(5, to: d("2026-11-23")) == d("2026-12-01"))  // skips 24/11 and the weekend
    }

    @Test func workingDaysBetweenCountsBothWays() {
        let calendar = WorkingCalendar()
        #expect(calendar.workingDaysBetween(d("2026-02-13"), d("2026-02-23")) == 1)
        #expect(calendar.workingDaysBetween(d("2026-03-02"), d("2026-03-09")) == 5)
        #expect(calendar.workingDaysBetween(d("2026-03-09"), d("2026-03-02")) == -5)
        for n in [0, 1, 7, 30, 250] {
            let start = d("2026-01-05")
            #expect(calendar.workingDaysBetween(start, calendar.addWorkingDays(n, to: start)) == n)
        }
    }

    @Test func nextWorkingMoment() {
        let calendar = WorkingCalendar()
        func at(_ iso: String, _ h: Int, _ m: Int = 0) -> LocalDateTime { LocalDateTime(date: d(iso), time: LocalTime(hour: h, minute: m)) }
        #expect(calendar.nextWorkingMoment(after: at("2026-03-04", 9)) == at("2026-03-04", 9))  // inside hours
        #expect(calendar.nextWorkingMoment(after: at("2026-03-04", 12)) == at("2026-03-04", 13, 30))  // lunch break
        #expect(calendar.nextWorkingMoment(after: at("2026-03-06", 18)) == at("2026-03-09", 7, 30))  // Friday evening
        #expect(calendar.nextWorkingMoment(after: at("2026-03-07", 10)) == at("2026-03-09", 7, 30))  // Saturday
        #expect(calendar.nextWorkingMoment(after: at("2026-03-04", 6)) == at("2026-03-04", 7, 30))  // before opening
        #expect(calendar.nextWorkingMoment(after: at("2026-03-04", 15, 30), cutoff: LocalTime(hour: 15)) == at("2026-03-05", 7, 30))
        #expect(calendar.nextWorkingMoment(after: at("2026-02-13", 16, 59)) == at("2026-02-13", 16, 59))
        #expect(calendar.nextWorkingMoment(after: at("2026-02-13", 17)) == at("2026-02-23", 7, 30))  // into Tết
    }

    @Test func vietnamTimeIsUTCPlus7() {
        let instant = VietnamTime.instant(at2026())
        #expect(VietnamTime.local(instant) == at2026())
        #expect(instant.timeIntervalSince1970 == 1_772_589_600)  // 2026-03-04T02:00:00Z
    }

    func at2026() -> LocalDateTime { LocalDateTime(date: d("2026-03-04"), time: LocalTime(hour: 9)) }
}

@Suite struct OfficeHoursTests {
    @Test func parsesConfiguration() throws {
        let hours = try OfficeHours(parsing: "07:00-11:30, 13:00-16:30")
        #expect(hours.opening == LocalTime(hour: 7))
        #expect(hours.contains(LocalTime(hour: 16, minute: 29)) && !hours.contains(LocalTime(hour: 16, minute: 30)))
        #expect(throws: ValidationError.self) { try OfficeHours(parsing: "17:00-07:00") }
        #expect(throws: ValidationError.self) { try OfficeHours(parsing: "morning") }
    }
}
