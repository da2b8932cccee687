import Audit
import Core
import Foundation
import Server
import Storage
import Testing

@testable import Directory

@Suite struct DirectoryTests {
    @Test func referenceDataIsSeeded() async throws {
        try await TestEnvironment.withPlatform { platform in
            let provinces = try await ReferenceData.administrativeUnits(platform.database, parent: nil)
            #expect(provinces.count == 34)
            #expect(provinces.contains { $0.code == "75" && $0.name == "Đồng Nai" })
            let communes = try await ReferenceData.administrativeUnits(platform.database, parent: "75")
            #expect(communes.count == 95)
            #expect(communes.filter { $0.unitType == "phường" }.count == 23)
            #expect(communes.filter { $0.unitType == "xã" }.count == 72)
            let agencies = try await platform.directory.all()
            #expect(agencies.count == 111)
            for agency in agencies { #expect(throws: Never.self) { try AgencyIdentifier(agency.identifier) } }
            let committee = try #require(try await platform.directory.agency("000.00.00.H19"))
            #expect(committee.shortName == "UBND")
            #expect(committee.parentIdentifier == nil)
            // Commune committees: segment 2 numbers them in GSO-code order under block 50.
            let bienHoa = try #require(try await platform.directory.agency("000.46.50.H19"))
            #expect(bienHoa.adminUnitCode == "26068")
            #expect(bienHoa.departments?.map(\.code) == ["KT", "PVHCC", "VHXH", "VP"])
            #expect(agencies.filter { $0.identifier.hasSuffix(".50.H19") }.count == 95)
        }
    }

    @Test func seedingTwiceChangesNothing() async throws {
        try await TestEnvironment.withPlatform { platform in
            let auditBefore = try await rowCount("audit_log", platform.database)
            try await platform.seed(demo: true)
            #expect(try await rowCount("agencies", platform.database) == 111)
            #expect(try await rowCount("departments", platform.database) == 440)
            #expect(try await rowCount("audit_log", platform.database) == auditBefore)
        }
    }

    @Test func searchIgnoresDiacritics() async throws {
        try await TestEnvironment.withPlatform { platform in
            let page = try await platform.directory.list(page: PageRequest(), query: "so tai CHINH")
            #expect(page.items.map(\.identifier) == ["000.00.03.H19"])
            let paged = try await platform.directory.list(page: PageRequest(limit: 50))
            let next = try await platform.directory.list(page: PageRequest(limit: 50, cursor: paged.nextCursor))
            #expect(Set(paged.items.map(\.identifier)).isDisjoint(with: next.items.map(\.identifier)))
            #expect(next.items.count == 50)
        }
    }

    @Test func exportImportsBackUnchanged() async throws {
        try await TestEnvironment.withPlatform { platform in
            let csv = CSV.write([AgencyInput.csvColumns] + (try await platform.directory.all()).map(\.csvRow))
            let rows = try CSV.records(csv).map(AgencyInput.init(csv:))
            let result = try await platform.directory.importAgencies(rows, by: .system(), requestID: nil)
            #expect(result.created == 0 && result.updated == 0 && result.unchanged == 111)
        }
    }

    @Test func importIsAllOrNothingAndAudited() async throws {
        try await TestEnvironment.withPlatform { platform in
            let auditBefore = try await rowCount("audit_log", platform.database)
            let good = AgencyInput(
                identifier: "000.00.16.H19",
                name: "Sở Thử nghiệm",
                shortName: "STN",
                parentIdentifier: "000.00.00.H19",
                adminUnitCode: "75",
                kind: "department"
            )
            let child = AgencyInput(identifier: "000.01.16.H19", name: "Phòng con", shortName: "PC", parentIdentifier: "000.00.16.H19", kind: "other")
            let bad = AgencyInput(identifier: "16.H19", name: "", shortName: "bad name", kind: "castle")
            await expectRefusal(.invalid("rows[1].identifier", "rows[1].name", "rows[1].shortName", "rows[1].kind")) {
                try await platform.directory.importAgencies([good, bad], by: .system(), requestID: nil)
            }
            let orphan = AgencyInput(identifier: "000.00.17.H19", name: "Mồ côi", shortName: "MC", parentIdentifier: "000.00.99.H19")
            await expectRefusal(.invalid("parentIdentifier")) {
                try await platform.directory.importAgencies([good, orphan], by: .system(), requestID: nil)
            }
            #expect(try await rowCount("agencies", platform.database) == 111)
            #expect(try await rowCount("audit_log", platform.database) == auditBefore)
            // Children before parents in the file are fine.
            let result = try await platform.directory.importAgencies([child, good], by: .system("importer"), requestID: "r1")
            #expect(result.created == 2)
            let records = try await AuditLog.list(platform.database, page: PageRequest(), action: "agency.create")
            #expect(records.items.first?.actor == "importer")
            #expect(try await AuditVerifier.verify(platform.database).intact)
        }
    }

    @Test func validationNamesEveryBadField() throws {
        let bad = AgencyInput(identifier: "16.H19", name: "", shortName: "bad name", kind: "castle", email: "nope", phone: "abc")
        do {
            _ = try bad.validated()
            Issue.record("accepted")
        } catch {
            guard case .invalid(let errors) = error else {
                Issue.record("wrong error")
                return
            }
            #expect(Set(errors.map(\.field)) == ["identifier", "name", "shortName", "kind", "email", "phone"])
        }
        let cycle = [
            AgencyInput(identifier: "000.00.20.H19", name: "A", shortName: "A", parentIdentifier: "000.00.21.H19"),
            AgencyInput(identifier: "000.00.21.H19", name: "B", shortName: "B", parentIdentifier: "000.00.20.H19"),
        ]
        expectRefusal(.invalid("parentIdentifier")) { try AgencyDirectory.parentsFirst(try cycle.map { try $0.validated() }) }
    }
}

@Suite struct CalendarDataTests {
    /// The shipped overrides plus our rules give exactly the days off that the PyPI `holidays`
    /// package (an independent implementation with each year's official swaps) lists for 2021–2030.
    @Test func matchesTheIndependentHolidayOracle() async throws {
        let fixture = try #require(Bundle.module.url(forResource: "vn-holidays-2021-2030", withExtension: "json"))
        let expected = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: fixture))
        let overrides = try JSONDecoder().decode([CalendarOverride].self, from: Data(ReferenceData.resource("calendar-overrides.json").utf8))
        let calendar = WorkingCalendar(overrides: overrides)
        for year in 2021...2030 {
            let ours = calendar.calendar(of: year).filter { $0.kind != .makeUpWorkingDay }.map(\.date.iso)
            #expect(ours == expected[String(year)], "\(year)")
        }
    }

    @Test func overridesAreStoredEditedAndAudited() async throws {
        try await TestEnvironment.withPlatform { platform in
            let date = LocalDate(iso: "2027-12-31")!
            #expect(try await platform.calendar.workingCalendar().isWorkingDay(date))
            try await platform.calendar.set(CalendarOverride(date: date, kind: .dayOff, name: "Nghỉ cuối năm"), by: .system("admin"), requestID: nil)
            #expect(try await !platform.calendar.workingCalendar().isWorkingDay(date))
            #expect(try await platform.calendar.remove(date, by: .system("admin"), requestID: nil))
            #expect(try await platform.calendar.workingCalendar().isWorkingDay(date))
            let audit = try await AuditLog.list(platform.database, page: PageRequest(), action: "calendar.override", targetID: date.iso)
            #expect(audit.items.map(\.action) == ["calendar.override.remove", "calendar.override.set"])
            // The shipped make-up Saturday of 2025 is loaded.
            #expect(try await platform.calendar.workingCalendar().isWorkingDay(LocalDate(iso: "2025-04-26")!))
        }
    }
}
