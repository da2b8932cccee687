import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Loads the shipped reference data (34 provinces, Đồng Nai's 95 communes and its agencies)
/// into the directory. Idempotent: rows already present are left as they are.
public enum ReferenceData {
    /// Reads a file shipped with the directory.
    public static func resource(_ name: String) throws -> String {
        guard
            let url = Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil)
                ?? Bundle.module.url(forResource: name, withExtension: nil)
        else {
            throw StorageError.corrupt("missing resource \(name)")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    public struct Summary: Sendable, Equatable {
        public var adminUnitsAdded = 0
        public var agencies = AgencyDirectory.ImportResult(created: 0, updated: 0, unchanged: 0)
        public var departmentsAdded = 0
        public var calendarOverridesAdded = 0
    }

    /// Loads every reference file. `principal` is recorded in the audit log.
    public static func load(into database: Database, by principal: Principal = .system("seed"), clock: WallClock = .system) async throws -> Summary {
        var summary = Summary()
        summary.adminUnitsAdded = try await loadAdministrativeUnits(database)
        let agencyRows = try CSV.records(resource("agencies-dong-nai.csv")).map(AgencyInput.init(csv:))
        let directory = AgencyDirectory(database: database, clock: clock)
        let existing = Set(try await directory.all().map(\.identifier))
        let missing = agencyRows.filter { !existing.contains($0.identifier) }
        if !missing.isEmpty {
            summary.agencies = try await directory.importAgencies(missing, by: principal, requestID: nil)
        }
        summary.departmentsAdded = try await loadDepartments(database)
        summary.calendarOverridesAdded = try await CalendarStore(database: database, clock: clock).loadShippedOverrides(by: principal)
        return summary
    }

    static func loadAdministrativeUnits(_ database: Database) async throws -> Int {
        var units: [AdministrativeUnit] = []
        for row in try CSV.records(resource("provinces-2025.csv")) {
            units.append(
                AdministrativeUnit(
                    code: row["gso_code"] ?? "",
                    name: row["name"] ?? "",
                    unitType: row["type"] ?? "",
                    level: "province",
                    parentCode: nil,
                    codename: row["codename"] ?? "",
                    validTo: nil
                )
            )
        }
        for row in try CSV.records(resource("dong-nai-communes-2025.csv")) {
            units.append(
                AdministrativeUnit(
                    code: row["gso_code"] ?? "",
                    name: row["name"] ?? "",
                    unitType: row["type"] ?? "",
                    level: "commune",
                    parentCode: row["province_gso_code"],
                    codename: row["codename"] ?? "",
                    validTo: nil
                )
            )
        }
        let toInsert = units
        return try await database.transaction { db in
            let present = Set(try await db.select().column("code").from("admin_units").all().map { try $0.decode(column: "code", as: String.self) })
            var added = 0
            for unit in toInsert where !present.contains(unit.code) {
                try await db.insert(into: "admin_units").columns("code", "name", "unit_type", "level", "parent_code", "codename", "valid_to")
                    .values(
                        SQLBind(unit.code),
                        SQLBind(unit.name),
                        SQLBind(unit.unitType),
                        SQLBind(unit.level),
                        SQLBind(unit.parentCode),
                        SQLBind(unit.codename),
                        SQLBind(unit.validTo)
                    )
                    .run()
                added += 1
            }
            return added
        }
    }

    static func loadDepartments(_ database: Database) async throws -> Int {
        let rows = try CSV.records(resource("departments-dong-nai.csv"))
        return try await database.transaction { db in
            let present = Set(
                try await db.select().columns("agency_identifier", "code").from("departments").all().map {
                    "\(try $0.decode(column: "agency_identifier", as: String.self))/\(try $0.decode(column: "code", as: String.self))"
                }
            )
            var added = 0
            for row in rows {
                guard let agency = row["agency_identifier"], let code = row["code"], let name = row["name"],
                    !present.contains("\(agency)/\(code)")
                else { continue }
                try await db.insert(into: "departments").columns("agency_identifier", "code", "name")
                    .values(SQLBind(agency), SQLBind(code), SQLBind(name)).run()
                added += 1
            }
            return added
        }
    }

    /// Administrative units under `parent` (or the top level when nil).
    public static func administrativeUnits(_ database: Database, parent: String?) async throws -> [AdministrativeUnit] {
        try await database.read { db in
            let query = db.select().columns("code", "name", "unit_type", "level", "parent_code", "codename", "valid_to").from("admin_units")
            if let parent { query.where("parent_code", .equal, parent) } else { query.where("parent_code", .is, SQLLiteral.null) }
            return try await query.orderBy("code").all(decoding: AdministrativeUnit.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }
}
