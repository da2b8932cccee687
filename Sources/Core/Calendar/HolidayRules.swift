/// The public holidays of the Labour Code 45/2019 (art. 112) for one Gregorian year, computed
/// from the lunar calendar, plus the compensatory days for holidays that fall on a weekend.
/// Years with a schedule decided by the Prime Minister are corrected by `CalendarOverride`s.
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
        // Tết: 5 days by default — the last day of the old lunar year and the first four of the new.
        let tet = lunar.lunarNewYear(year)
        add(tet.adding(days: -1), "Tết Nguyên đán (ngày cuối năm Âm lịch)", "Lunar New Year's Eve")
        for offset in 0..<4 {
            add(tet.adding(days: offset), "Tết Nguyên đán (mùng \(offset + 1))", "Lunar New Year (day \(offset + 1))")
        }
        add(lunar.solar(from: LunarDate(day: 10, month: 3, year: year)),
            "Giỗ Tổ Hùng Vương (10/3 Âm lịch)", "Hung Kings' Commemoration Day")
        add(LocalDate(year: year, month: 4, day: 30), "Ngày Chiến thắng", "Reunification Day")
        add(LocalDate(year: year, month: 5, day: 1), "Ngày Quốc tế Lao động", "International Labour Day")
        let national = LocalDate(year: year, month: 9, day: 2)!
        add(national, "Quốc khánh", "National Day")
        add(nationalDayCompanion(national), "Quốc khánh (ngày liền kề)", "National Day (adjacent day)")
        return result.sorted { $0.date < $1.date }
    }

    /// The day adjacent to 2 September that is also off. The law leaves the choice to each year's
    /// decision; by default we take a working day next to it, preferring one that joins a weekend
    /// (the choice made in 2021–2025).
    func nationalDayCompanion(_ national: LocalDate) -> LocalDate {
        let candidates = [national.adding(days: -1), national.adding(days: 1)].filter { !$0.isWeekend }
        return candidates.first { $0.isoWeekday == 1 || $0.isoWeekday == 5 } ?? candidates.first ?? national.adding(days: 1)
    }

    /// Holidays plus compensatory days: a holiday on Saturday or Sunday gives the next working
    /// day off (art. 111(3)).
    public func daysOff(in year: Int) -> [DayOff] {
        let holidays = holidays(in: year)
        var taken = Set(holidays.map(\.date))
        var result = holidays
        for holiday in holidays where holiday.date.isWeekend {
            var candidate = holiday.date.adding(days: 1)
            while candidate.isWeekend || taken.contains(candidate) { candidate = candidate.adding(days: 1) }
            taken.insert(candidate)
            result.append(DayOff(date: candidate, nameVi: "Nghỉ bù \(holiday.nameVi)",
                                 nameEn: "Compensatory day for \(holiday.nameEn)", kind: .compensatory))
        }
        return result.sorted { $0.date < $1.date }
    }
}
