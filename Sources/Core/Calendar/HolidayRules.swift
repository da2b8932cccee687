/// The public holidays of the Labour Code 45/2019 (art. 112, in force since 2021) for one
/// Gregorian year, computed from the lunar calendar, plus the compensatory days for holidays
/// that fall on a weekend. Day swaps decided each year (make-up Saturdays) are not rules: they
/// come as `CalendarOverride`s. Earlier years are computed with the same rules.
public struct HolidayRules: Sendable {
    public let lunar: LunarCalendar

    public init(lunar: LunarCalendar = .vietnam) { self.lunar = lunar }

    /// The statutory holidays of `year`, without compensatory days.
    public func holidays(in year: Int) -> [DayOff] {
        var result: [DayOff] = []
        func add(_ date: LocalDate?, _ vi: String, _ en: String) {
            if let date { result.append(DayOff(date: date, nameVi: vi, nameEn: en, kind: .holiday)) }
        }
        add(LocalDate(year: year, month: 1, day: 1), "Tết Dương lịch", "New Year's Day")
        let tet = tetDays(year)
        add(tet[0], "Tết Nguyên đán (ngày cuối năm Âm lịch)", "Lunar New Year's Eve")
        for offset in 1..<tet.count {
            add(tet[offset], "Tết Nguyên đán (mùng \(offset))", "Lunar New Year (day \(offset))")
        }
        add(
            lunar.solar(from: LunarDate(day: 10, month: 3, year: year)),
            "Giỗ Tổ Hùng Vương (10/3 Âm lịch)",
            "Hung Kings' Commemoration Day"
        )
        add(LocalDate(year: year, month: 4, day: 30), "Ngày Chiến thắng", "Reunification Day")
        add(LocalDate(year: year, month: 5, day: 1), "Ngày Quốc tế Lao động", "International Labour Day")
        let national = LocalDate(year: year, month: 9, day: 2)!
        add(national, "Quốc khánh", "National Day")
        add(nationalDayCompanion(national), "Quốc khánh (ngày liền kề)", "National Day (adjacent day)")
        if year >= cultureDayFrom {
            add(LocalDate(year: year, month: 11, day: 24), "Ngày Văn hóa Việt Nam", "Vietnam Culture Day")
        }
        return result.sorted { $0.date < $1.date }
    }

    /// The first year 24 November is a paid day off.
    public var cultureDayFrom = 2026

    /// The five Tết days: the last day of the old lunar year and the first four of the new.
    func tetDays(_ year: Int) -> [LocalDate] {
        let tet = lunar.lunarNewYear(year)
        return (-1...3).map { tet.adding(days: $0) }
    }

    /// The day adjacent to 2 September that is also off. The law leaves the choice to each year's
    /// decision; by default we take a working day next to it, preferring one that joins a weekend
    /// (the choice made in 2021–2025).
    func nationalDayCompanion(_ national: LocalDate) -> LocalDate {
        let candidates = [national.adding(days: -1), national.adding(days: 1)].filter { !$0.isWeekend }
        return candidates.first { $0.isoWeekday == 1 || $0.isoWeekday == 5 } ?? candidates.first ?? national.adding(days: 1)
    }

    /// Holidays plus compensatory days (art. 111(3)). Tết days on a weekend are made up around
    /// the Tết block, alternately before and after it (as every schedule since 2021 did); any
    /// other holiday on a weekend gives the next free working day off.
    public func daysOff(in year: Int) -> [DayOff] {
        let holidays = holidays(in: year)
        var taken = Set(holidays.map(\.date))
        var result = holidays
        let tet = tetDays(year)
        var before = tet.first!.adding(days: -1)
        var after = tet.last!.adding(days: 1)
        for (index, _) in tet.filter(\.isWeekend).enumerated() {
            let date: LocalDate
            if index % 2 == 0 {
                while before.isWeekend || taken.contains(before) { before = before.adding(days: -1) }
                date = before
            } else {
                while after.isWeekend || taken.contains(after) { after = after.adding(days: 1) }
                date = after
            }
            taken.insert(date)
            result.append(
                DayOff(date: date, nameVi: "Nghỉ bù Tết Nguyên đán", nameEn: "Compensatory day for the Lunar New Year", kind: .compensatory)
            )
        }
        let tetSet = Set(tet)
        for holiday in holidays where holiday.date.isWeekend && !tetSet.contains(holiday.date) {
            var candidate = holiday.date.adding(days: 1)
            while candidate.isWeekend || taken.contains(candidate) { candidate = candidate.adding(days: 1) }
            taken.insert(candidate)
            result.append(
                DayOff(
                    date: candidate,
                    nameVi: "Nghỉ bù \(holiday.nameVi)",
                    nameEn: "Compensatory day for \(holiday.nameEn)",
                    kind: .compensatory
                )
            )
        }
        return result.sorted { $0.date < $1.date }
    }
}
