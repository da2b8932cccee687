import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Server
import Testing

/// Safe actions on the pages: a form sent twice runs once, an action that ends a dossier is
/// confirmed on a page of its own first, and every action leaves a message shown once.
@Suite struct SafeActionTests {
    static let files = [
        "file0": ("don.pdf", DossierPageTests.pdf), "file1": ("hop-dong.pdf", DossierPageTests.pdf),
        "file2": ("gcn.pdf", DossierPageTests.pdf), "file3": ("to-khai.pdf", DossierPageTests.pdf),
    ]

    static func once(in html: String) -> String? {
        guard let range = html.range(of: #"name="_once" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aFormSentTwiceMakesOneDossierAndTheRepeatIsShownTheFirst() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let form = try await citizen.get("/dossiers/new?procedure=1.004227")
            let fields = [
                "_csrf": PageSession.csrf(in: form.text) ?? "", "_once": try #require(Self.once(in: form.text)),
                "procedure": "1.004227", "agency": "000.46.50.H19", "fullName": "Nguyễn Thị Dân", "phone": "0912345678",
            ]
            let before = try await rowCount("dossiers", platform.database)
            let first = try await citizen.postMultipart("/dossiers", fields: fields, files: Self.files)
            let again = try await citizen.postMultipart("/dossiers", fields: fields, files: Self.files)
            #expect(first.status == .seeOther && again.status == .seeOther)
            #expect(again.headers[.location] == first.headers[.location])
            #expect(try await rowCount("dossiers", platform.database) == before + 1)
            let shown = try await citizen.get(try #require(again.headers[.location]))
            #expect(shown.text.contains(#"class="notice flash""#) && shown.text.contains("đã được gửi trước đó"))
            // The message is shown once.
            let later = try await citizen.get(try #require(again.headers[.location]))
            #expect(!later.text.contains("notice flash"), "\(later.text.components(separatedBy: "<main")[1].prefix(300))")
            // A refused post frees its token: the corrected form can be sent with it.
            let form2 = try await citizen.get("/dossiers/new?procedure=1.004227")
            var retry = fields
            retry["_once"] = Self.once(in: form2.text)
            let refused = try await citizen.postMultipart("/dossiers", fields: retry, files: ["file0": ("don.pdf", DossierPageTests.pdf)])
            #expect(refused.status == .unprocessableContent)
            let corrected = try await citizen.postMultipart("/dossiers", fields: retry, files: Self.files)
            #expect(corrected.status == .seeOther && corrected.headers[.location] != first.headers[.location])
            #expect(try await rowCount("dossiers", platform.database) == before + 2)
        }
    }

    @Test func withdrawingIsConfirmedOnAPageOfItsOwnAndThenSaysItIsDone() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let form = try await citizen.get("/dossiers/new?procedure=1.004227")
            let submitted = try await citizen.postMultipart(
                "/dossiers",
                fields: [
                    "_csrf": PageSession.csrf(in: form.text) ?? "", "procedure": "1.004227", "agency": "000.46.50.H19",
                    "fullName": "Nguyễn Thị Dân", "phone": "0912345678",
                ],
                files: Self.files
            )
            let location = try #require(submitted.headers[.location])
            let page = try await citizen.get(location)
            #expect(page.text.contains("Đã nộp hồ sơ"), "the submission's message")
            #expect(page.text.contains(#"<details class="action destructive"><summary>Rút hồ sơ</summary>"#))
            let csrf = PageSession.csrf(in: page.text) ?? ""
            let asked = try await citizen.post("\(location)/actions/withdraw", form: ["_csrf": csrf, "note": "Nộp nhầm"])
            #expect(asked.status == .ok && asked.text.contains(#"name="confirmed" value="yes""#) && asked.text.contains("Nộp nhầm"))
            #expect(asked.text.contains(#"class="destructive""#) && asked.text.contains(#"href="\#(location)""#))
            #expect((try await citizen.get(location)).text.contains("Mới đăng ký, chờ tiếp nhận"), "nothing happened yet")
            let done = try await citizen.post("\(location)/actions/withdraw", form: ["_csrf": csrf, "note": "Nộp nhầm", "confirmed": "yes"])
            #expect(done.status == .seeOther)
            let after = try await citizen.get(location)
            #expect(after.text.contains("Công dân rút hồ sơ") && after.text.contains("Đã thực hiện «Rút hồ sơ»"))
        }
    }
}
