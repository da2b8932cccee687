import Core
import DocumentExchange
import Documents
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// The document pages as the agencies' staff use them: draft, approve, issue; register, assign, finish.
@Suite struct DocumentPageTests {
    @Test func documentsFlowThroughThePages() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            try await DocumentTests.certificates(platform)
            var officer = try await PageSession.signIn(client, username: "chuyenvien.sxd")
            let form = try await officer.get("/documents/new/outgoing")
            #expect(form.status == .ok && form.text.contains("Sở Nông nghiệp và Môi trường") && form.text.contains("lanhdao.sxd"))
            let token = try #require(PageSession.csrf(in: form.text))
            // A draft without recipients comes back with the reason.
            let invalid = try await officer.postMultipart(
                "/documents/new/outgoing",
                fields: ["_csrf": token, "typeCode": "CV", "subject": "V/v thử", "signer": "lanhdao.sxd"],
                files: [:]
            )
            #expect(invalid.status == .unprocessableContent && invalid.text.contains("Cần ít nhất một nơi nhận"))
            let created = try await officer.postMultipart(
                "/documents/new/outgoing",
                fields: [
                    "_csrf": token, "typeCode": "CV", "subject": "V/v phối hợp kiểm tra công trình", "signer": "lanhdao.sxd",
                    "signerPosition": "Giám đốc",
                    "draftingUnit": "CM", "to_000.00.06.H19": "on",
                ],
                files: ["file": ("cong-van.pdf", DocumentTests.pdf)]
            )
            #expect(created.status == .seeOther, "\(created.text.prefix(400))")
            let location = try #require(created.headers[.location])
            let draft = try await officer.get(location)
            #expect(draft.text.contains("cong-van.pdf") && draft.text.contains("/actions/submit"))
            // Only the drafter or a clerk adds versions to a draft, and only they are offered the form.
            #expect(draft.text.contains(#"action="\#(location)/files""#))
            var signer = try await PageSession.signIn(client, username: "lanhdao.sxd")
            let seenBySigner = try await signer.get(location)
            #expect(seenBySigner.status == .ok && !seenBySigner.text.contains(#"action="\#(location)/files""#))
            #expect(try await officer.post("\(location)/actions/submit", form: ["_csrf": token]).status == .seeOther)
            var leader = try await PageSession.signIn(client, username: "lanhdao.sxd")
            let review = try await leader.get(location)
            #expect(review.text.contains("/actions/approve") && review.text.contains("/actions/return"))
            #expect(
                try await leader.post("\(location)/actions/approve", form: ["_csrf": PageSession.csrf(in: review.text) ?? ""]).status == .seeOther
            )
            var clerk = try await PageSession.signIn(client, username: "vanthu.sxd")
            let approved = try await clerk.get(location)
            // Issuing cannot be undone: a page says so first, and nothing happens until it is confirmed.
            let confirm = try await clerk.post("\(location)/actions/issue", form: ["_csrf": PageSession.csrf(in: approved.text) ?? ""])
            #expect(confirm.status == .ok && confirm.text.contains("không sửa được nữa") && confirm.text.contains(#"name="confirmed""#))
            #expect(try await clerk.get(location).text.contains("01/SXD-CM") == false)
            let done = try await clerk.post(
                "\(location)/actions/issue",
                form: ["_csrf": PageSession.csrf(in: approved.text) ?? "", "confirmed": "yes"]
            )
            #expect(done.status == .seeOther)
            let issued = try await clerk.get(location)
            #expect(
                issued.text.contains("01/SXD-CM") && issued.text.contains("Đã ban hành") && issued.text.contains("đã ký số"),
                "\(issued.text.components(separatedBy: "<main")[1].prefix(1500))"
            )
            // The recipient's clerk sees it waiting and registers it; the leader assigns; the officer finishes.
            var nnmtClerk = try await PageSession.signIn(client, username: "vanthu.nnmt")
            let inbox = try await nnmtClerk.get("/documents")
            #expect(inbox.text.contains("V/v phối hợp kiểm tra công trình") && inbox.text.contains("/register"))
            let message = try #require(
                try await platform.documents.awaitingRegistration(for: try await DocumentTests.principal(platform, "vanthu.nnmt")).first
            )
            let registered = try await nnmtClerk.post(
                "/documents/pending/\(message.id)/register",
                form: ["_csrf": PageSession.csrf(in: inbox.text) ?? "", "secrecy": "0"]
            )
            let incoming = try #require(registered.headers[.location])
            var nnmtLeader = try await PageSession.signIn(client, username: "lanhdao.nnmt")
            let toAssign = try await nnmtLeader.get(incoming)
            #expect(toAssign.text.contains("Huỳnh Văn Đất"))
            // A refused assignment (nobody chosen) comes back with the reason and what was typed.
            let unassigned = try await nnmtLeader.post(
                "\(incoming)/actions/assign",
                form: ["_csrf": PageSession.csrf(in: toAssign.text) ?? "", "lead": "", "deadlineDays": "5", "note": "Kiểm tra kỹ hồ sơ năng lực"]
            )
            #expect(unassigned.status.code >= 400 && unassigned.status.code < 500)
            #expect(unassigned.text.contains(">Kiểm tra kỹ hồ sơ năng lực</textarea>") && unassigned.text.contains(#"value="5""#))
            let assign = try await nnmtLeader.post(
                "\(incoming)/actions/assign",
                form: ["_csrf": PageSession.csrf(in: toAssign.text) ?? "", "lead": "u:chuyenvien.nnmt", "deadlineDays": "5"]
            )
            #expect(assign.status == .seeOther)
            var nnmtOfficer = try await PageSession.signIn(client, username: "chuyenvien.nnmt")
            let mine = try await nnmtOfficer.get(incoming)
            // The officer's list starts with what is in their hands.
            let queue = try await nnmtOfficer.get("/documents")
            #expect(queue.text.contains("V/v phối hợp kiểm tra công trình") && queue.text.contains(#"href="/documents?dir=in&amp;mine=false""#))
            #expect(
                try await nnmtOfficer.post(
                    "\(incoming)/actions/complete",
                    form: ["_csrf": PageSession.csrf(in: mine.text) ?? "", "note": "Đã kiểm tra", "confirmed": "yes"]
                ).status == .seeOther
            )
            // Once done it leaves their queue and stays under "all".
            #expect(!(try await nnmtOfficer.get("/documents")).text.contains("V/v phối hợp kiểm tra công trình"))
            #expect(try await nnmtOfficer.get("/documents?dir=in&mine=false").text.contains("V/v phối hợp kiểm tra công trình"))
            try await DocumentTests.deliver(ExchangeStore.statusTopic, platform)
            let seen = try await clerk.get(location)
            #expect(
                seen.text.contains("Đã gửi → Đã đến → Đã vào sổ → Đã phân công → Hoàn thành"),
                "\(seen.text.components(separatedBy: "id=\"deliveries\"").last?.prefix(400) ?? "")"
            )
            // Register book, CSV, dashboard, tasks pages.
            let book = try await nnmtClerk.get("/documents/registers/incoming")
            #expect(book.status == .ok && book.text.contains("01/SXD-CM"))
            let csv = try await nnmtClerk.get("/documents/registers/incoming/csv")
            #expect(csv.status == .ok && csv.text.contains("Số đến"))
            #expect(csv.text.hasPrefix("\u{FEFF}"), "a byte-order mark, so that Excel reads Vietnamese")
            let dashboard = try await nnmtLeader.get("/documents/dashboard")
            #expect(dashboard.status == .ok && dashboard.text.contains("<svg") && dashboard.text.contains("100%"))
            let newTask = try await nnmtLeader.get("/tasks/new")
            let task = try await nnmtLeader.post(
                "/tasks",
                form: [
                    "_csrf": PageSession.csrf(in: newTask.text) ?? "", "ownerAgency": "000.00.06.H19", "title": "Tổng hợp báo cáo",
                    "deadlineDays": "3",
                ]
            )
            #expect(task.status == .seeOther)
            // A refused report (progress beyond 100%) comes back with what was typed.
            let taskPath = try #require(task.headers[.location])
            let taskPage = try await nnmtLeader.get(taskPath)
            let refusedReport = try await nnmtLeader.post(
                "\(taskPath)/actions/report",
                form: ["_csrf": PageSession.csrf(in: taskPage.text) ?? "", "progress": "150", "note": "Đã tổng hợp 3 đơn vị"]
            )
            #expect(refusedReport.status == .unprocessableContent)
            #expect(refusedReport.text.contains(">Đã tổng hợp 3 đơn vị</textarea>") && refusedReport.text.contains(#"value="150""#))
            let tasks = try await nnmtLeader.get("/tasks")
            #expect(tasks.text.contains("Tổng hợp báo cáo"))
            // A citizen is not let in.
            var citizen = try await PageSession.signIn(client, username: DemoData.citizen.phone)
            #expect(try await citizen.get("/documents").status == .forbidden)
        }
    }
}
