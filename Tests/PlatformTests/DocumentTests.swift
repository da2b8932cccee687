import Core
import Delivery
import DocumentExchange
import Documents
import Foundation
import Identity
import Logging
import Server
import Signatures
import Testing

/// Document management end to end through the stores: one agency drafts, approves, issues and
/// sends; another registers, assigns, processes and finishes; the sender sees every status.
@Suite struct DocumentTests {
    static let pdf = Data("%PDF-1.4\nCông văn số hóa\n%%EOF\n".utf8)
    static let sxd = "000.00.05.H19", nnmt = "000.00.06.H19"

    /// A CA and certificates: the SXD leader signs as a person, SNNMT's agency signs its packages.
    static func certificates(_ platform: Platform) async throws {
        _ = try await platform.certificates.initialize(commonName: "CA Đồng Nai", organization: "UBND tỉnh Đồng Nai", algorithm: .p256, by: .system())
        _ = try await platform.certificates.issue(
            kind: .staff,
            owner: "lanhdao.sxd",
            commonName: "Phan Văn Dựng",
            organization: "Sở Xây dựng",
            algorithm: .p256,
            by: .system()
        )
        for agency in [sxd, nnmt] {
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: agency,
                commonName: agency,
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .p256,
                by: .system()
            )
        }
    }

    static func principal(_ platform: Platform, _ username: String) async throws -> Principal {
        try #require(try await platform.accounts.account(username: username)).principal
    }

    /// Runs the outbox worker of a topic once (statuses to senders, issued documents to recipients).
    static func deliver(_ topic: String, _ platform: Platform) async throws {
        let handler: OutboxWorker.Handler
        if topic == ExchangeStore.statusTopic {
            handler = { message in try await platform.exchange.deliverStatus(message) }
        } else {
            handler = { message in
                let id = try JSONDecoder().decode([String: Int64].self, from: Data(message.payload.utf8))["id"] ?? 0
                try await platform.documents.dispatch(id)
            }
        }
        // Until nothing of the topic is pending (a running application's own worker may hold some for a while).
        let worker = OutboxWorker(database: platform.database, topic: topic, logger: Logger(label: "test"), handler: handler)
        for _ in 0..<100 {
            _ = try await worker.deliverDue()
            let pending = try await platform.database.read { db in
                try await db.select().column("id").from("outbox_messages").where("topic", .equal, topic).where("status", .equal, "pending").all()
                    .count
            }
            if pending == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Drafted by an officer, reviewed by the SXD leader (the signer), issued by the SXD clerk to SNNMT.
    static func issue(
        _ platform: Platform,
        subject: String = "V/v rà soát quy hoạch xây dựng",
        type: String = "CV",
        secrecy: Secrecy? = nil,
        businessType: Int? = nil,
        originalId: Int64? = nil
    ) async throws -> OfficialDocument {
        let documents = platform.documents
        let officer = try await principal(platform, "chuyenvien.sxd")
        let leader = try await principal(platform, "lanhdao.sxd")
        let clerk = try await principal(platform, "vanthu.sxd")
        var draft = try await documents.createDraft(
            NewOutgoing(
                typeCode: type,
                subject: subject,
                summary: "Đề nghị Sở phối hợp rà soát",
                secrecy: secrecy,
                recipients: [.init(organId: nnmt)],
                draftingUnit: "CM",
                signer: "lanhdao.sxd",
                signerPosition: "Giám đốc",
                businessType: businessType,
                originalId: originalId,
                readers: secrecy == nil ? nil : ["vanthu.sxd"]
            ),
            by: officer,
            requestID: nil
        )
        _ = try await documents.attach(pdf, name: "du-thao.pdf", to: draft.id, by: officer, requestID: nil)
        _ = try await documents.attach(pdf + Data("v2".utf8), name: "du-thao.pdf", to: draft.id, by: officer, requestID: nil)
        draft = try await documents.perform(.submit, on: draft.id, input: .init(), by: officer, requestID: nil)
        #expect(draft.status == .review)
        // The clerk cannot approve; the signer can.
        await expectRefusal(.forbidden("It is not your turn to approve")) {
            try await documents.perform(.approve, on: draft.id, input: .init(), by: clerk, requestID: nil)
        }
        draft = try await documents.perform(.approve, on: draft.id, input: .init(note: "Đồng ý"), by: leader, requestID: nil)
        #expect(draft.status == .approved)
        return try await documents.perform(.issue, on: draft.id, input: .init(), by: clerk, requestID: nil)
    }

    @Test func issuedDocumentIsRegisteredAssignedProcessedAndTheSenderSeesEveryStatus() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.certificates(platform)
            let documents = platform.documents
            let issued = try await Self.issue(platform)
            let year = VietnamTime.today().year
            #expect(issued.status == .issued && issued.codeNumber == "01" && issued.codeNotation == "SXD-CM" && issued.registerNumber == 1)
            #expect(issued.files?.filter(\.signed).map(\.version) == [2], "only the newest version is signed and sent")
            #expect(issued.deliveries?.first?.statuses == ["00", "01"], "\(String(describing: issued.deliveries))")
            // SNNMT's clerk sees it waiting, registers it (number 1 in the incoming register).
            let clerk = try await Self.principal(platform, "vanthu.nnmt")
            let waiting = try await documents.awaitingRegistration(for: clerk)
            let message = try #require(waiting.first)
            #expect(
                message.documentId
                    == "\(Self.sxd),\(String(format: "%04d", year))/\(issued.documentDate!.iso.dropFirst(5).replacingOccurrences(of: "-", with: "/")),01/SXD-CM"
            )
            var incoming = try await documents.registerFromExchange(message.id, by: clerk, requestID: nil)
            #expect(
                incoming.registerNumber == 1 && incoming.code == "01/SXD-CM" && incoming.channel == .exchange
                    && incoming.counterpartName == "Sở Xây dựng"
            )
            #expect(incoming.files?.count == 1 && incoming.files?.first?.signed == true)
            #expect(try await documents.awaitingRegistration(for: clerk).isEmpty)
            await expectRefusal(.conflict("The document was already handled")) {
                try await documents.registerFromExchange(message.id, by: clerk, requestID: nil)
            }
            // The leader assigns the officer with a deadline of 5 working days.
            let leader = try await Self.principal(platform, "lanhdao.nnmt")
            let officer = try await Self.principal(platform, "chuyenvien.nnmt")
            await expectRefusal(.forbidden("Only a leader assigns a document")) {
                try await documents.perform(.assign, on: incoming.id, input: .init(lead: .init(user: "chuyenvien.nnmt")), by: clerk, requestID: nil)
            }
            incoming = try await documents.perform(
                .assign,
                on: incoming.id,
                input: .init(
                    note: "Chủ trì, báo cáo",
                    lead: .init(user: "chuyenvien.nnmt"),
                    informed: [.init(department: "VP")],
                    deadlineDays: 5
                ),
                by: leader,
                requestID: nil
            )
            #expect(incoming.status == .assigned && incoming.deadline != nil && incoming.assignments?.count == 2)
            // Assigning again replaces the active assignments, which stay in the list as replaced.
            incoming = try await documents.perform(
                .assign,
                on: incoming.id,
                input: .init(lead: .init(user: "chuyenvien.nnmt"), deadlineDays: 5),
                by: leader,
                requestID: nil
            )
            #expect(incoming.assignments?.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.open, .replaced, .replaced])
            incoming = try await documents.perform(.process, on: incoming.id, input: .init(), by: officer, requestID: nil)
            incoming = try await documents.perform(.comment, on: incoming.id, input: .init(note: "Đã rà soát 3/5 dự án"), by: officer, requestID: nil)
            incoming = try await documents.perform(.complete, on: incoming.id, input: .init(note: "Đã trả lời"), by: officer, requestID: nil)
            #expect(incoming.status == .finished && incoming.finishedAt != nil)
            #expect(incoming.events?.map(\.action) == ["register", "assign", "assign", "process", "comment", "complete"])
            // The statuses travel through the outbox to the sender: 03, 04, 05, 06.
            try await Self.deliver(ExchangeStore.statusTopic, platform)
            let sender = try await documents.document(issued.id, for: try await Self.principal(platform, "vanthu.sxd"))
            #expect(sender.deliveries?.first?.statuses == ["00", "01", "03", "04", "05", "06"], "\(String(describing: sender.deliveries))")
            // An officer not involved does not see it; an officer of another agency neither.
            let other = try await Self.principal(platform, "chuyenvien.sxd")
            await expectRefusal(.notFound("document")) { try await documents.document(incoming.id, for: other) }
        }
    }

    @Test func answersLinkAndReplacementsMarkTheOriginalOnBothSides() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.certificates(platform)
            let documents = platform.documents
            let original = try await Self.issue(platform, subject: "Kế hoạch kiểm tra 2027", type: "KH")
            let nnmtClerk = try await Self.principal(platform, "vanthu.nnmt")
            let received = try await documents.registerFromExchange(
                try #require(try await documents.awaitingRegistration(for: nnmtClerk).first).id,
                by: nnmtClerk,
                requestID: nil
            )
            // SNNMT answers it: the answer carries ResponseFor and is linked on arrival at SXD. An officer
            // not assigned to the document cannot answer it (nor see it); the leader can.
            let officer = try await Self.principal(platform, "chuyenvien.nnmt")
            let leader = try await Self.principal(platform, "lanhdao.nnmt")
            await expectRefusal(.notFound("document")) {
                try await documents.createDraft(
                    NewOutgoing(
                        typeCode: "CV",
                        subject: "X",
                        recipients: [.init(organId: Self.sxd)],
                        signer: "lanhdao.nnmt",
                        responseFor: received.id
                    ),
                    by: officer,
                    requestID: nil
                )
            }
            var answer = try await documents.createDraft(
                NewOutgoing(
                    typeCode: "CV",
                    subject: "V/v góp ý kế hoạch kiểm tra",
                    recipients: [.init(organId: Self.sxd)],
                    signer: "lanhdao.nnmt",
                    responseFor: received.id
                ),
                by: leader,
                requestID: nil
            )
            _ = try await documents.attach(Self.pdf, name: "gop-y.pdf", to: answer.id, by: leader, requestID: nil)
            _ = try await documents.perform(.submit, on: answer.id, input: .init(), by: leader, requestID: nil)
            _ = try await documents.perform(.approve, on: answer.id, input: .init(), by: leader, requestID: nil)
            answer = try await documents.perform(.issue, on: answer.id, input: .init(), by: nnmtClerk, requestID: nil)
            #expect(answer.codeNotation == "SNNMT", "signed with the agency's certificate: \(String(describing: answer.files))")
            let sxdClerk = try await Self.principal(platform, "vanthu.sxd")
            let arrived = try await documents.registerFromExchange(
                try #require(try await documents.awaitingRegistration(for: sxdClerk).first).id,
                by: sxdClerk,
                requestID: nil
            )
            #expect(arrived.responseFor == original.id)
            // SXD replaces its plan (BussinessDocType 3): the original is marked here and at SNNMT.
            let replacement = try await Self.issue(
                platform,
                subject: "Kế hoạch kiểm tra 2027 (thay thế)",
                type: "KH",
                businessType: 3,
                originalId: original.id
            )
            #expect(replacement.businessType == 3 && replacement.registerNumber == 2)
            #expect(try await documents.document(original.id, for: sxdClerk).supersededBy == replacement.id)
            let waiting = try #require(try await documents.awaitingRegistration(for: nnmtClerk).first)
            let registered = try await documents.registerFromExchange(waiting.id, by: nnmtClerk, requestID: nil)
            let old = try await documents.document(received.id, for: nnmtClerk)
            #expect(old.supersededBy == registered.id && old.events?.last?.action == "replaced")
            // A draft may only replace an issued document of its own agency.
            let sxdOfficer = try await Self.principal(platform, "chuyenvien.sxd")
            await expectRefusal(.invalid("originalId")) {
                try await documents.createDraft(
                    NewOutgoing(
                        typeCode: "CV",
                        subject: "X",
                        recipients: [.init(organId: Self.nnmt)],
                        signer: "lanhdao.sxd",
                        businessType: 1,
                        originalId: original.id
                    ),
                    by: sxdOfficer,
                    requestID: nil
                )
            }
        }
    }

    @Test func concurrentIssuesGetDistinctGaplessNumbersAndNotationsFollowDecree30() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.certificates(platform)
            let documents = platform.documents
            let officer = try await Self.principal(platform, "chuyenvien.sxd")
            let leader = try await Self.principal(platform, "lanhdao.sxd")
            let clerk = try await Self.principal(platform, "vanthu.sxd")
            var approved: [Int64] = []
            for index in 0..<12 {
                let draft = try await documents.createDraft(
                    NewOutgoing(
                        typeCode: index % 2 == 0 ? "QD" : "CV",
                        subject: "Văn bản \(index)",
                        recipients: [.init(organId: Self.nnmt)],
                        draftingUnit: "KHTC",
                        signer: "lanhdao.sxd"
                    ),
                    by: officer,
                    requestID: nil
                )
                _ = try await documents.attach(Self.pdf, name: "vb.pdf", to: draft.id, by: officer, requestID: nil)
                _ = try await documents.perform(.submit, on: draft.id, input: .init(), by: officer, requestID: nil)
                _ = try await documents.perform(.approve, on: draft.id, input: .init(), by: leader, requestID: nil)
                approved.append(draft.id)
            }
            // Every approved document issued at once, each twice (a double click): one number each.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in approved + approved {
                    group.addTask { _ = try? await documents.perform(.issue, on: id, input: .init(), by: clerk, requestID: nil) }
                }
                try await group.waitForAll()
            }
            let book = try await documents.registerBook(.outgoing, year: VietnamTime.today().year, for: clerk)
            #expect(book.compactMap(\.registerNumber) == Array(1...12))
            #expect(Set(book.compactMap(\.code)).count == 12)
            for document in book {
                let number = DocumentRules.formatNumber(document.registerNumber!)
                #expect(document.code == (document.typeCode == "QD" ? "\(number)/QĐ-SXD" : "\(number)/SXD-KHTC"))
            }
            #expect(DocumentRules.formatNumber(7) == "07" && DocumentRules.formatNumber(15) == "15")
            #expect(DocumentRules.notation(type: DocumentType.find("CV")!, issuer: "UBND", draftingUnit: "VX") == "UBND-VX")
            // Every recipient got each document once.
            try await Self.deliver(DocumentStore.dispatchTopic, platform)
            let nnmtClerk = try await Self.principal(platform, "vanthu.nnmt")
            #expect(try await documents.awaitingRegistration(for: nnmtClerk).count == 12)
            // The register exports as CSV with Vietnamese headers.
            let csv = try await documents.registerCSV(.outgoing, year: VietnamTime.today().year, for: clerk)
            #expect(
                csv.contains("Trích yếu") && csv.contains(",SXD-KHTC,") && csv.contains(",QĐ-SXD,")
                    && csv.split(whereSeparator: \.isNewline).count == 13
            )
        }
    }

    @Test func secretDocumentsAreSeenOnlyByThoseNamedAndEveryReadIsAudited() async throws {
        try await TestEnvironment.withPlatform { platform in
            let documents = platform.documents
            let clerk = try await Self.principal(platform, "vanthu.nnmt")
            let leader = try await Self.principal(platform, "lanhdao.nnmt")
            let officer = try await Self.principal(platform, "chuyenvien.nnmt")
            let today = VietnamTime.today()
            let normal = try await documents.registerIncoming(
                NewIncoming(
                    senderName: "Bộ Xây dựng",
                    codeNumber: "120",
                    codeNotation: "BXD-QHKT",
                    documentDate: today,
                    typeCode: "CV",
                    subject: "V/v quy hoạch đô thị"
                ),
                by: clerk,
                requestID: nil
            )
            let secret = try await documents.registerIncoming(
                NewIncoming(
                    senderName: "Công an tỉnh",
                    codeNumber: "5",
                    documentDate: today,
                    typeCode: "BC",
                    subject: "Báo cáo tình hình an ninh",
                    secrecy: .confidential,
                    channel: .scan,
                    readers: ["lanhdao.nnmt"]
                ),
                by: clerk,
                requestID: nil
            )
            // Secret documents run their own series.
            #expect(normal.registerNumber == 1 && secret.registerNumber == 1)
            #expect(try await documents.document(secret.id, for: leader).subject == "Báo cáo tình hình an ninh")
            await expectRefusal(.notFound("document")) { try await documents.document(secret.id, for: officer) }
            let listed = try await documents.list(DocumentQuery(direction: .incoming), for: officer, page: PageRequest())
            #expect(listed.items.isEmpty, "an officer sees only what names them")
            let leaderList = try await documents.list(DocumentQuery(direction: .incoming), for: leader, page: PageRequest())
            #expect(leaderList.items.count == 2)
            let reads = try await platform.database.read { db in
                try await db.select().column("actor").from("audit_log").where("action", .equal, "document.read-secret").all().map {
                    try $0.decode(column: "actor", as: String.self)
                }
            }
            #expect(reads.contains("lanhdao.nnmt"))
            // A reminder about a secret document never carries its subject out of the platform.
            _ = try await documents.perform(
                .assign,
                on: secret.id,
                input: .init(lead: .init(user: "lanhdao.nnmt"), deadlineDays: 1),
                by: leader,
                requestID: nil
            )
            try await platform.database.transaction { db in
                try await db.update("users").set("email", to: "lanhdao.nnmt@dongnai.gov.vn").where("username", .equal, "lanhdao.nnmt").run()
            }
            #expect(try await documents.queueReminders() >= 1)
            let mails = try await platform.database.read { db in
                try await db.select().column("payload").from("outbox_messages").where("topic", .equal, "email").all().map {
                    try $0.decode(column: "payload", as: String.self)
                }
            }
            #expect(mails.contains { $0.contains("Văn bản mật số \(secret.id)") } && !mails.contains { $0.contains("an ninh") }, "\(mails)")
            // Future dates and unknown types are refused with a reason.
            await expectRefusal(.invalid("documentDate")) {
                try await documents.registerIncoming(
                    NewIncoming(senderName: "X", codeNumber: "1", documentDate: today.adding(days: 2), typeCode: "CV", subject: "S"),
                    by: clerk,
                    requestID: nil
                )
            }
            // Search ignores diacritics and finds by number and notation.
            #expect(
                try await documents.list(DocumentQuery(text: "quy hoach do thi"), for: leader, page: PageRequest()).items.map(\.id) == [normal.id]
            )
            #expect(try await documents.list(DocumentQuery(text: "BXD-QHKT"), for: clerk, page: PageRequest()).items.map(\.id) == [normal.id])
        }
    }

    @Test func tasksAreTrackedWithExtensionsAndOverdueLists() async throws {
        try await TestEnvironment.withPlatform { platform in
            let tasks = platform.tasks
            let province = try await Self.principal(platform, "lanhdao.ubnd")
            let owner = try await Self.principal(platform, "lanhdao.nnmt")
            let officer = try await Self.principal(platform, "chuyenvien.nnmt")
            let other = try await Self.principal(platform, "lanhdao.bienhoa")
            let today = VietnamTime.today()
            var task = try await tasks.create(
                NewTask(ownerAgency: Self.nnmt, coordinators: [Self.sxd], title: "Kiểm kê đất đai 2026", deadlineDays: 10),
                by: province,
                requestID: nil
            )
            // A commune leader cannot give tasks to a provincial department.
            await expectRefusal(.forbidden("Tasks go to your agency or one under it")) {
                try await tasks.create(NewTask(ownerAgency: Self.nnmt, title: "X", deadlineDays: 3), by: other, requestID: nil)
            }
            task = try await tasks.perform(.report, on: task.id, input: .init(note: "Đã kiểm kê 40%", progress: 40), by: officer, requestID: nil)
            #expect(task.progress == 40)
            let later = task.deadline.adding(days: 20)
            task = try await tasks.perform(
                .requestExtension,
                on: task.id,
                input: .init(note: "Chờ số liệu", deadline: later),
                by: owner,
                requestID: nil
            )
            await expectRefusal(.forbidden("Only the assigning leader decides extensions")) {
                try await tasks.perform(.approveExtension, on: task.id, input: .init(), by: owner, requestID: nil)
            }
            task = try await tasks.perform(.approveExtension, on: task.id, input: .init(), by: province, requestID: nil)
            #expect(task.deadline == later && task.requestedDeadline == nil)
            // An overdue task (deadline set in the past directly) shows in the overdue lists.
            let late = try await tasks.create(NewTask(ownerAgency: Self.nnmt, title: "Báo cáo quý", deadline: today), by: province, requestID: nil)
            try await platform.database.transaction { db in
                try await db.update("tasks").set("deadline", to: today.adding(days: -3).iso).where("id", .equal, late.id).run()
            }
            let overdue = try await tasks.list(scope: .owned, filter: .overdue, for: owner, page: PageRequest())
            #expect(overdue.items.map(\.id) == [late.id] && overdue.items.first?.overdue == true)
            #expect(try await tasks.list(scope: .province, filter: .overdue, for: province, page: PageRequest()).items.count == 1)
            await expectRefusal(.forbidden("Only the provincial committee and its office follow the whole province")) {
                try await tasks.list(scope: .province, filter: .all, for: owner, page: PageRequest())
            }
            task = try await tasks.perform(.complete, on: task.id, input: .init(note: "Xong"), by: owner, requestID: nil)
            #expect(task.status == .done && task.completedOnTime == true)
            await expectRefusal(.conflict("The task is already completed")) {
                try await tasks.perform(.report, on: task.id, input: .init(progress: 50), by: owner, requestID: nil)
            }
            // Statistics: one task on time, one overdue, for the province leader.
            let statistics = try await platform.documents.statistics(from: today.adding(days: -30), to: today, provinceWide: true, for: province)
            #expect(statistics.total.tasksOnTime == 1 && statistics.total.tasksOverdue == 1)
            // Reminders: the overdue task is queued once per day.
            #expect(try await platform.documents.queueReminders() >= 1)
            let queued = try await rowCount("outbox_messages", platform.database)
            _ = try await platform.documents.queueReminders()
            #expect(try await rowCount("outbox_messages", platform.database) == queued)
        }
    }
}
