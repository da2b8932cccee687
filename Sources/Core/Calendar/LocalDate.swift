import Foundation

/// A calendar day without time or zone (dd/MM/yyyy in the UI, yyyy-MM-dd on the wire).
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or nil when the day does not exist (e.g. 30/02).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    init(julianDay jd: Int) {
        let (d, m, y) = JulianDay.toGregorian(jd)
        self.year = y
        self.month = m
        self.day = d
    }

    /// Parses `yyyy-MM-dd`.
    /// The years a typed date may fall in (a deadline in 9999 is a typing error).
    public static let plausibleYears = 1900...2200

    public init?(iso: String) {
        let parts = iso.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), Self.plausibleYears.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Parses a date as people type it: `dd/MM/yyyy` (day first, as Vietnamese write it; one-digit
    /// day and month, `-` or `.` between them, spaces around are all accepted), or `yyyy-MM-dd`.
    public init?(typed text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let iso = LocalDate(iso: trimmed) {
            self = iso
            return
        }
        let parts = trimmed.split(omittingEmptySubsequences: false) { "/-.".contains($0) }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
            let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]), Self.plausibleYears.contains(y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Julian day number (an integer count of days), used for day arithmetic.
    public var julianDay: Int { JulianDay.fromGregorian(day: day, month: month, year: year) }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int { (julianDay % 7) + 1 }

    public var isWeekend: Bool { isoWeekday >= 6 }

    public func adding(days: Int) -> LocalDate { LocalDate(julianDay: julianDay + days) }

    public func days(until other: LocalDate) -> Int { other.julianDay - julianDay }

    /// `yyyy-MM-dd`.
    public var iso: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// `dd/MM/yyyy`, the Vietnamese display form.
    public var display: String { String(format: "%02d/%02d/%04d", day, month, year) }

    public var description: String { iso }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.julianDay < rhs.julianDay }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected yyyy-MM-dd"))
        }
        self = date
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}

/// Conversions between the Gregorian calendar and Julian day numbers.
enum JulianDay {
    static func fromGregorian(day: Int, month: Int, year: Int) -> Int {
        let a = (14 - month) / 12
        let y = year + 4800 - a
        let m = month + 12 * a - 3
        var jd = day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
        if jd < 2_299_161 { jd = day + (153 * m + 2) / 5 + 365 * y + y / 4 - 32083 }
        return jd
    }

    static func toGregorian(_ jd: Int) -> (day: Int, month: Int, year: Int) {
        let b: Int
        let c: Int
        if jd > 2_299_160 {
            let a = jd + 32044
            b = (4 * a + 3) / 146_097
            c = a - (b * 146_097) / 4
        } else {
            b = 0
            c = jd + 32082
        }
        let d = (4 * c + 3) / 1461
        let e = c - (1461 * d) / 4
        let m = (5 * e + 2) / 153
        let day = e - (153 * m + 2) / 5 + 1
        let month = m + 3 - 12 * (m / 10)
        let year = b * 100 + d - 4800 + m / 10
        return (day, month, year)
    }
}
