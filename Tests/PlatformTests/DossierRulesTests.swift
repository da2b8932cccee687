import Core
import Dossiers
import Foundation
import Testing

/// The state machine and deadline rules, without a database.
@Suite struct DossierRulesTests {
    let leader = Principal(userID: 1, username: "ld", roles: [.leader], agency: "A")
    let counter = Principal(userID: 2, username: "mc", roles: [.counterOfficer], agency: "A")
    let officer = Principal(userID: 3, username: "cv", roles: [.processingOfficer], agency: "B")
    let citizen = Principal(userID: 4, username: "0912345678", roles: [.citizen], agency: nil)

    func actor(_ p: Principal, owner: Bool = false, receiving: Bool = false, current: Bool = false) -> DossierRules.Actor {
        DossierRules.Actor(principal: p, isOwner: owner, atReceivingAgency: receiving, atCurrentAgency: current)
    }

    @Test func everyStatusMapsToTheNationalCodes() {
        let codes = Set(DossierStatus.allCases.map(\.nationalCode))
        #expect(codes == Set(1...10))
        #expect(DossierStatus.submitted.nationalCode == 1 && DossierStatus.returned.nationalCode == 10)
        #expect(DossierStatus.supplementRequested.nationalCode == 5 && DossierStatus.resultReady.nationalCode == 9)
    }

    @Test func attachingPayingAndRatingFollowOneRule() {
        let owner = actor(citizen, owner: true)
        let stranger = actor(citizen)
        let desk = actor(counter, receiving: true, current: true)
        #expect(DossierRules.mayAttach(.supplement, by: owner, status: .supplementRequested))
        #expect(!DossierRules.mayAttach(.supplement, by: owner, status: .processing))
        #expect(!DossierRules.mayAttach(.supplement, by: stranger, status: .supplementRequested))
        #expect(
            DossierRules.mayAttach(.submission, by: desk, status: .processing) && !DossierRules.mayAttach(.submission, by: desk, status: .returned)
        )
        #expect(!DossierRules.mayAttach(.result, by: owner, status: .approved))
        #expect(DossierRules.mayAttach(.result, by: actor(officer, current: true), status: .approved))
        #expect(!DossierRules.mayAttach(.result, by: actor(officer, current: true), status: .processing))
        #expect(DossierRules.mayPay(by: owner, status: .awaitingPayment, due: 200_000, paid: false))
        #expect(!DossierRules.mayPay(by: owner, status: .awaitingPayment, due: 200_000, paid: true))
        #expect(!DossierRules.mayPay(by: owner, status: .returned, due: 200_000, paid: false))
        #expect(!DossierRules.mayPay(by: desk, status: .awaitingPayment, due: 200_000, paid: false))
        #expect(DossierRules.mayRate(by: owner, status: .returned, rated: false))
        #expect(
            !DossierRules.mayRate(by: owner, status: .returned, rated: true) && !DossierRules.mayRate(by: stranger, status: .returned, rated: false)
        )
    }

    @Test func finalStatusesAllowNothing() {
        for status in DossierStatus.allCases where status.isFinal {
            #expect(DossierRules.actions(from: status).isEmpty, "\(status)")
        }
        for status in DossierStatus.allCases where !status.isFinal {
            #expect(!DossierRules.actions(from: status).isEmpty, "\(status) is a dead end")
        }
    }

    @Test func transitions() {
        #expect(DossierRules.target(of: .receive, from: .submitted, resumeStatus: nil) == .received)
        #expect(DossierRules.target(of: .assign, from: .received, resumeStatus: nil) == .processing)
        #expect(DossierRules.target(of: .forward, from: .processing, resumeStatus: nil) == .processing)
        #expect(DossierRules.target(of: .supplement, from: .supplementRequested, resumeStatus: .processing) == .processing)
        #expect(DossierRules.target(of: .supplement, from: .supplementRequested, resumeStatus: .submitted) == .submitted)
        #expect(DossierRules.target(of: .approve, from: .received, resumeStatus: nil) == nil)
        #expect(DossierRules.target(of: .returnResult, from: .approved, resumeStatus: nil) == nil)
        #expect(DossierRules.target(of: .recordResult, from: .rejected, resumeStatus: nil) == .resultReady)
        #expect(DossierRules.target(of: .withdraw, from: .returned, resumeStatus: nil) == nil)
    }

    @Test func rolesAndAgenciesDecideWhoActs() {
        #expect(
            DossierRules.allowedActions(for: actor(counter, receiving: true, current: true), status: .submitted) == [
                .receive, .refuse, .requestSupplement, .withdraw,
            ]
        )
        #expect(DossierRules.allowedActions(for: actor(citizen, owner: true), status: .submitted) == [.withdraw])
        #expect(DossierRules.allowedActions(for: actor(citizen, owner: true), status: .supplementRequested) == [.supplement, .withdraw])
        #expect(
            DossierRules.allowedActions(for: actor(officer, current: true), status: .processing) == [.forward, .requestSupplement, .requestPayment]
        )
        #expect(DossierRules.allowedActions(for: actor(leader, current: true), status: .processing).contains(.approve))
        #expect(!DossierRules.permits(.approve, by: actor(officer, current: true), status: .processing))
        #expect(!DossierRules.permits(.receive, by: actor(counter), status: .submitted))  // not their agency
        #expect(!DossierRules.permits(.withdraw, by: actor(citizen), status: .submitted))  // not their dossier
        #expect(DossierRules.allowedActions(for: actor(officer), status: .processing).isEmpty)
    }

    @Test func codes() {
        let code = DossierRules.code(agency: "000.00.32.H19", date: LocalDate(iso: "2021-07-08")!, sequence: 32)
        #expect(code == "000.00.32.H19-210708-0032")
        let parsed = DossierRules.parse(code: code)
        #expect(parsed?.agency == "000.00.32.H19" && parsed?.date == LocalDate(iso: "2021-07-08") && parsed?.sequence == 32)
        #expect(DossierRules.code(agency: "000.00.32.H19", date: LocalDate(iso: "2026-01-02")!, sequence: 12345).hasSuffix("-260102-12345"))
        #expect(DossierRules.parse(code: "nonsense") == nil)
    }

    @Test func deadlinesSkipTetAndMoveWithPauses() {
        let calendar = WorkingCalendar()
        func at(_ iso: String, _ h: Int, _ m: Int = 0) -> LocalDateTime {
            LocalDateTime(date: LocalDate(iso: iso)!, time: LocalTime(hour: h, minute: m))
        }
        // Friday before Tết 2026, inside office hours: 3 working days → Wednesday 25/02 at closing.
        #expect(Deadlines.due(receivedAt: at("2026-02-13", 16), processingDays: 3, cutoff: nil, calendar: calendar) == at("2026-02-25", 17))
        // After the 15:00 cut-off the count starts on the next working day.
        #expect(
            Deadlines.due(receivedAt: at("2026-02-13", 16), processingDays: 3, cutoff: LocalTime(hour: 15), calendar: calendar)
                == at("2026-02-26", 17)
        )
        // Submitted online on Saturday: counts from Monday.
        #expect(Deadlines.due(receivedAt: at("2026-03-07", 10), processingDays: 1, cutoff: nil, calendar: calendar) == at("2026-03-10", 17))
        // Same-day procedures are due at closing of the receiving day.
        #expect(Deadlines.due(receivedAt: at("2026-03-04", 9), processingDays: 0, cutoff: nil, calendar: calendar) == at("2026-03-04", 17))
        // Paused Monday 23/02, supplemented Thursday 26/02: three working days later.
        let moved = Deadlines.resumed(
            due: at("2026-02-25", 17),
            paused: LocalDate(iso: "2026-02-23")!,
            resumed: LocalDate(iso: "2026-02-26")!,
            calendar: calendar
        )
        #expect(moved.due == at("2026-03-02", 17) && moved.pausedDays == 3)
    }
}

