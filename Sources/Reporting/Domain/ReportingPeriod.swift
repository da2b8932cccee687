import Core

/// How often a template is reported (Decree 09/2019/NĐ-CP, art. 12): monthly, quarterly, for
/// six months, for nine months, yearly; or for a range chosen per request (thematic, ad hoc).
public enum Frequency: String, Codable, Sendable, CaseIterable {
    case monthly, quarterly
    case sixMonths = "six-months"
    case nineMonths = "nine-months"
    case annual
    case adHoc = "ad-hoc"
}

/// Which days a period's figures cover: Decree 09's data windows (from the 15th of the month
/// before to the 14th) or calendar months (some national forms use them).
public enum DataWindow: String, Codable, Sendable, CaseIterable {
    case decree09 = "decree-09"
    case calendar
}

/// A reporting period, written as a code: `2026M03` (March), `2026Q1`, `2026S1` (first half),
/// `2026S2`, `2026N9` (nine months), `2026` (the year), or an ad hoc range
/// `2026-01-05_2026-02-10` (both days included).
public enum ReportingPeriod: Hashable, Sendable, Comparable, CustomStringConvertible {
    case month(year: Int, month: Int)
    case quarter(year: Int, quarter: Int)
    case half(year: Int, half: Int)
    case nineMonths(year: Int)
    case year(Int)
    case range(LocalDate, LocalDate)

    /// Reads a period code; nil for anything else (an impossible month or quarter, a range that
    /// ends before it starts or spans more than five years).
    public init?(code: String) {
        let text = code.trimmingCharacters(in: .whitespaces).uppercased()
        if let range = Self.range(text) {
            self = range
            return
        }
        guard text.count >= 4, let year = Int(text.prefix(4)), LocalDate.plausibleYears.contains(year), text.prefix(4).allSatisfy(\.isASCIIDigit)
        else { return nil }
        let rest = text.dropFirst(4)
        if rest.isEmpty {
            self = .year(year)
            return
        }
        guard let kind = rest.first, let number = Int(rest.dropFirst()), rest.dropFirst().allSatisfy(\.isASCIIDigit) else { return nil }
        switch (kind, number) {
        case ("M", 1...12) where rest.count == 3: self = .month(year: year, month: number)
        case ("Q", 1...4) where rest.count == 2: self = .quarter(year: year, quarter: number)
        case ("S", 1...2) where rest.count == 2: self = .half(year: year, half: number)
        case ("N", 9) where rest.count == 2: self = .nineMonths(year: year)
        default: return nil
        }
    }

    private static func range(_ text: String) -> ReportingPeriod? {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = LocalDate(iso: String(parts[0])), let to = LocalDate(iso: String(parts[1])), from <= to,
            from.days(until: to) <= 5 * 366
        else { return nil }
        return .range(from, to)
    }

    /// The period's code, as `init(code:)` reads it.
    public var code: String {
        switch self {
        case .month(let year, let month): String(format: "%04dM%02d", year, month)
        case .quarter(let year, let quarter): String(format: "%04dQ%d", year, quarter)
        case .half(let year, let half): String(format: "%04dS%d", year, half)
        case .nineMonths(let year): String(format: "%04dN9", year)
        case .year(let year): String(format: "%04d", year)
        case .range(let from, let to): "\(from.iso)_\(to.iso)"
        }
    }

    public var description: String { code }

    /// The frequency this period belongs to.
    public var frequency: Frequency {
        switch self {
        case .month: .monthly
        case .quarter: .quarterly
        case .half: .sixMonths
        case .nineMonths: .nineMonths
        case .year: .annual
        case .range: .adHoc
        }
    }

    /// The calendar year the period is named after (an ad hoc range: the year it ends in).
    public var year: Int {
        switch self {
        case .month(let year, _), .quarter(let year, _), .half(let year, _), .nineMonths(let year), .year(let year): year
        case .range(_, let to): to.year
        }
    }

    /// The first and last month (1…12) of the period's year it is named after.
    var months: ClosedRange<Int> {
        switch self {
        case .month(_, let month): month...month
        case .quarter(_, let quarter): (quarter * 3 - 2)...(quarter * 3)
        case .half(_, let half): (half * 6 - 5)...(half * 6)
        case .nineMonths: 1...9
        case .year: 1...12
        case .range(let from, let to): from.month...to.month
        }
    }

