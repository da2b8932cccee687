import Audit
import Core
import Foundation
import HTTPTypes
import Identity
import Server
import Testing

/// The account page: the owner changes their password and contact and ends their sessions.
@Suite struct AccountPageTests {
    static let phoneBrowser = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
    static let desktopBrowser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"

    @Test func devicesAreNamedByBrowserAndSystem() {
        #expect(DeviceName.of(Self.phoneBrowser) == "Chrome · Android")
        #expect(DeviceName.of(Self.desktopBrowser) == "Firefox · Windows")
        #expect(
            DeviceName.of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1")
                == "Safari · iPhone"
        )
        #expect(DeviceName.of("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0") == "Edge · Windows")
        #expect(DeviceName.of("curl/8.5.0") == "curl")
    }

    @Test func theOwnerChangesTheirPasswordInOneRoundAndOtherSessionsEnd() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var phone = try await PageSession.signIn(client, username: DemoData.citizen.phone, userAgent: Self.phoneBrowser)
            var desktop = try await PageSession.signIn(client, username: DemoData.citizen.phone, userAgent: Self.desktopBrowser)
            let page = try await phone.get("/account")
            #expect(page.status == .ok && page.text.contains("Nguyễn Thị Dân"))
            // Both sessions are listed by device, this one marked.
            #expect(page.text.contains("Chrome · Android") && page.text.contains("Firefox · Windows") && page.text.contains("Phiên này"))
            let csrf = try #require(PageSession.csrf(in: page.text))
            // A wrong current password and a weak new one are reported together, beside their fields.
            let refused = try await phone.post("/account/password", form: ["_csrf": csrf, "currentPassword": "sai", "newPassword": "ngan"])
            #expect(refused.status == .unprocessableContent)
            for id in ["currentPassword", "newPassword"] {
                #expect(refused.text.contains(##"href="#\##(id)""##) && refused.text.contains(#"id="\#(id)-error""#), "\(id)")
            }
            #expect(!refused.text.contains(#"value="sai""#), "a password is never echoed")
            let changed = try await phone.post(
                "/account/password",
                form: ["_csrf": csrf, "currentPassword": DemoData.password, "newPassword": "Mat khau moi 2027"]
            )
            #expect(changed.status == .seeOther && changed.headers[.location] == "/account")
            let after = try await phone.get("/account")
            #expect(after.text.contains("Đã đổi mật khẩu"), "flash")
            #expect(!after.text.contains("Firefox · Windows"), "the other session ended")
            #expect(try await desktop.get("/account").status != .ok)
            _ = try await PageSession.signIn(client, username: DemoData.citizen.phone, password: "Mat khau moi 2027")
            let audit = try await AuditLog.list(platform.database, page: PageRequest(), action: "user.password_change").items
            #expect(audit.contains { $0.action == "user.password_change" })
        }
    }

    @Test func aNewContactIsUsedOnlyOnceItsCodeComesBack() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var session = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let page = try await session.get("/account")
            let csrf = try #require(PageSession.csrf(in: page.text))
            let bad = try await session.post("/account/contact", form: ["_csrf": csrf, "contact": "12ab"])
            #expect(bad.status == .unprocessableContent && bad.text.contains(#"id="contact-error""#) && bad.text.contains(#"value="12ab""#))
            let started = try await session.post("/account/contact", form: ["_csrf": csrf, "contact": "dan.nguyen@example.vn"])
            #expect(started.status == .seeOther)
            let waiting = try await session.get("/account")
            #expect(waiting.text.contains("dan.nguyen@example.vn") && waiting.text.contains(#"id="contact-code-sent""#))
            // Nothing changes until the code comes back; a wrong code is refused at its field.
            let account = try #require(try await platform.accounts.account(username: DemoData.citizen.phone))
            #expect(account.email != "dan.nguyen@example.vn")
            let code = try await oneTimeCode(platform, to: "dan.nguyen@example.vn", after: "Mã xác nhận liên hệ mới của tài khoản dịch vụ công: ")
            let wrong = String(format: "%06d", (Int(code)! + 1) % 1_000_000)
            let refused = try await session.post("/account/contact/confirm", form: ["_csrf": csrf, "code": wrong])
            #expect(refused.status == .unprocessableContent && refused.text.contains(#"id="code-error""#))
            #expect(try await session.post("/account/contact/confirm", form: ["_csrf": csrf, "code": code]).status == .seeOther)
            #expect(try await platform.accounts.account(id: account.id)?.email == "dan.nguyen@example.vn")
            // The old contact (the phone) is told.
            let told = try await platform.database.read { db in
                try await db.select().column("payload").from("outbox_messages").where("topic", .equal, "sms").all()
                    .map { try $0.decode(column: "payload", as: String.self) }
            }
            #expect(told.contains { $0.contains(DemoData.citizen.phone) && $0.contains("Lien he cua tai khoan") })
        }
    }

    @Test func theOwnerEndsASessionAndOnlyTheirOwn() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var mine = try await PageSession.signIn(client, username: DemoData.citizen.phone, userAgent: Self.phoneBrowser)
            var other = try await PageSession.signIn(client, username: DemoData.citizen.phone, userAgent: Self.desktopBrowser)
            var officer = try await PageSession.signIn(client, username: "motcua.bienhoa")
            let page = try await mine.get("/account")
            let otherID = try #require(
                page.text.components(separatedBy: #"name="session" value=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
            )
            // Another account cannot end it: not found, and the session lives on.
            let officerPage = try await officer.get("/account")
            let stranger = try await officer.post(
                "/account/sessions/end",
                form: ["_csrf": PageSession.csrf(in: officerPage.text) ?? "", "session": otherID]
            )
            #expect(stranger.status == .notFound)
            #expect(try await other.get("/account").status == .ok)
            let ended = try await mine.post("/account/sessions/end", form: ["_csrf": PageSession.csrf(in: page.text) ?? "", "session": otherID])
            #expect(ended.status == .seeOther)
            #expect(try await other.get("/account").status != .ok)
            #expect(try await mine.get("/account").status == .ok)
            let audit = try await AuditLog.list(platform.database, page: PageRequest(), action: "auth.session_end").items
            #expect(audit.contains { $0.action == "auth.session_end" })
        }
    }
}
