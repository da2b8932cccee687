import Audit
import Core
import Delivery
import Dossiers
import Foundation
import Identity
import SQLKit
import Server
import Storage
import Testing

/// The dossier lifecycle against the database (SQLite and PostgreSQL).
@Suite struct DossierStoreTests {
    static let pdf = Data("%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)
    static let bienHoa = "000.46.50.H19"
    static let landOffice = "000.00.06.H19"

    func applicant() -> Applicant {
        Applicant(fullName: "Nguyễn Thị Dân", phone: "0912345678", citizenId: "075190000123", address: "Phường Biên Hòa")
    }

    /// Staff for the inter-agency land procedure: a commune and the land office.
    func staff(_ platform: Platform) async throws -> (counter: Principal, communeOfficer: Principal, landOfficer: Principal, landLeader: Principal) {
        func make(_ username: String, _ role: Role, _ agency: String) async throws -> Principal {
            try await platform.accounts.createStaff(
                NewStaffAccount(
                    username: username,
                    password: "Mat khau 2026",
                    fullName: username,
                    roles: [role],
                    agencyIdentifier: agency
                ),
                by: .system(),
                requestID: nil
            ).principal
        }
        let counter = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
        return (
            counter, try await make("cv.bienhoa", .processingOfficer, Self.bienHoa), try await make("cv.dat", .processingOfficer, Self.landOffice),
            try await make("ld.dat", .leader, Self.landOffice)
        )
    }

    @Test func anInterAgencyDossierGoesFromSubmissionToReturnedResult() async throws {
        let clock = TestClock("2026-02-13", 16)  // Friday before Tết, 16:00
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let dossiers = platform.dossiers
            let people = try await staff(platform)
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            // The citizen submits online to Biên Hòa and attaches the documents.
            let submitted = try await dossiers.create(
                NewDossier(procedureCode: "1.004227", agencyIdentifier: Self.bienHoa, applicant: applicant()),
                attachments: try await requiredFiles(platform, "1.004227"),
                by: citizen,
                requestID: "r1"
            )
            #expect(submitted.status == .submitted && submitted.channel == .online && submitted.dueAt == nil)
            #expect(submitted.code == "\(Self.bienHoa)-260213-0001")
            _ = try await dossiers.attach(
                Self.pdf,
                fileName: "../../etc/hợp đồng<script>.pdf",
                documentName: "Hợp đồng chuyển nhượng",
                kind: .submission,
                to: submitted.code,
                by: citizen,
                requestID: nil
            )
            // The counter receives it: the appointment skips the weekend and Tết.
            let received = try await dossiers.perform(.receive, on: submitted.code, input: ActionInput(), by: people.counter, requestID: nil)
            #expect(received.status == .received)
            #expect(VietnamTime.local(Date(epochMillis: received.dueAt!)).date == LocalDate(iso: "2026-03-06"))  // 10 working days from 13/02
            // Assign to the commune officer, who forwards to the land office.
            _ = try await dossiers.perform(
                .assign,
                on: submitted.code,
                input: ActionInput(assignee: "cv.bienhoa"),
                by: people.counter,
                requestID: nil
            )
            await expectRefusal(.forbidden("You may not forward to the next step this dossier")) {  // only the current agency's officers may forward
                try await dossiers.perform(.forward, on: submitted.code, input: ActionInput(), by: people.landOfficer, requestID: nil)
            }
            let forwarded = try await dossiers.perform(
                .forward,
                on: submitted.code,
                input: ActionInput(note: "Đã kiểm tra"),
                by: people.communeOfficer,
                requestID: nil
            )
            #expect(forwarded.currentAgency == Self.landOffice && forwarded.currentStep == 1)
            // The land office asks for a supplement on Monday 23/02; the citizen answers on Thursday 26/02.
            clock.set("2026-02-23", 9)
            let paused = try await dossiers.perform(
                .requestSupplement,
                on: submitted.code,
                input: ActionInput(note: "Thiếu tờ khai lệ phí trước bạ"),
                by: people.landOfficer,
                requestID: nil
            )
            #expect(paused.status == .supplementRequested && paused.supplementCount == 1)
            clock.set("2026-02-26", 10)
            _ = try await dossiers.attach(
                Self.pdf,
                fileName: "to-khai.pdf",
                documentName: "Tờ khai lệ phí trước bạ",
                kind: .supplement,
                to: submitted.code,
                by: citizen,
                requestID: nil
            )
            let resumed = try await dossiers.perform(
                .supplement,
                on: submitted.code,
                input: ActionInput(note: "Đã bổ sung"),
                by: citizen,
                requestID: nil
            )
            #expect(resumed.status == .processing && resumed.pausedDays == 3)
            #expect(VietnamTime.local(Date(epochMillis: resumed.dueAt!)).date == LocalDate(iso: "2026-03-11"))
            // Forward to the land office's leader step, approve, record the result, return it.
            _ = try await dossiers.perform(.forward, on: submitted.code, input: ActionInput(), by: people.landOfficer, requestID: nil)
            await expectRefusal(.conflict("This is the last processing step")) {
                try await dossiers.perform(.forward, on: submitted.code, input: ActionInput(), by: people.landOfficer, requestID: nil)
            }
            _ = try await dossiers.perform(.approve, on: submitted.code, input: ActionInput(), by: people.landLeader, requestID: nil)
            await expectRefusal(.conflict("Upload the digitised result file first")) {
                try await dossiers.perform(.recordResult, on: submitted.code, input: ActionInput(), by: people.landOfficer, requestID: nil)
            }
            _ = try await dossiers.attach(
                Self.pdf,
                fileName: "giay-chung-nhan.pdf",
                documentName: "Giấy chứng nhận",
                kind: .result,
                to: submitted.code,
                by: people.landOfficer,
                requestID: nil
            )
            let ready = try await dossiers.perform(.recordResult, on: submitted.code, input: ActionInput(), by: people.landOfficer, requestID: nil)
            #expect(ready.status == .resultReady && ready.nationalStatus == 9)
            let returned = try await dossiers.perform(.returnResult, on: submitted.code, input: ActionInput(), by: people.counter, requestID: nil)
            #expect(returned.status == .returned && returned.nationalStatus == 10 && returned.returnedAt != nil)
            // History, files, audit and outbox.
            let detail = try await dossiers.detail(submitted.code, for: citizen)
            #expect(
                detail.events.map(\.action) == [
                    "submit", "receive", "assign", "forward", "request_supplement", "supplement", "forward",
                    "approve", "record_result", "return_result",
                ]
            )
            #expect(detail.events[4].note == "Thiếu tờ khai lệ phí trước bạ")
            // 4 submitted with it, 1 added, supplement, result
            #expect(detail.attachments.count == 7 && detail.attachments[4].fileName == "hợp đồngscript.pdf")
            #expect(detail.allowedActions.isEmpty && !detail.overdue)
            let (meta, data) = try await dossiers.file(detail.attachments[6].id, of: submitted.code, for: citizen)
            #expect(meta.kind == .result && data == Self.pdf)
            #expect(try await Outbox.summary(platform.database)["national-portal"]?["pending"] == 20)  // a record and a progress step per change
            #expect(try await Outbox.summary(platform.database)["sms"]?["pending"] == 3)  // received, supplement requested, result ready
            // The applicant rates once; staff cannot.
            await expectRefusal(.forbidden("Only the applicant may rate")) {
                try await dossiers.rate(submitted.code, rating: .satisfied, comment: nil, by: people.counter, requestID: nil)
            }
            let rating = try await dossiers.rate(submitted.code, rating: .verySatisfied, comment: "  Cảm ơn  ", by: citizen, requestID: nil)
            #expect(rating.comment == "Cảm ơn")
            await expectRefusal(.conflict("This dossier has already been rated")) {
                try await dossiers.rate(submitted.code, rating: .notSatisfied, comment: nil, by: citizen, requestID: nil)
            }
            #expect(try await dossiers.rating(of: submitted.code)?.rating == .verySatisfied)
            #expect(try await Outbox.summary(platform.database)["national-portal"]?["pending"] == 20)  // ratings go in the month's summary
            // 13 changes, the 4 files submitted with it and the rating
            #expect(try await AuditLog.list(platform.database, page: PageRequest(limit: 200), action: "dossier.").items.count == 18)
            #expect(try await AuditVerifier.verify(platform.database).intact)
        }
    }

    @Test func illegalTransitionsNameTheAllowedActions() async throws {
        try await TestEnvironment.withPlatform { platform in
            let people = try await staff(platform)
            let dossier = try await platform.dossiers.create(
                NewDossier(procedureCode: "1.001193", agencyIdentifier: Self.bienHoa, applicant: applicant()),
                by: people.counter,
                requestID: nil
            )
            #expect(dossier.status == .received && dossier.channel == .counter && dossier.dueAt != nil)
            do {
                _ = try await platform.dossiers.perform(.returnResult, on: dossier.code, input: ActionInput(), by: people.counter, requestID: nil)
                Issue.record("returned a dossier that has no result")
            } catch let DomainError.conflict(vi, en) {
                #expect(en.contains("Allowed: assign, request_supplement, withdraw"), "\(en)")
                #expect(vi.contains("assign"))
            }
            await expectRefusal(.invalid("note")) {  // a reason is required
                try await platform.dossiers.perform(
                    .requestSupplement,
                    on: dossier.code,
                    input: ActionInput(note: "  "),
                    by: people.counter,
                    requestID: nil
                )
            }
            let outsider = try #require(try await platform.accounts.account(username: "chuyenvien.sxd")).principal
            await expectRefusal(.notFound("dossier")) { try await platform.dossiers.detail(dossier.code, for: outsider) }
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            await expectRefusal(.notFound("dossier")) { try await platform.dossiers.detail(dossier.code, for: citizen) }  // not the owner
        }
    }

    @Test func codesAreUniqueAndGapFreeUnderConcurrentReceipts() async throws {
        try await TestEnvironment.withPlatform { platform in
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        var person = Applicant(fullName: "Người nộp \(i)", phone: "0912345678")
                        person.kind = 1
                        return try await platform.dossiers.create(
                            NewDossier(procedureCode: "1.009972", agencyIdentifier: nil, applicant: person),
                            by: counter,
                            requestID: nil
                        ).code
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let numbers = codes.compactMap { DossierRules.parse(code: $0)?.sequence }.sorted()
            #expect(numbers == Array(1...30))
            #expect(Set(codes).count == 30)
            // A failed creation does not use up a number.
            await expectRefusal(.invalid("applicant.fullName", "applicant.phone")) {
                try await platform.dossiers.create(
                    NewDossier(procedureCode: "1.009972", agencyIdentifier: nil, applicant: Applicant(fullName: "", phone: "1")),
                    by: counter,
                    requestID: nil
                )
            }
            let next = try await platform.dossiers.create(
                NewDossier(procedureCode: "1.009972", agencyIdentifier: nil, applicant: applicant()),
                by: counter,
                requestID: nil
            )
            #expect(DossierRules.parse(code: next.code)?.sequence == 31)
        }
    }

    @Test func attachmentsAreCheckedByContent() async throws {
        try await TestEnvironment.withPlatform { platform in
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            let dossier = try await platform.dossiers.create(
                NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: applicant()),
                attachments: try await requiredFiles(platform, "2.000488"),
                by: citizen,
                requestID: nil
            )
            let exe = Data([0x4D, 0x5A, 0x90, 0x00]) + Data("not a pdf".utf8)
            await expectRefusal(.invalid("file")) {
                try await platform.dossiers.attach(
                    exe,
                    fileName: "scan.pdf",
                    documentName: "Tờ khai",
                    kind: .submission,
                    to: dossier.code,
                    by: citizen,
                    requestID: nil
                )
            }
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
            let attached = try await platform.dossiers.attach(
                png,
                fileName: "ảnh CCCD.exe",
                documentName: "CCCD",
                kind: .submission,
                to: dossier.code,
                by: citizen,
                requestID: nil
            )
            #expect(attached.mediaType == "image/png" && attached.fileName == "ảnh CCCD.png")
            await expectRefusal(.forbidden("You cannot attach files to this dossier now")) {  // a citizen cannot attach a result
                try await platform.dossiers.attach(
                    Self.pdf,
                    fileName: "kq.pdf",
                    documentName: "KQ",
                    kind: .result,
                    to: dossier.code,
                    by: citizen,
                    requestID: nil
                )
            }
            let stored = try await platform.dossiers.file(attached.id, of: dossier.code, for: citizen).1
            #expect(stored == png)
        }
    }

    @Test func queueAndPublicLookup() async throws {
        let clock = TestClock("2026-03-02", 8)
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let first = try await platform.dossiers.create(
                NewDossier(procedureCode: "1.009990", agencyIdentifier: nil, applicant: applicant()),
                by: counter,
                requestID: nil
            )
            clock.set("2026-03-20", 9)  // five working days have long passed
            let second = try await platform.dossiers.create(
                NewDossier(procedureCode: "1.009990", agencyIdentifier: nil, applicant: applicant()),
                by: counter,
                requestID: nil
            )
            let queue = try await platform.dossiers.list(.init(), page: PageRequest(), for: counter)
            #expect(queue.items.map(\.code) == [first.code, second.code])
            let overdue = try await platform.dossiers.list(.init(overdueOnly: true), page: PageRequest(), for: counter)
            #expect(overdue.items.map(\.code) == [first.code])
            let other = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
            #expect(try await platform.dossiers.list(.init(), page: PageRequest(), for: other).items.isEmpty)
            await expectRefusal(.forbidden("You can only list your own agency's dossiers")) {
                try await platform.dossiers.list(.init(agency: "000.00.15.H19"), page: PageRequest(), for: other)
            }
            let found = try await platform.dossiers.lookup(code: first.code, phoneOrID: "0912 345 678")
            #expect(found?.overdue == true && found?.nationalStatus == 2)
            #expect(try await platform.dossiers.lookup(code: first.code, phoneOrID: "075190000123") != nil)
            #expect(try await platform.dossiers.lookup(code: first.code, phoneOrID: "0999999999") == nil)
        }
    }

    @Test func theWorkQueueLeadsWithWhatNeedsMeOverdueFirst() async throws {
        let clock = TestClock("2026-03-02", 8)
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let counter = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
            let officer = try #require(try await platform.accounts.account(username: "chuyenvien.bienhoa")).principal
            func submit() async throws -> Dossier {
                try await platform.dossiers.create(
                    NewDossier(procedureCode: "1.004227", agencyIdentifier: Self.bienHoa, applicant: applicant()),
                    attachments: try await requiredFiles(platform, "1.004227"),
                    by: counter,
                    requestID: nil
                )
            }
            let late = try await submit()
            clock.set("2026-03-20", 9)
            let fresh = try await submit()
            let assigned = try await submit()
            _ = try await platform.dossiers.perform(
                .assign,
                on: assigned.code,
                input: ActionInput(assignee: "chuyenvien.bienhoa"),
                by: counter,
                requestID: nil
            )
            func codes(_ view: DossierStore.QueueView, _ who: Principal) async throws -> [String] {
                try await platform.dossiers.list(.init(view: view), page: PageRequest(), for: who).items.map(\.code)
            }
            #expect(try await codes(.mine, counter) == [late.code, fresh.code], "overdue first, then by appointment; not what another holds")
            #expect(try await codes(.mine, officer) == [assigned.code])
            #expect(try await codes(.overdue, counter) == [late.code])
            #expect(try await codes(.all, counter).count == 3)
            let counts = try await platform.dossiers.queueCounts(.init(), for: counter)
            #expect(counts == [.mine: 2, .overdue: 1, .waiting: 0, .all: 3])
        }
    }
}
