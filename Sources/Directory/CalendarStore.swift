import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Per-year corrections to the working-day calendar: shipped in `calendar-overrides.json`,
/// stored in the database and editable by a system administrator (audited).
public struct CalendarStore: Sendable {
    let database: Database
    let clock: WallClock
    public let officeHours: OfficeHours
    /// The working calendar (one entry), read for every deadline; cleared by every change.
    let cache = ReferenceCache<Int, WorkingCalendar>()

    /// The name under which calendar changes are announced to every node.
    public static let cacheName = "calendar"

    public init(database: Database, officeHours: OfficeHours = .standard, clock: WallClock = .system) {
        self.database = database
        self.officeHours = officeHours
        self.clock = clock
        database.invalidation.register(Self.cacheName) { [cache] in cache.clear() }
    }

    /// Forgets the cached calendar after overrides were loaded behind this store's back.
    public func referenceDataChanged() { cache.clear() }

    public func overrides() async throws -> [CalendarOverride] {
        try await database.read { db in
            try await db.select().columns("date", "kind", "name").from("calendar_overrides").orderBy("date").all().map { row in
                guard let date = LocalDate(iso: try row.decode(column: "date", as: String.self)),
                    let kind = CalendarOverride.Kind(rawValue: try row.decode(column: "kind", as: String.self))
                else {
                    throw StorageError.corrupt("calendar_overrides row")
                }
                return CalendarOverride(date: date, kind: kind, name: try row.decode(column: "name", as: String.self))
            }
        }
    }

    /// The working calendar with the stored overrides applied.
    public func workingCalendar() async throws -> WorkingCalendar {
        try await cache.value(for: 0) { WorkingCalendar(overrides: try await overrides(), officeHours: officeHours) }!
    }

    /// Sets (or replaces) the override of one date.
    public func set(_ override: CalendarOverride, by principal: Principal, requestID: String?) async throws {
        let name = override.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else {
            throw DomainError.invalid("name", "Tên ngày phải có 1–200 ký tự", "Name must be 1–200 characters")
        }
        let now = clock.millis()
        defer { cache.clear() }
        try await database.transaction { db in
            try await database.cacheChanged(Self.cacheName, on: db)
            try await db.delete(from: "calendar_overrides").where("date", .equal, override.date.iso).run()
            try await db.insert(into: "calendar_overrides").columns("date", "kind", "name", "updated_at")
                .values(SQLBind(override.date.iso), SQLBind(override.kind.rawValue), SQLBind(name), SQLBind(now)).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "calendar.override.set",
                    targetType: "calendar",
                    targetID: override.date.iso,
                    requestID: requestID,
                    change: ["kind": override.kind.rawValue, "name": name]
                ),
                on: db,
                clock: clock
            )
        }
    }

    /// Removes the override of one date; returns whether there was one.
    @discardableResult
    public func remove(_ date: LocalDate, by principal: Principal, requestID: String?) async throws -> Bool {
        defer { cache.clear() }
        return try await database.transaction { db in
            try await database.cacheChanged(Self.cacheName, on: db)
            let present = try await db.select().column("date").from("calendar_overrides").where("date", .equal, date.iso).first() != nil
            guard present else { return false }
            try await db.delete(from: "calendar_overrides").where("date", .equal, date.iso).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "calendar.override.remove",
                    targetType: "calendar",
                    targetID: date.iso,
                    requestID: requestID
                ),
                on: db,
                clock: clock
            )
            return true
        }
    }

    /// Loads the shipped overrides for dates that have none yet.
    func loadShippedOverrides(by principal: Principal) async throws -> Int {
        let data = Data(try ReferenceData.resource("calendar-overrides.json").utf8)
        let shipped = try JSONDecoder().decode([CalendarOverride].self, from: data)
        let present = Set(try await overrides().map(\.date))
        var added = 0
        for override in shipped where !present.contains(override.date) {
            try await set(override, by: principal, requestID: nil)
            added += 1
        }
        return added
    }
}