@Suite struct DossierGuidanceTests {
    static let due: Int64 = 1_773_108_000_000

    /// A detail as the API gives it (the types have no public initialisers: they come from the store).
    static func detail(_ status: DossierStatus, events: String = "", files: String = "", actions: [DossierAction] = [], pay: Bool = false)
        -> DossierDetail
    {
        let json = """
            {"dossier":{"code":"000.46.50.H19-260302-0001","procedureCode":"1.004227","procedureName":"Đăng ký biến động",
             "receivingAgency":"000.46.50.H19","implementingAgency":"000.46.50.H19","currentAgency":"000.46.50.H19","currentStep":0,
             "stepCount":2,"channel":2,"status":"\(status.rawValue)","nationalStatus":2,
             "applicant":{"fullName":"Nguyễn Thị Dân","kind":1,"phone":"0912345678"},"subject":"","createdAt":1,"dueAt":\(due),
             "pausedDays":0,"supplementCount":0,"extensionCount":0,"version":1},
             "events":[\(events)],"attachments":[\(files)],"allowedActions":[\(actions.map { "\"\($0.rawValue)\"" }.joined(separator: ","))],
             "overdue":false,"abilities":{"attachPapers":\(status == .supplementRequested),"attachResult":false,"pay":\(pay),"rate":false}}
            """
        return try! JSONDecoder().decode(DossierDetail.self, from: Data(json.utf8))
    }

    static func file(_ id: Int, _ kind: String) -> String {
        #"{"id":\#(id),"kind":"\#(kind)","documentName":"Giấy","fileName":"f\#(id).pdf","mediaType":"application/pdf","size":10,"sha256":"","uploadedBy":"cv","at":1}"#
    }

    @Test func theApplicantIsToldWhatToDoNext() throws {
        let asked =
            #"{"action":"request_supplement","fromStatus":"processing","toStatus":"supplement_requested","actor":"cv","actorRole":"processing_officer","note":"Bổ sung tờ khai","at":1}"#
        #expect(
            DossierGuidance.of(Self.detail(.supplementRequested, events: asked), forApplicant: true)
                == .supplement(reason: "Bổ sung tờ khai", canUpload: true)
        )
        #expect(DossierGuidance.of(Self.detail(.awaitingPayment, pay: true), forApplicant: true) == .payment)
        #expect(DossierGuidance.of(Self.detail(.submitted), forApplicant: true) == .awaitingReceipt)
        #expect(DossierGuidance.of(Self.detail(.processing), forApplicant: true) == .inProgress(due: Self.due))
        #expect(DossierGuidance.of(Self.detail(.withdrawn), forApplicant: true) == .closed)
        let ready = Self.detail(.resultReady, files: Self.file(3, "submission") + "," + Self.file(7, "result"))
        #expect(DossierGuidance.of(ready, forApplicant: true) == .result(files: [ready.attachments[1]]))
        #expect(DossierGuidance.of(Self.detail(.resultReady, files: Self.file(3, "submission")), forApplicant: true) == .inProgress(due: Self.due))
    }

    @Test func anOfficerIsToldWhatTheDossierNeedsFromThem() {
        let guidance = DossierGuidance.of(Self.detail(.received, actions: [.assign, .forward, .stop]), forApplicant: false)
        #expect(guidance == .needsAction(primary: [.forward], due: Self.due, overdue: false))
        #expect(DossierGuidance.of(Self.detail(.processing, actions: [.assign]), forApplicant: false) == .inProgress(due: Self.due))
    }
}
