import Foundation

/// A moment expressed in the platform's local time: a date and a time of day.
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    public let time: LocalTime

    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.time.minutes) < (rhs.date, rhs.time.minutes)
    }

    public var description: String { "\(date.display) \(time)" }
}

/// Working days for deadlines: weekends, Vietnamese public holidays with compensatory days,
/// per-year overrides, and office hours. Pure: no I/O, no clock.
public struct WorkingCalendar: Sendable {
    public let rules: HolidayRules
    public let officeHours: OfficeHours
    private let overrides: [LocalDate: CalendarOverride]

    public init(overrides: [CalendarOverride] = [], officeHours: OfficeHours = .standard, rules: HolidayRules = HolidayRules()) {
        self.rules = rules
        self.officeHours = officeHours
        self.overrides = Dictionary(overrides.map { ($0.date, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Days off and make-up working days of a year, in date order.
    public func calendar(of year: Int) -> [DayOff] {
        var byDate: [LocalDate: DayOff] = [:]
        for day in rules.daysOff(in: year) { byDate[day.date] = day }
        for override in overrides.values where override.date.year == year {
            switch override.kind {
            case .dayOff:
                if byDate[override.date] == nil {
                    byDate[override.date] = DayOff(date: override.date, nameVi: override.name, nameEn: override.name, kind: .overrideDayOff)
                }
            case .workingDay:
                byDate[override.date] = DayOff(date: override.date, nameVi: override.name, nameEn: override.name, kind: .makeUpWorkingDay)
            }
        }
        return byDate.values.sorted { $0.date < $1.date }
    }

    /// Whether `date` is a working day.
    public func isWorkingDay(_ date: LocalDate) -> Bool {
        if let override = overrides[date] { return override.kind == .workingDay }
        if date.isWeekend { return false }
        return !yearDaysOff(date.year).contains(date)
    }

    private func yearDaysOff(_ year: Int) -> Set<LocalDate> {
        Set(rules.daysOff(in: year).map(\.date))
    }

    /// The date `count` working days after `date` (count ≥ 0; 0 returns `date` itself).
    public func addWorkingDays(_ count: Int, to date: LocalDate) -> LocalDate {
        precondition(count >= 0, "count must not be negative")
        var cache = DaysOffCache(calendar: self)
        var current = date
        var remaining = count
        while remaining > 0 {
            current = current.adding(days: 1)
            if cache.isWorkingDay(current) { remaining -= 1 }
        }
        return current
    }

    /// The number of working days in the interval (from, to]; negative when `to` is before `from`.
    public func workingDaysBetween(_ from: LocalDate, _ to: LocalDate) -> Int {
        if to < from { return -workingDaysBetween(to, from) }
        var cache = DaysOffCache(calendar: self)
        var count = 0
        var current = from
        while current < to {
            current = current.adding(days: 1)
            if cache.isWorkingDay(current) { count += 1 }
        }
        return count
    }

    /// The first working day on or after `date`.
    public func workingDay(onOrAfter date: LocalDate) -> LocalDate {
        var cache = DaysOffCache(calendar: self)
        var current = date
        while !cache.isWorkingDay(current) { current = current.adding(days: 1) }
        return current
    }

    /// The moment from which processing time counts for something received at `moment`: the
    /// moment itself when it is inside office hours on a working day (and before `cutoff`, when
    /// the procedure has one), otherwise the opening of the next working period.
    public func nextWorkingMoment(after moment: LocalDateTime, cutoff: LocalTime? = nil) -> LocalDateTime {
        if isWorkingDay(moment.date) {
            let pastCutoff = cutoff.map { moment.time >= $0 } ?? false
            if !pastCutoff, let opening = officeHours.nextOpening(atOrAfter: moment.time) {
                return LocalDateTime(date: moment.date, time: opening)
            }
        }
        let next = workingDay(onOrAfter: moment.date.adding(days: 1))
        return LocalDateTime(date: next, time: officeHours.opening)
    }

    /// Memoises the holiday set per year during a walk over many days.
    private struct DaysOffCache {
        let calendar: WorkingCalendar
        var years: [Int: Set<LocalDate>] = [:]

        mutating func isWorkingDay(_ date: LocalDate) -> Bool {
            if let override = calendar.overrides[date] { return override.kind == .workingDay }
            if date.isWeekend { return false }
            if years[date.year] == nil { years[date.year] = calendar.yearDaysOff(date.year) }
            return !years[date.year]!.contains(date)
        }
    }
}