    /// The days whose figures the period reports, both included. Decree 09 (art. 12): a month
    /// runs from the 15th of the month before to its 14th; a quarter from the 15th of the month
    /// before it to the 14th of its last month; six months from 15 December of the year before to
    /// 14 June (the second half: 15 June to 14 December); nine months from 15 December to
    /// 14 September; a year from 15 December to 14 December. Calendar windows run from the first
    /// of the first month to the last of the last month. An ad hoc range is its own window.
    public func window(_ kind: DataWindow) -> ClosedRange<LocalDate> {
        if case .range(let from, let to) = self { return from...to }
        let months = months
        switch kind {
        case .calendar:
            let first = LocalDate(year: year, month: months.lowerBound, day: 1)!
            let last = LocalDate(year: year, month: months.upperBound, day: LocalDate.daysIn(month: months.upperBound, year: year))!
            return first...last
        case .decree09:
            let (startYear, startMonth) = months.lowerBound == 1 ? (year - 1, 12) : (year, months.lowerBound - 1)
            return LocalDate(year: startYear, month: startMonth, day: 15)!...LocalDate(year: year, month: months.upperBound, day: 14)!
        }
    }

    /// The period of `frequency` whose Decree 09 or calendar window holds `date` (for monthly
    /// data entered on 20 March under Decree 09: April's report); nil for ad hoc, and for the
    /// days after a nine-month window that the next one does not cover yet.
    public static func containing(_ date: LocalDate, frequency: Frequency, window: DataWindow) -> ReportingPeriod? {
        // Under Decree 09 a day from the 15th on belongs to the next month's window.
        var (year, month) = (date.year, date.month)
        if window == .decree09, date.day >= 15 { (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1) }
        switch frequency {
        case .monthly: return .month(year: year, month: month)
        case .quarterly: return .quarter(year: year, quarter: (month + 2) / 3)
        case .sixMonths: return .half(year: year, half: month <= 6 ? 1 : 2)
        case .nineMonths: return month <= 9 ? .nineMonths(year: year) : nil
        case .annual: return .year(year)
        case .adHoc: return nil
        }
    }

    /// The period before this one of the same frequency (nil for a range).
    public var previous: ReportingPeriod? {
        switch self {
        case .month(let year, let month): month == 1 ? .month(year: year - 1, month: 12) : .month(year: year, month: month - 1)
        case .quarter(let year, let quarter): quarter == 1 ? .quarter(year: year - 1, quarter: 4) : .quarter(year: year, quarter: quarter - 1)
        case .half(let year, let half): half == 1 ? .half(year: year - 1, half: 2) : .half(year: year, half: 1)
        case .nineMonths(let year): .nineMonths(year: year - 1)
        case .year(let year): .year(year - 1)
        case .range: nil
        }
    }

    /// The `count` periods of this frequency ending with this one, oldest first.
    public func last(_ count: Int) -> [ReportingPeriod] {
        var periods = [self]
        while periods.count < count, let earlier = periods[0].previous { periods.insert(earlier, at: 0) }
        return periods
    }

    /// The months of this period (the building blocks an aggregation over time sums or averages).
    public var monthPeriods: [ReportingPeriod] {
        if case .range = self { return [] }
        return months.map { .month(year: year, month: $0) }
    }

    /// Ordered by the end of their calendar windows, then by length (a month before the quarter
    /// it closes).
    public static func < (lhs: ReportingPeriod, rhs: ReportingPeriod) -> Bool {
        let (left, right) = (lhs.window(.calendar), rhs.window(.calendar))
        if left.upperBound != right.upperBound { return left.upperBound < right.upperBound }
        return left.lowerBound > right.lowerBound
    }
}

/// Relative period expressions of the analytics API: `LAST_12_MONTHS`, `LAST_4_QUARTERS`,
/// `THIS_YEAR`, `LAST_YEAR`, `THIS_MONTH`, `LAST_MONTH`, `LAST_5_YEARS`, resolved on a date.
public enum RelativePeriod {
    /// The periods `expression` names on `today` (under `window`), or nil if it is not one.
    public static func resolve(_ expression: String, today: LocalDate, window: DataWindow = .calendar) -> [ReportingPeriod]? {
        let text = expression.uppercased()
        let month = ReportingPeriod.containing(today, frequency: .monthly, window: window)!
        let quarter = ReportingPeriod.containing(today, frequency: .quarterly, window: window)!
        let year = ReportingPeriod.containing(today, frequency: .annual, window: window)!
        switch text {
        case "THIS_MONTH": return [month]
        case "LAST_MONTH": return [month.previous!]
        case "THIS_QUARTER": return [quarter]
        case "THIS_YEAR": return [year]
        case "LAST_YEAR": return [year.previous!]
        default: break
        }
        let parts = text.split(separator: "_")
        guard parts.count == 3, parts[0] == "LAST", let count = Int(parts[1]), (1...120).contains(count) else { return nil }
        switch parts[2] {
        case "MONTHS": return month.previous!.last(count)
        case "QUARTERS": return quarter.previous!.last(count)
        case "YEARS": return year.previous!.last(count)
        default: return nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
