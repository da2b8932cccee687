import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Server
import Testing

/// The dossier journey through the HTML pages (forms, CSRF, multipart uploads, slips).
@Suite struct DossierPageTests {
    static let pdf = Data("%PDF-1.4\n%%EOF\n".utf8)

    @Test func citizenSubmitsAndOfficersCarryItThrough() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let form = try await citizen.get("/dossiers/new?procedure=1.004227")
            #expect(form.status == .ok && form.text.contains("Phường Biên Hòa") && form.text.contains(#"enctype="multipart/form-data""#))
            let token = try #require(PageSession.csrf(in: form.text))
            var fields = ["_csrf": token, "procedure": "1.004227", "agency": "000.46.50.H19", "fullName": "Nguyễn Thị Dân", "phone": "0912345678"]
            // Missing required files: the form comes back with the reason and the typed values.
            let incomplete = try await citizen.postMultipart("/dossiers", fields: fields, files: ["file0": ("don.pdf", Self.pdf)])
            #expect(
                incomplete.status == .unprocessableContent && incomplete.text.contains("Thiếu tệp") && incomplete.text.contains("Nguyễn Thị Dân"),
                "\(incomplete.status) \(incomplete.text.components(separatedBy: "<main")[1].prefix(600))"
            )
            // Without the CSRF token nothing happens.
            fields["_csrf"] = "forged"
            let forged = try await citizen.postMultipart("/dossiers", fields: fields, files: [:])
            #expect(forged.status == .forbidden)
            fields["_csrf"] = token
            let files = [
                "file0": ("don.pdf", Self.pdf), "file1": ("hop-dong.pdf", Self.pdf), "file2": ("gcn.pdf", Self.pdf),
                "file3": ("to-khai.pdf", Self.pdf),
            ]
            let submitted = try await citizen.postMultipart("/dossiers", fields: fields, files: files)
            #expect(submitted.status == .seeOther, "\(submitted.text.prefix(500))")
            let location = try #require(submitted.headers[.location])
            let code = String(location.dropFirst("/dossiers/".count))
            let page = try await citizen.get(location)
            #expect(page.text.contains(code) && page.text.contains("Mới đăng ký, chờ tiếp nhận") && page.text.contains("hop-dong.pdf"))
            // The commune counter receives and assigns.
            var counter = try await PageSession.signIn(client, username: "motcua.bienhoa")
            let queue = try await counter.get("/dossiers")
            #expect(queue.text.contains(code))
            let detail = try await counter.get("/dossiers/\(code)")
            #expect(detail.text.contains("/dossiers/\(code)/actions/receive"))
            let csrf = try #require(PageSession.csrf(in: detail.text))
            #expect(try await counter.post("/dossiers/\(code)/actions/receive", form: ["_csrf": csrf]).status == .seeOther)
            let assigned = try await counter.post("/dossiers/\(code)/actions/assign", form: ["_csrf": csrf, "assignee": "chuyenvien.bienhoa"])
            #expect(assigned.status == .seeOther)
            let receipt = try await counter.get("/dossiers/\(code)/print/receipt")
            #expect(
                receipt.status == .ok && receipt.text.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") && receipt.text.contains("hop-dong.pdf")
                    && receipt.text.contains("Võ Thị Hòa") && !receipt.text.contains("motcua.bienhoa"),
                "\(receipt.status) \(receipt.text.components(separatedBy: "<main")[1].prefix(800))"
            )
            // The commune officer forwards to the land office, which asks for a supplement.
            var officer = try await PageSession.signIn(client, username: "chuyenvien.bienhoa")
            let officerPage = try await officer.get("/dossiers/\(code)")
            #expect(
                try await officer.post("/dossiers/\(code)/actions/forward", form: ["_csrf": PageSession.csrf(in: officerPage.text) ?? ""]).status
                    == .seeOther
            )
            var land = try await PageSession.signIn(client, username: "chuyenvien.nnmt")
            let landPage = try await land.get("/dossiers/\(code)")
            let landToken = PageSession.csrf(in: landPage.text) ?? ""
            let noReason = try await land.post("/dossiers/\(code)/actions/request_supplement", form: ["_csrf": landToken, "note": ""])
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("Cần ghi lý do"))
            #expect(landPage.text.contains("Hồ sơ chờ bạn"), "the officer's banner")
            #expect(
                try await land.post("/dossiers/\(code)/actions/request_supplement", form: ["_csrf": landToken, "note": "Thiếu bản sao sổ hộ khẩu"])
                    .status == .seeOther
            )
            let slip = try await land.get("/dossiers/\(code)/print/supplement")
            #expect(slip.text.contains("PHIẾU YÊU CẦU BỔ SUNG") && slip.text.contains("Thiếu bản sao sổ hộ khẩu"))
            // The citizen uploads the missing document and sends the supplement.
            let waiting = try await citizen.get("/dossiers/\(code)")
            #expect(waiting.text.contains("Chờ bổ sung hồ sơ") && waiting.text.contains("/dossiers/\(code)/files"))
            // The banner at the top says why and what to do, and links to the upload form.
            let banner = try #require(waiting.text.components(separatedBy: #"<section class="banner action""#).dropFirst().first)
            #expect(
                banner.contains("Hồ sơ cần bổ sung") && banner.contains("Lý do: Thiếu bản sao sổ hộ khẩu") && banner.contains(##"href="#add-files""##)
            )
            #expect(waiting.text.contains(#"<h2 id="add-files">"#))
            let citizenToken = PageSession.csrf(in: waiting.text) ?? ""
            let uploaded = try await citizen.postMultipart(
                "/dossiers/\(code)/files",
                fields: ["_csrf": citizenToken, "kind": "supplement", "document": "Sổ hộ khẩu"],
                files: ["file": ("so-ho-khau.pdf", Self.pdf)]
            )
            #expect(uploaded.status == .seeOther)
            #expect(
                try await citizen.post("/dossiers/\(code)/actions/supplement", form: ["_csrf": citizenToken, "note": "Đã bổ sung"]).status
                    == .seeOther
            )
            let control = try await land.get("/dossiers/\(code)/print/control")
            #expect(control.text.contains("PHIẾU KIỂM SOÁT") && control.text.contains("Bổ sung hồ sơ"))
            // The control slip names people and agencies, not accounts and codes.
            #expect(control.text.contains("Huỳnh Văn Đất") && !control.text.contains("chuyenvien.nnmt") && control.text.contains("Sở Nông nghiệp"))
            // Someone else's dossier is not found for another citizen.
            var other = PageSession(client: client)
            let otherForm = try await other.get("/register")
            let codePage = try await other.post(
                "/register",
                form: [
                    "_csrf": PageSession.csrf(in: otherForm.text) ?? "", "fullName": "Người khác", "phoneOrEmail": "0988777666",
                    "password": "Cong dan 2026",
                ]
            )
            #expect(codePage.status == .ok && codePage.text.contains("id=\"code-sent\""))
            let signedUp = try await other.post(
                "/register/confirm",
                form: [
                    "_csrf": PageSession.csrf(in: codePage.text) ?? "", "phoneOrEmail": "0988777666",
                    "code": try await registrationCode(platform, to: "0988777666"),
                ]
            )
            #expect(signedUp.status == .seeOther)
            #expect(try await other.get("/dossiers/\(code)").status == .notFound)
            // The public lookup shows the status without signing in.
            var anonymous = PageSession(client: client)
            let lookup = try await anonymous.get("/lookup?code=\(code)&phone=0912345678")
            #expect(lookup.status == .ok && lookup.text.contains("Đang xử lý"))
            let miss = try await anonymous.get("/lookup?code=\(code)&phone=0900000000")
            #expect(miss.status == .notFound && miss.text.contains("Không tìm thấy hồ sơ"))
        }
    }

    /// GOV.UK-style refusal: every mistake in one round, each beside its field and linked from the
    /// summary; files already chosen are kept for the next try, for their owner only.
    @Test func aRefusedSubmissionNamesEveryFieldAndKeepsTheFiles() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            let form = try await citizen.get("/dossiers/new?procedure=1.004227")
            let token = try #require(PageSession.csrf(in: form.text))
            let fields = [
                "_csrf": token, "procedure": "1.004227", "agency": "", "fullName": "", "phone": "0912345678", "subject": "Chuyển nhượng thửa 12",
            ]
            let refused = try await citizen.postMultipart(
                "/dossiers",
                fields: fields,
                files: ["file0": ("don.pdf", Self.pdf), "file1": ("virus.exe", Data("MZ".utf8))]
            )
            #expect(refused.status == .unprocessableContent)
            let page = refused.text
            // The summary links to each field; each field says what is wrong and is marked invalid.
            for id in ["fullName", "agencyIdentifier", "documents-1", "documents-2", "documents-3"] {
                #expect(page.contains(##"href="#\##(id)""##), "summary links to \(id)")
                #expect(page.contains(#"id="\#(id)-error""#) && page.contains(#"aria-describedby="\#(id)-error""#), "\(id) error beside the field")
            }
            #expect(page.contains(#"aria-invalid="true""#))
            #expect(!page.contains(#"id="documents-0-error""#), "the accepted file has no error")
            #expect(page.contains("Chuyển nhượng thửa 12"), "typed text is kept")
            // The accepted file is kept; the refused one is not.
            #expect(page.contains("don.pdf") && !page.contains("virus.exe</"))
            let draft = try #require(page.components(separatedBy: #"name="draft" value=""#).dropFirst().first?.prefix { $0 != "\"" })
            // Nobody else can use the draft.
            let stranger = Principal(userID: 987_654, username: "0988777666", roles: [.citizen], agency: nil)
            #expect(try await platform.dossiers.draftFiles(String(draft), owner: stranger).isEmpty)
            #expect(try await platform.dossiers.draftAttachments(String(draft), owner: stranger).isEmpty)
            // The next try needs only the missing files.
            var complete = fields
            complete["agency"] = "000.46.50.H19"
            complete["fullName"] = "Nguyễn Thị Dân"
            complete["draft"] = String(draft)
            complete["_csrf"] = PageSession.csrf(in: page) ?? token
            complete["_once"] = page.components(separatedBy: #"name="_once" value=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
            let files = ["file1": ("hop-dong.pdf", Self.pdf), "file2": ("gcn.pdf", Self.pdf), "file3": ("to-khai.pdf", Self.pdf)]
            let submitted = try await citizen.postMultipart("/dossiers", fields: complete, files: files)
            #expect(submitted.status == .seeOther, "\(submitted.text.prefix(800))")
            let location = try #require(submitted.headers[.location])
            let dossier = try await citizen.get(location)
            #expect(dossier.text.contains("don.pdf") && dossier.text.contains("hop-dong.pdf"))
        }
    }
}
