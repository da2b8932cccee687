import Audit
import Core
import Foundation
import HTTPTypes
import Server
import Testing

/// The agency directory managed from pages: add, edit, departments; errors at their fields.
@Suite struct AgencyPageTests {
    @Test func aSystemAdministratorAddsAndEditsAnAgencyAndItsDepartments() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var admin = try await PageSession.signIn(client, username: "admin")
            let form = try await admin.get("/admin/agencies/new")
            #expect(form.status == .ok && form.text.contains(#"id="identifier""#))
            let csrf = try #require(PageSession.csrf(in: form.text))
            // Every mistake at once, at its field; the typed values stay.
            let refused = try await admin.post(
                "/admin/agencies",
                form: ["_csrf": csrf, "identifier": "123", "name": "", "shortName": "S T", "kind": "department", "parentIdentifier": "000.00.00.H19"]
            )
            #expect(refused.status == .unprocessableContent)
            for id in ["identifier", "name", "shortName"] {
                #expect(refused.text.contains(##"href="#\##(id)""##) && refused.text.contains(#"id="\#(id)-error""#), "\(id)")
            }
            #expect(refused.text.contains(#"value="S T""#))
            let taken = try await admin.post(
                "/admin/agencies",
                form: ["_csrf": csrf, "identifier": "000.00.02.H19", "name": "Trùng", "shortName": "TR", "kind": "department"]
            )
            #expect(
                taken.status == .unprocessableContent && taken.text.contains(#"id="identifier-error""#),
                "an identifier in use is not overwritten"
            )
            let created = try await admin.post(
                "/admin/agencies",
                form: [
                    "_csrf": csrf, "identifier": "000.00.77.H19", "name": "Sở Thử nghiệm", "shortName": "STN", "kind": "department",
                    "parentIdentifier": "000.00.00.H19",
                ]
            )
            #expect(created.status == .seeOther && created.headers[.location] == "/admin/agencies/000.00.77.H19")
            #expect(try await platform.directory.agency("000.00.77.H19")?.name == "Sở Thử nghiệm")
            let edited = try await admin.post(
                "/admin/agencies/000.00.77.H19",
                form: [
                    "_csrf": csrf, "name": "Sở Thử nghiệm và Đổi mới", "shortName": "STN", "kind": "department", "parentIdentifier": "000.00.00.H19",
                    "address": "1 Đường Thử, Phường Trấn Biên",
                ]
            )
            #expect(edited.status == .seeOther)
            #expect(try await platform.directory.agency("000.00.77.H19")?.address == "1 Đường Thử, Phường Trấn Biên")
            // Departments: a bad code is refused at its field; a code added, then renamed.
            let bad = try await admin.post("/admin/agencies/000.00.77.H19/departments", form: ["_csrf": csrf, "code": "a b", "departmentName": "X"])
            #expect(bad.status == .unprocessableContent && bad.text.contains(#"id="code-error""#))
            for name in ["Phòng Thử", "Phòng Thử nghiệm"] {
                let saved = try await admin.post(
                    "/admin/agencies/000.00.77.H19/departments",
                    form: ["_csrf": csrf, "code": "PT", "departmentName": name]
                )
                #expect(saved.status == .seeOther)
            }
            let page = try await admin.get("/admin/agencies/000.00.77.H19")
            #expect(page.text.contains("Phòng Thử nghiệm") && page.text.contains("Sở Thử nghiệm và Đổi mới"))
            #expect(try await platform.directory.agency("000.00.77.H19")?.departments == [.init(code: "PT", name: "Phòng Thử nghiệm")])
            let actions = try await AuditLog.list(platform.database, page: PageRequest(limit: 200)).items.map(\.action)
            #expect(actions.contains("department.create") && actions.contains("department.update"))
            // An agency administrator does not manage the directory.
            var agencyAdmin = try await PageSession.signIn(client, username: "quantri.snv")
            #expect(try await agencyAdmin.get("/admin/agencies/000.00.77.H19").status == .forbidden)
            #expect(try await admin.get("/admin/agencies/000.00.99.H19").status == .notFound)
        }
    }
}
