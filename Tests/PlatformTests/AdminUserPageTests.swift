import Audit
import Core
import Foundation
import HTTPTypes
import Identity
import Server
import Testing

/// Administrators manage staff accounts from pages, agency administrators within their agency.
@Suite struct AdminUserPageTests {
    static func field(_ name: String, in page: String) -> String? {
        page.components(separatedBy: #"name="\#(name)" value=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
    }

    @Test func anAgencyAdministratorCreatesAndEditsTheirAgencysStaff() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var admin = try await PageSession.signIn(client, username: "quantri.snv")
            let form = try await admin.get("/admin/users/new")
            #expect(form.status == .ok && form.text.contains("000.00.02.H19"), "their agency is fixed")
            #expect(!form.text.contains(#"name="role_system_admin""#), "no system-wide roles to give")
            let csrf = try #require(PageSession.csrf(in: form.text))
            // Every mistake in one round, at its field; what was typed (not the password) stays.
            let refused = try await admin.post(
                "/admin/users",
                form: [
                    "_csrf": csrf, "agencyIdentifier": "000.00.02.H19", "username": "X Y", "password": "ngan", "fullName": "Ngô Thị Mới",
                    "phone": "12",
                ]
            )
            #expect(refused.status == .unprocessableContent)
            for id in ["username", "password", "roles", "phone"] {
                #expect(refused.text.contains(##"href="#\##(id)""##) && refused.text.contains(#"id="\#(id)-error""#), "\(id)")
            }
            #expect(refused.text.contains("Ngô Thị Mới") && !refused.text.contains(#"value="ngan""#))
            let created = try await admin.post(
                "/admin/users",
                form: [
                    "_csrf": csrf, "agencyIdentifier": "000.00.02.H19", "username": "chuyenvien.snv", "password": "Mat khau 2026 moi",
                    "fullName": "Ngô Thị Mới", "phone": "0987654321", "role_processing_officer": "on",
                ]
            )
            #expect(created.status == .seeOther, "\(created.text.prefix(600))")
            let location = try #require(created.headers[.location])
            let page = try await admin.get(location)
            #expect(page.text.contains("Ngô Thị Mới") && page.text.contains("Chuyên viên xử lý") && page.text.contains("Đã tạo tài khoản"))
            // An edit of roles and name is saved and audited with what changed.
            let edited = try await admin.post(
                location,
                form: ["_csrf": csrf, "fullName": "Ngô Thị Mới Sửa", "phone": "0987654321", "role_processing_officer": "on", "role_leader": "on"]
            )
            #expect(edited.status == .seeOther)
            let account = try #require(try await platform.accounts.account(username: "chuyenvien.snv"))
            #expect(account.fullName == "Ngô Thị Mới Sửa" && account.roles == [.processingOfficer, .leader])
            let audit = try await AuditLog.list(platform.database, page: PageRequest(), action: "user.update").items.filter {
                $0.action == "user.update"
            }
            #expect(audit.count == 1 && audit[0].targetId == String(account.id))
            // Another agency's account is not found; nor can they drop their own administrator role.
            let other = try #require(try await platform.accounts.account(username: "chuyenvien.sxd"))
            #expect(try await admin.get("/admin/users/\(other.id)").status == .notFound)
            #expect(try await admin.post("/admin/users/\(other.id)", form: ["_csrf": csrf, "fullName": "X", "role_clerk": "on"]).status == .notFound)
            let me = try #require(try await platform.accounts.account(username: "quantri.snv"))
            let demoted = try await admin.post("/admin/users/\(me.id)", form: ["_csrf": csrf, "fullName": me.fullName, "role_clerk": "on"])
            #expect(demoted.status == .unprocessableContent && demoted.text.contains("tự bỏ quyền quản trị"))
            #expect(try await admin.post("/admin/users/\(me.id)/lock", form: ["_csrf": csrf, "confirmed": "yes"]).status == .conflict)
        }
    }

    @Test func lockingIsConfirmedEndsTheSessionsAndUnlockingRestores() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var admin = try await PageSession.signIn(client, username: "admin")
            var officer = try await PageSession.signIn(client, username: "chuyenvien.sxd")
            let account = try #require(try await platform.accounts.account(username: "chuyenvien.sxd"))
            let page = try await admin.get("/admin/users/\(account.id)")
            let csrf = try #require(PageSession.csrf(in: page.text))
            // First a page that says what will happen; nothing is locked yet.
            let confirm = try await admin.post("/admin/users/\(account.id)/lock", form: ["_csrf": csrf])
            #expect(confirm.status == .ok && confirm.text.contains("Khóa tài khoản Phạm Minh Xây") && confirm.text.contains(#"name="confirmed""#))
            #expect(try await officer.get("/dossiers").status == .ok)
            let locked = try await admin.post(
                "/admin/users/\(account.id)/lock",
                form: ["_csrf": csrf, "confirmed": "yes", "_once": Self.field("_once", in: confirm.text) ?? ""]
            )
            #expect(locked.status == .seeOther)
            #expect(try await officer.get("/dossiers").status != .ok, "signed out at once")
            await #expect(throws: (any Error).self) { try await PageSession.signIn(client, username: "chuyenvien.sxd") }
            let listed = try await admin.get("/admin/users?agency=000.00.05.H19")
            #expect(listed.text.contains("Đã khóa") && !listed.text.contains("motcua.bienhoa"))
            #expect(try await admin.post("/admin/users/\(account.id)/unlock", form: ["_csrf": csrf]).status == .seeOther)
            _ = try await PageSession.signIn(client, username: "chuyenvien.sxd")
            let actions = try await AuditLog.list(platform.database, page: PageRequest(limit: 200)).items.map(\.action)
            #expect(actions.contains("user.disable") && actions.contains("user.enable"))
        }
    }

    @Test func aPasswordResetCodeGoesToTheOwnerNeverToTheAdministrator() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var admin = try await PageSession.signIn(client, username: "admin")
            let noContact = try #require(try await platform.accounts.account(username: "vanthu.sxd"))
            let page = try await admin.get("/admin/users/\(noContact.id)")
            let csrf = try #require(PageSession.csrf(in: page.text))
            if noContact.phone == nil && noContact.email == nil {
                let refused = try await admin.post("/admin/users/\(noContact.id)/password-reset", form: ["_csrf": csrf])
                #expect(refused.status == .conflict && refused.text.contains("chưa có điện thoại"))
            }
            _ = try await admin.post(
                "/admin/users/\(noContact.id)",
                form: ["_csrf": csrf, "fullName": noContact.fullName, "phone": "0911222333", "role_clerk": "on"]
            )
            let sent = try await admin.post("/admin/users/\(noContact.id)/password-reset", form: ["_csrf": csrf])
            #expect(sent.status == .seeOther)
            let code = try await passwordResetCode(platform, to: "0911222333")
            let after = try await admin.get("/admin/users/\(noContact.id)")
            #expect(!after.text.contains(code), "the administrator never sees the code")
        }
    }
}
