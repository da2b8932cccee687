import Testing

@testable import Core

@Suite struct AgencyIdentifierTests {
    @Test(arguments: ["000.00.00.H19", "000.00.32.H19", "000.A0.01.H26", "000.00.00.G22", " 000.00.01.h19 "])
    func accepts(_ text: String) throws {
        let identifier = try AgencyIdentifier(text)
        #expect(identifier.value == text.trimmingCharacters(in: .whitespaces).uppercased())
    }

    @Test(arguments: [
        "", "000.00.00", "000.00.00.H19.1", "00.00.00.H19", "000.00.00.H1", "000.00.00.019", "000.00.00.H-9",
        "000..00.H19", "000.00.00.H19;DROP", "<b>.00.00.H19", String(repeating: "0", count: 40),
    ])
    func rejects(_ text: String) {
        #expect(throws: ValidationError.self) { try AgencyIdentifier(text) }
    }

    @Test func errorsNameTheFieldInBothLanguages() {
        do {
            _ = try AgencyIdentifier("12.34")
            Issue.record("accepted an invalid identifier")
        } catch {
            #expect(error.field == "identifier")
            #expect(error.messageVi.contains("Mã định danh"))
            #expect(error.messageEn.contains("Agency identifier"))
        }
    }

    @Test func segmentWidthsAreConfigurable() throws {
        let rules = AgencyIdentifierRules(segmentWidths: [2, 2, 3], maxLength: 20)
        #expect(throws: Never.self) { try AgencyIdentifier("00.01.H19", rules: rules) }
        #expect(throws: ValidationError.self) { try AgencyIdentifier("000.00.00.H19", rules: rules) }
    }

    @Test func topLevel() throws {
        #expect(try AgencyIdentifier("000.00.15.H19").topLevel == "H19")
    }
}

@Suite struct CitizenIDTests {
    @Test func acceptsAValidNumber() throws {
        #expect(try CitizenID("075190000123", currentYear: 2026).value == "075190000123")
        #expect(try CitizenID("001305001234", currentYear: 2026).value == "001305001234")  // born 2005 (digit 3: female, 21st c.)
    }

    @Test(arguments: ["07519000012", "0751900001234", "07519000012a", "999190000123", "003190000123", "075399000123", ""])
    func rejects(_ text: String) {
        #expect(throws: ValidationError.self) { try CitizenID(text, currentYear: 2026) }
    }
}

@Suite struct AccessTests {
    @Test func rolesGrantPermissions() {
        let citizen = Principal(userID: 1, username: "0912345678", roles: [.citizen], agency: nil)
        #expect(citizen.permissions.isEmpty)
        #expect(citizen.allows(.signedIn))
        #expect(!citizen.allows(.permission(.directoryRead)))
        let admin = Principal(userID: 2, username: "admin", roles: [.systemAdmin], agency: nil)
        #expect(admin.allows(.permission(.directoryManage)))
        #expect(!admin.has(.auditRead))  // separation of duties: the auditor reads the audit log
    }

    @Test func agencyAdminsAreScopedToTheirAgency() {
        let admin = Principal(userID: 3, username: "qt", roles: [.agencyAdmin], agency: "000.00.02.H19")
        #expect(admin.may(.usersManage, inAgency: "000.00.02.H19"))
        #expect(!admin.may(.usersManage, inAgency: "000.00.03.H19"))
        #expect(!admin.may(.usersManage, inAgency: nil))
        let system = Principal(userID: 4, username: "root", roles: [.systemAdmin], agency: nil)
        #expect(system.may(.usersManage, inAgency: "000.00.03.H19"))
    }
}
