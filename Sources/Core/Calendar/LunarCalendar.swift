import Foundation

/// A day of the Vietnamese lunar calendar.
public struct LunarDate: Hashable, Sendable, CustomStringConvertible {
    public let day: Int
    public let month: Int
    public let year: Int
    public let isLeapMonth: Bool

    public init(day: Int, month: Int, year: Int, isLeapMonth: Bool = false) {
        self.day = day
        self.month = month
        self.year = year
        self.isLeapMonth = isLeapMonth
    }

    public var description: String { "\(day)/\(month)\(isLeapMonth ? "n" : "")/\(year) ÂL" }
}

/// The Vietnamese lunisolar calendar, computed astronomically for a given time zone (UTC+7 for
/// Vietnam; it differs from the Chinese calendar, UTC+8, in some years such as 1985).
/// New moons and solar longitudes follow the standard low-precision formulas from
/// Meeus, "Astronomical Algorithms", which are accurate for 1800–2199.
public struct LunarCalendar: Sendable {
    /// Time-zone offset in hours used for the day boundaries.
    public let timeZoneHours: Double

    public static let vietnam = LunarCalendar(timeZoneHours: 7)

    public init(timeZoneHours: Double) { self.timeZoneHours = timeZoneHours }

    // MARK: Public conversions

    public func lunar(from date: LocalDate) -> LunarDate {
        let dayNumber = date.julianDay
        var k = Int(floor((Double(dayNumber) - 2_415_021.076998695) / 29.530588853))
        var monthStart = newMoonDay(k + 1)
        // The mean-motion estimate of k can be one lunation ahead near a new moon (e.g. 07/05/2054).
        while monthStart > dayNumber {
            monthStart = newMoonDay(k)
            k -= 1
        }
        var a11 = lunarMonth11(year: date.year)
        var b11 = a11
        var lunarYear: Int
        if a11 >= monthStart {
            lunarYear = date.year
            a11 = lunarMonth11(year: date.year - 1)
        } else {
            lunarYear = date.year + 1
            b11 = lunarMonth11(year: date.year + 1)
        }
        let lunarDay = dayNumber - monthStart + 1
        let diff = Int(floor(Double(monthStart - a11) / 29.0))
        var isLeap = false
        var lunarMonth = diff + 11
        if b11 - a11 > 365 {
            let leapDiff = leapMonthOffset(a11: a11)
            if diff >= leapDiff {
                lunarMonth = diff + 10
                if diff == leapDiff { isLeap = true }
            }
        }
        if lunarMonth > 12 { lunarMonth -= 12 }
        if lunarMonth >= 11 && diff < 4 { lunarYear -= 1 }
        return LunarDate(day: lunarDay, month: lunarMonth, year: lunarYear, isLeapMonth: isLeap)
    }

    /// The solar date of a lunar date, or nil if it does not exist (e.g. a leap month that the
    /// year does not have).
    public func solar(from lunar: LunarDate) -> LocalDate? {
        let a11: Int
        let b11: Int
        if lunar.month < 11 {
            a11 = lunarMonth11(year: lunar.year - 1)
            b11 = lunarMonth11(year: lunar.year)
        } else {
            a11 = lunarMonth11(year: lunar.year)
            b11 = lunarMonth11(year: lunar.year + 1)
        }
        let k = Int(floor(0.5 + (Double(a11) - 2_415_021.076998695) / 29.530588853))
        var offset = lunar.month - 11
        if offset < 0 { offset += 12 }
        if b11 - a11 > 365 {
            let leapOffset = leapMonthOffset(a11: a11)
            var leapMonth = leapOffset - 2
            if leapMonth < 0 { leapMonth += 12 }
            if lunar.isLeapMonth && lunar.month != leapMonth { return nil }
            if lunar.isLeapMonth || offset >= leapOffset { offset += 1 }
        } else if lunar.isLeapMonth {
            return nil
        }
        let monthStart = newMoonDay(k + offset)
        return LocalDate(julianDay: monthStart + lunar.day - 1)
    }

    /// The first day of the lunar year that begins in Gregorian `year` (Tết Nguyên đán).
    public func lunarNewYear(_ year: Int) -> LocalDate {
        solar(from: LunarDate(day: 1, month: 1, year: year))!
    }

    // MARK: Astronomy

    private func newMoon(_ k: Int) -> Double {
        let k = Double(k)
        let t = k / 1236.85
        let t2 = t * t
        let t3 = t2 * t
        let dr = Double.pi / 180
        var jd1 = 2_415_020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
        jd1 += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
        let m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
        let mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
        let f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
        var c1 = (0.1734 - 0.000393 * t) * sin(m * dr) + 0.0021 * sin(2 * dr * m)
        c1 = c1 - 0.4068 * sin(mpr * dr) + 0.0161 * sin(dr * 2 * mpr)
        c1 = c1 - 0.0004 * sin(dr * 3 * mpr)
        c1 = c1 + 0.0104 * sin(dr * 2 * f) - 0.0051 * sin(dr * (m + mpr))
        c1 = c1 - 0.0074 * sin(dr * (m - mpr)) + 0.0004 * sin(dr * (2 * f + m))
        c1 = c1 - 0.0004 * sin(dr * (2 * f - m)) - 0.0006 * sin(dr * (2 * f + mpr))
        c1 = c1 + 0.0010 * sin(dr * (2 * f - mpr)) + 0.0005 * sin(dr * (2 * mpr + m))
        let deltaT: Double
        if t < -11 {
            deltaT = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
        } else {
            deltaT = -0.000278 + 0.000265 * t + 0.000262 * t2
        }
        return jd1 + c1 - deltaT
    }

    /// The day number of the k-th new moon after 1900-01-01 in this time zone.
    private func newMoonDay(_ k: Int) -> Int {
        Int(floor(newMoon(k) + 0.5 + timeZoneHours / 24))
    }

    private func sunLongitude(_ jdn: Double) -> Double {
        let t = (jdn - 2_451_545.0) / 36525
        let t2 = t * t
        let dr = Double.pi / 180
        let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
        let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
        var dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(dr * m)
        dl += (0.019993 - 0.000101 * t) * sin(dr * 2 * m) + 0.000290 * sin(dr * 3 * m)
        var l = (l0 + dl) * dr
        l -= Double.pi * 2 * floor(l / (Double.pi * 2))
        return l
    }

    /// The solar term sector (0–11) at the start of a day.
    private func sunSector(_ dayNumber: Int) -> Int {
        Int(floor(sunLongitude(Double(dayNumber) - 0.5 - timeZoneHours / 24) / Double.pi * 6))
    }

    /// The day the 11th lunar month (containing the winter solstice) begins, for a Gregorian year.
    private func lunarMonth11(year: Int) -> Int {
        let off = JulianDay.fromGregorian(day: 31, month: 12, year: year) - 2_415_021
        let k = Int(floor(Double(off) / 29.530588853))
        var nm = newMoonDay(k)
        if sunSector(nm) >= 9 { nm = newMoonDay(k - 1) }
        return nm
    }

    /// Offset of the leap month after the 11th month starting at `a11`.
    private func leapMonthOffset(a11: Int) -> Int {
        let k = Int(floor((Double(a11) - 2_415_021.076998695) / 29.530588853 + 0.5))
        var last = 0
        var i = 1
        var arc = sunSector(newMoonDay(k + i))
        repeat {
            last = arc
            i += 1
            arc = sunSector(newMoonDay(k + i))
        } while arc != last && i < 14
        return i - 1
    }
}
