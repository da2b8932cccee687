import Foundation

/// The platform's civil time: Asia/Ho_Chi_Minh, UTC+7 all year (no daylight saving since 1975).
public enum VietnamTime {
    public static let timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600)!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The local date and time of an instant.
    public static func local(_ instant: Date) -> LocalDateTime {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        return LocalDateTime(
            date: LocalDate(year: c.year!, month: c.month!, day: c.day!)!,
            time: LocalTime(hour: c.hour!, minute: c.minute!)
        )
    }

    /// The instant of a local date and time.
    public static func instant(_ local: LocalDateTime) -> Date {
        let c = DateComponents(
            year: local.date.year,
            month: local.date.month,
            day: local.date.day,
            hour: local.time.minutes / 60,
            minute: local.time.minutes % 60
        )
        return calendar.date(from: c)!
    }

    /// Today's date in Vietnam.
    public static func today(_ now: Date = Date()) -> LocalDate { local(now).date }

    /// `dd/MM/yyyy HH:mm` for display.
    public static func display(_ instant: Date) -> String { local(instant).description }
}
