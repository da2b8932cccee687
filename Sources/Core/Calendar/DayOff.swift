/// Why a day is not a working day (or, for `makeUpWorkingDay`, why a weekend day is one).
public enum DayOffKind: String, Codable, Sendable, CaseIterable {
    /// A public holiday of the Labour Code (art. 112).
    case holiday
    /// A day off given because a holiday fell on a weekly rest day.
    case compensatory
    /// A day off decided for this year (e.g. a bridge day in the Prime Minister's Tết schedule).
    case overrideDayOff = "override"
    /// A weekend day made a working day for this year (a make-up Saturday).
    case makeUpWorkingDay = "makeUpWorkingDay"
}

/// One entry of a year's calendar: a day off, or a make-up working day.
public struct DayOff: Hashable, Codable, Sendable {
    public let date: LocalDate
    public let nameVi: String
    public let nameEn: String
    public let kind: DayOffKind

    public init(date: LocalDate, nameVi: String, nameEn: String, kind: DayOffKind) {
        self.date = date
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.kind = kind
    }
}

/// A per-year correction to the computed calendar, loaded from a file or entered by an admin.
public struct CalendarOverride: Hashable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable { case dayOff, workingDay }
    public let date: LocalDate
    public let kind: Kind
    public let name: String

    public init(date: LocalDate, kind: Kind, name: String) {
        self.date = date
        self.kind = kind
        self.name = name
    }
}
