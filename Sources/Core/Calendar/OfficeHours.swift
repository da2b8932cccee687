import Foundation

/// A time of day in the platform's time zone, minutes precision.
public struct LocalTime: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let minutes: Int

    public init(hour: Int, minute: Int = 0) { minutes = hour * 60 + minute }

    /// Parses `HH:mm`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        minutes = h * 60 + m
    }

    public var description: String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }
}

/// Opening periods of a working day (e.g. 07:30–11:30 and 13:30–17:00).
public struct OfficeHours: Sendable, Codable, Hashable {
    public struct Period: Sendable, Codable, Hashable {
        public let start: LocalTime
        public let end: LocalTime
        public init(start: LocalTime, end: LocalTime) {
            self.start = start
            self.end = end
        }
    }

    public let periods: [Period]

    public init(periods: [Period]) { self.periods = periods.sorted { $0.start < $1.start } }

    /// Office hours of provincial agencies by default.
    public static let standard = OfficeHours(periods: [
        Period(start: LocalTime(hour: 7, minute: 30), end: LocalTime(hour: 11, minute: 30)),
        Period(start: LocalTime(hour: 13, minute: 30), end: LocalTime(hour: 17, minute: 0)),
    ])

    /// Parses `07:30-11:30,13:30-17:00`.
    public init(parsing text: String) throws(ValidationError) {
        var periods: [Period] = []
        for part in text.split(separator: ",") {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "-")
            guard bounds.count == 2, let start = LocalTime(String(bounds[0])), let end = LocalTime(String(bounds[1])), start < end else {
                throw ValidationError(
                    field: "officeHours",
                    messageVi: "Giờ làm việc phải có dạng 07:30-11:30,13:30-17:00",
                    messageEn: "Office hours must look like 07:30-11:30,13:30-17:00"
                )
            }
            periods.append(Period(start: start, end: end))
        }
        guard !periods.isEmpty else {
            throw ValidationError(field: "officeHours", messageVi: "Thiếu giờ làm việc", messageEn: "Office hours are missing")
        }
        self.init(periods: periods)
    }

    public var opening: LocalTime { periods.first?.start ?? LocalTime(hour: 0) }

    public func contains(_ time: LocalTime) -> Bool {
        periods.contains { $0.start <= time && time < $0.end }
    }

    /// The next opening at or after `time` on the same day, if any.
    public func nextOpening(atOrAfter time: LocalTime) -> LocalTime? {
        if contains(time) { return time }
        return periods.first { $0.start >= time }?.start
    }
}
