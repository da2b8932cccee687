import Core
import Dossiers
import Foundation
import SQLKit
import Server
import Storage
import Testing

/// The one-stop statistics rules: each rule alone (pure), then the SQL against the pure
/// classification on thousands of generated histories, on the engine under test.
@Suite struct StatisticsRulesTests {
    static let hour: Int64 = 3_600_000
    static let dayLength: Int64 = 24 * hour
    /// 1 November 2026 00:00 in Vietnam.
    static let november = VietnamTime.instant(LocalDateTime(date: LocalDate(iso: "2026-11-01")!, time: LocalTime(hour: 0))).epochMillis
    static let period = (from: november, to: november + 30 * dayLength - 1)

    typealias Event = DossierHistory.Event

    static func at(_ day: Int, _ hour: Int64 = 9) -> Int64 { november + Int64(day - 1) * dayLength + hour * Self.hour }

    /// Received on `received` (a November day) by the counter, due on `due`, then `events`.
    static func history(
        received: Int,
        due: Int,
        status: DossierStatus = .processing,
        channel: Int = 1,
        endAt: Int64? = nil,
        _ events: [Event] = []
    ) -> DossierHistory {
        let receipt = Event(action: "receive", toStatus: .received, at: at(received), dueAt: at(due, 17))
        let all = [receipt] + events
        return DossierHistory(
            status: status,
            channel: channel,
            receivedAt: at(received),
            endAt: endAt,
            dueAt: all.last { $0.dueAt != nil }?.dueAt,
            events: all
        )
    }

    static func classify(_ history: DossierHistory, now: Int64 = .max) -> PeriodClass? {
        StatisticsRules.classify(history, from: period.from, to: period.to, now: now)
    }

    @Test func withdrawnAfterReceiptIsProcessedOnTheDeadlineColumn() {
        let late = Self.history(
            received: 2,
            due: 5,
            status: .withdrawn,
            endAt: Self.at(20),
            [Event(action: "withdraw", toStatus: .withdrawn, at: Self.at(20), dueAt: Self.at(5, 17))]
        )
        #expect(Self.classify(late) == PeriodClass(.receivedDirect, .onDeadline))
        // Withdrawn before receipt: never counted.
        let early = DossierHistory(
            status: .withdrawn,
            channel: 2,
            receivedAt: nil,
            endAt: Self.at(3),
            dueAt: nil,
            events: [
                Event(action: "submit", toStatus: .submitted, at: Self.at(2), dueAt: nil),
                Event(action: "withdraw", toStatus: .withdrawn, at: Self.at(3), dueAt: nil),
            ]
        )
        #expect(Self.classify(early) == nil)
    }

    @Test func theStatusDecidesReceipt() {
        // A refused dossier is never received, whatever times its row carries.
        let refused = DossierHistory(status: .refused, channel: 2, receivedAt: Self.at(2), endAt: Self.at(2, 10), dueAt: Self.at(9), events: [])
        #expect(Self.classify(refused) == nil)
        let online = Self.history(received: 2, due: 9, channel: 2)
        #expect(Self.classify(online)?.intake == .receivedOnline)
    }

    @Test func waitingForTheApplicantIsJudgedWhenTheWaitBegan() {
        // Asked for a supplement on day 5, due day 9, still waiting at the period's end: within.
        let waiting = Self.history(
            received: 2,
            due: 9,
            status: .supplementRequested,
            [Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(5), dueAt: Self.at(9, 17))]
        )
        #expect(Self.classify(waiting) == PeriodClass(.receivedDirect, .withinDeadline))
        // Asked after the due date: the wait does not save it.
        let tooLate = Self.history(
            received: 2,
            due: 9,
            status: .supplementRequested,
            [Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(12), dueAt: Self.at(9, 17))]
        )
        #expect(Self.classify(tooLate) == PeriodClass(.receivedDirect, .overdue))
    }

    @Test func openDossiersAreJudgedNowWhenThePeriodHasNotEnded() {
        let open = Self.history(received: 2, due: 9)
        #expect(Self.classify(open, now: Self.at(4)) == PeriodClass(.receivedDirect, .withinDeadline))  // 4 November: not yet due
        #expect(Self.classify(open) == PeriodClass(.receivedDirect, .overdue))  // judged at 30 November
        #expect(Self.classify(Self.history(received: 12, due: 20), now: Self.at(4)) == nil)  // not yet received
    }

    @Test func onlySupplementRequestsAfterReceiptCount() {
        let atCounter = DossierHistory(
            status: .approved,
            channel: 2,
            receivedAt: Self.at(3),
            endAt: Self.at(6),
            dueAt: Self.at(10, 17),
            events: [
                Event(action: "submit", toStatus: .submitted, at: Self.at(1), dueAt: nil),
                Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(1, 14), dueAt: nil),
                Event(action: "supplement", toStatus: .submitted, at: Self.at(2), dueAt: nil),
                Event(action: "receive", toStatus: .received, at: Self.at(3), dueAt: Self.at(10, 17)),
                Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(4), dueAt: Self.at(10, 17)),
                Event(action: "supplement", toStatus: .processing, at: Self.at(5), dueAt: Self.at(11, 17)),
                Event(action: "approve", toStatus: .approved, at: Self.at(6), dueAt: Self.at(11, 17)),
            ]
        )
        #expect(Self.classify(atCounter) == PeriodClass(.receivedOnline, .beforeDeadline))
        var twice = atCounter
        twice.events.insert(Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(5, 10), dueAt: Self.at(11, 17)), at: 6)
        #expect(Self.classify(twice) == PeriodClass(.receivedOnline, .late))
    }

    @Test func aClosedPeriodReadsTheHistoryAsItStoodThen() {
        // Due 20 November, open at the end of November; in December two supplement requests and an extension.
        var later = Self.history(received: 10, due: 20, status: .processing)
        let november = Self.classify(later)
        later.events += [
            Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(33), dueAt: Self.at(20, 17)),
            Event(action: "supplement", toStatus: .processing, at: Self.at(34), dueAt: Self.at(21, 17)),
            Event(action: "request_supplement", toStatus: .supplementRequested, at: Self.at(35), dueAt: Self.at(21, 17)),
            Event(action: "extend_deadline", toStatus: .supplementRequested, at: Self.at(36), dueAt: Self.at(45, 17)),
        ]
        later.dueAt = Self.at(45, 17)
        #expect(november == PeriodClass(.receivedDirect, .overdue) && Self.classify(later) == november)
        // Ended on its day: on the deadline; a day earlier: before; a minute after the appointment: late.
        for (end, timing) in [(Self.at(20, 16), PeriodTiming.onDeadline), (Self.at(19), .beforeDeadline), (Self.at(20, 17) + 60_000, .late)] {
            let ended = Self.history(
                received: 10,
                due: 20,
                status: .approved,
                endAt: end,
                [Event(action: "approve", toStatus: .approved, at: end, dueAt: Self.at(20, 17))]
            )
            #expect(Self.classify(ended)?.timing == timing)
        }
        // Ended before the period: not counted; received before it and ended in it: carried over.
        let before = DossierHistory(status: .approved, channel: 1, receivedAt: Self.at(-10), endAt: Self.at(-2), dueAt: Self.at(-1), events: [])
        let carried = DossierHistory(status: .approved, channel: 1, receivedAt: Self.at(-10), endAt: Self.at(2), dueAt: Self.at(-1), events: [])
        #expect(Self.classify(before) == nil && Self.classify(carried) == PeriodClass(.carriedOver, .late))
    }

    // MARK: The SQL against the rules

    /// A random but possible history: perhaps a supplement asked before receipt, perhaps refused
    /// or withdrawn before it; once received, supplement requests (answered or not), payment
    /// requests, extensions; then finished, stopped, withdrawn, returned or still open.
    static func randomHistory(_ random: inout some RandomNumberGenerator, start: Int64) -> DossierHistory {
        var t = start
        var events: [Event] = []
        func step(_ hours: ClosedRange<Int64>) {
            t += Int64.random(in: hours, using: &random) * hour + Int64.random(in: 0...59, using: &random) * 60_000
        }
        func add(_ action: String, _ status: DossierStatus, _ due: Int64?) {
            events.append(Event(action: action, toStatus: status, at: t, dueAt: due))
        }
        let online = Bool.random(using: &random)
        add(online ? "submit" : "receive", online ? .submitted : .received, nil)
        var received: Int64?
        var due: Int64?
        if online {
            if Int.random(in: 0..<5, using: &random) == 0 {
                step(1...20)
                add("request_supplement", .supplementRequested, nil)
                step(1...48)
                add("supplement", .submitted, nil)
            }
            step(1...72)
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                add("refuse", .refused, nil)
                return DossierHistory(status: .refused, channel: 2, receivedAt: nil, endAt: t, dueAt: nil, events: events)
            case 1:
                add("withdraw", .withdrawn, nil)
                return DossierHistory(status: .withdrawn, channel: 2, receivedAt: nil, endAt: t, dueAt: nil, events: events)
            default: break
            }
            received = t
            due = t + Int64.random(in: 2...20, using: &random) * dayLength
            add("receive", .received, due)
        } else {
            received = t
            due = t + Int64.random(in: 2...20, using: &random) * dayLength
            events[0].dueAt = due
        }
        var status = DossierStatus.received
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            step(2...120)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                add("request_supplement", .supplementRequested, due)
                status = .supplementRequested
                if Bool.random(using: &random) {
                    step(2...200)
                    due! += Int64.random(in: 0...10, using: &random) * dayLength
                    add("supplement", .processing, due)
                    status = .processing
                }
            case 1:
                add("request_payment", .awaitingPayment, due)
                status = .awaitingPayment
                if Bool.random(using: &random) {
                    step(1...50)
                    due! += Int64.random(in: 0...3, using: &random) * dayLength
                    add("confirm_payment", .processing, due)
                    status = .processing
                }
            case 2:
                guard !StatisticsRules.pausedStatuses.contains(status) else { continue }
                due! += Int64.random(in: 1...10, using: &random) * dayLength
                add("extend_deadline", status, due)
            default:
                guard !StatisticsRules.pausedStatuses.contains(status) else { continue }
                add("assign", .processing, due)
                status = .processing
            }
        }
        step(2...300)
        var end: Int64?
        switch Int.random(in: 0..<6, using: &random) {
        case 0, 1:
            if !StatisticsRules.pausedStatuses.contains(status) {
                add("approve", .approved, due)
                status = .approved
                end = t
            }
        case 2:
            if !StatisticsRules.pausedStatuses.contains(status) {
                add("reject", .rejected, due)
                status = .rejected
                end = t
            }
        case 3:
            add("stop", .stopped, due)
            status = .stopped
            end = t
        case 4:
            add("withdraw", .withdrawn, due)
            status = .withdrawn
            end = t
        default: break
        }
        return DossierHistory(status: status, channel: online ? 2 : 1, receivedAt: received, endAt: end, dueAt: due, events: events)
    }

    @Test func theSQLClassifiesEveryGeneratedHistoryAsTheRulesDo() async throws {
        var random = SeededRandom(seed: 20_261_201)
        let start = Self.november - 60 * Self.dayLength
        let histories = (0..<1_500).map { _ in
            Self.randomHistory(&random, start: start + Int64.random(in: 0...(120 * Self.dayLength), using: &random))
        }
        try await TestEnvironment.withPlatform { platform in
            let ids = try await Self.store(histories, platform)
            // Five periods: October, November, December (judged mid-month and after it), and a quarter.
            let october = try ReportingPeriod(from: LocalDate(iso: "2026-10-01")!, to: LocalDate(iso: "2026-10-31")!)
            let novemberPeriod = ReportingPeriod.calendarMonth(year: 2026, month: 11)
            let december = ReportingPeriod.calendarMonth(year: 2026, month: 12)
            let quarter = try ReportingPeriod(from: LocalDate(iso: "2026-10-01")!, to: LocalDate(iso: "2026-12-31")!)
            let midDecember = Self.november + 45 * Self.dayLength + 5 * Self.hour
            var compared = 0
            for (period, now) in [(october, Int64.max), (novemberPeriod, .max), (december, midDecember), (december, .max), (quarter, midDecember)] {
                let sql = DossierStore.classificationSQL(period, now: now)
                let rows = try await platform.database.read { db in try await db.raw(SQLQueryString(sql)).all() }
                let fromSQL = try Self.cells(rows) { try $0.decode(column: "id", as: Int64.self) }
                let (from, to) = period.bounds
                for (history, id) in zip(histories, ids) {
                    let expected = StatisticsRules.classify(history, from: from, to: to, now: now)
                    #expect(fromSQL[id] == expected, "dossier \(id) in \(period.from)…\(period.to): \(history)")
                    if expected != nil { compared += 1 }
                }
            }
            #expect(compared > 1_000)
        }
    }

    /// A dossier worked on by up to three agencies in turn: each agency's part has its own
    /// deadline, its own supplement requests and pauses, and ends when the dossier is forwarded
    /// on or ends there.
    struct Parted {
        struct Part {
            var agency: String
            var start: Int64
            var end: Int64?
            var due: Int64
            var status: DossierStatus
        }
        var dossier: DossierHistory
        var parts: [Part]
        /// Each entry's part and that part's deadline after it.
        var marks: [(seq: Int, due: Int64)]

        /// A part as the rules read it: received when the dossier reached the agency, ended when it left.
        func history(of seq: Int) -> DossierHistory {
            let part = parts[seq]
            let events = zip(dossier.events, marks).filter { $0.1.seq == seq }.map {
                Event(action: $0.0.action, toStatus: $0.0.toStatus, at: $0.0.at, dueAt: $0.1.due)
            }
            return DossierHistory(
                status: part.status,
                channel: dossier.channel,
                receivedAt: part.start,
                endAt: part.end,
                dueAt: part.due,
                events: events
            )
        }
    }

    static func randomParted(_ random: inout some RandomNumberGenerator, start: Int64) -> Parted {
        var t = start
        func step(_ hours: ClosedRange<Int64>) {
            t += Int64.random(in: hours, using: &random) * hour + Int64.random(in: 0...59, using: &random) * 60_000
        }
        let agencies = ["000.46.50.H19", "000.00.06.H19", "000.00.05.H19"].prefix(Int.random(in: 1...3, using: &random))
        var due = t + Int64.random(in: 5...20, using: &random) * dayLength
        var parts = [
            Parted.Part(
                agency: agencies.first!,
                start: t,
                end: nil,
                due: t + Int64.random(in: 1...6, using: &random) * dayLength,
                status: .processing
            )
        ]
        var events = [Event(action: "receive", toStatus: .received, at: t, dueAt: due)]
        var marks = [(seq: 0, due: parts[0].due)]
        var status = DossierStatus.received
        func add(_ action: String, _ to: DossierStatus) {
            events.append(Event(action: action, toStatus: to, at: t, dueAt: due))
            marks.append((parts.count - 1, parts[parts.count - 1].due))
            status = to
        }
        var end: Int64?
        for agency in agencies {
            if agency != parts.last!.agency {
                step(2...150)
                parts[parts.count - 1].end = t
                parts.append(
                    Parted.Part(agency: agency, start: t, end: nil, due: t + Int64.random(in: 1...8, using: &random) * dayLength, status: .processing)
                )
                add("forward", status == .received ? .processing : status)
            }
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                step(2...100)
                add("request_supplement", .supplementRequested)
                guard Bool.random(using: &random) else { break }
                step(2...150)
                let shift = Int64.random(in: 0...5, using: &random) * dayLength
                due += shift
                parts[parts.count - 1].due += shift
                add("supplement", .processing)
            }
            if status == .supplementRequested { break }
            if Int.random(in: 0..<6, using: &random) == 0 {
                step(2...100)
                let final: DossierStatus = [.approved, .rejected, .stopped, .withdrawn].randomElement(using: &random)!
                add(final == .approved ? "approve" : final == .rejected ? "reject" : final == .stopped ? "stop" : "withdraw", final)
                parts[parts.count - 1].end = t
                parts[parts.count - 1].status = final
                end = t
                break
            }
        }
        if end == nil, status != .supplementRequested, Bool.random(using: &random) {
            step(2...200)
            add("approve", .approved)
            parts[parts.count - 1].end = t
            parts[parts.count - 1].status = .approved
            end = t
        }
        let dossier = DossierHistory(
            status: status,
            channel: Bool.random(using: &random) ? 2 : 1,
            receivedAt: start,
            endAt: end,
            dueAt: due,
            events: events
        )
        return Parted(dossier: dossier, parts: parts, marks: marks)
    }

    @Test func eachAgencysPartIsClassifiedInSQLAsTheRulesDo() async throws {
        var random = SeededRandom(seed: 20_261_202)
        let start = Self.november - 45 * Self.dayLength
        let dossiers = (0..<600).map { _ in Self.randomParted(&random, start: start + Int64.random(in: 0...(100 * Self.dayLength), using: &random)) }
        try await TestEnvironment.withPlatform { platform in
            let ids = try await Self.store(dossiers.map(\.dossier), platform, marks: dossiers.map(\.marks))
            try await platform.database.transaction { db in
                for (id, dossier) in zip(ids, dossiers) {
                    try await db.delete(from: "dossier_steps").where("dossier_id", .equal, id).run()
                    for (seq, part) in dossier.parts.enumerated() {
                        try await db.insert(into: "dossier_steps").columns(
                            "dossier_id",
                            "seq",
                            "agency_identifier",
                            "started_at",
                            "ended_at",
                            "due_at",
                            "status"
                        )
                        .values(
                            SQLBind(id),
                            SQLBind(seq),
                            SQLBind(part.agency),
                            SQLBind(part.start),
                            SQLBind(part.end),
                            SQLBind(part.due),
                            SQLBind(part.status.rawValue)
                        )
                        .run()
                    }
                }
            }
            let midDecember = Self.november + 40 * Self.dayLength
            var compared = 0
            for (period, now) in [
                (ReportingPeriod.calendarMonth(year: 2026, month: 11), Int64.max), (.calendarMonth(year: 2026, month: 12), midDecember),
            ] {
                let rows = try await platform.database.read { db in
                    try await db.raw(SQLQueryString(DossierStore.classificationSQL(period, now: now, unit: .agencyPart))).all()
                }
                let fromSQL = try Self.cells(rows) { "\(try $0.decode(column: "id", as: Int64.self))#\(try $0.decode(column: "seq", as: Int.self))" }
                let (from, to) = period.bounds
                for (id, dossier) in zip(ids, dossiers) {
                    for seq in dossier.parts.indices {
                        let expected = StatisticsRules.classify(dossier.history(of: seq), from: from, to: to, now: now)
                        #expect(fromSQL["\(id)#\(seq)"] == expected, "part \(seq) of dossier \(id): \(dossier.history(of: seq))")
                        if expected != nil { compared += 1 }
                    }
                }
            }
            #expect(compared > 500)
        }
    }

    /// The cells the SQL gave each counted unit, keyed by `key`.
    static func cells<Key: Hashable>(_ rows: [any SQLRow], key: (any SQLRow) throws -> Key) throws -> [Key: PeriodClass] {
        var cells: [Key: PeriodClass] = [:]
        for row in rows {
            guard let intake = try row.decode(column: "intake", as: String?.self).flatMap(PeriodIntake.init),
                let timing = try row.decode(column: "timing", as: String?.self).flatMap(PeriodTiming.init)
            else { continue }
            cells[try key(row)] = PeriodClass(intake, timing)
        }
        return cells
    }

    /// Writes the histories as dossiers and history entries; returns their ids in order.
    static func store(_ histories: [DossierHistory], _ platform: Platform, marks: [[(seq: Int, due: Int64)]]? = nil) async throws -> [Int64] {
        let seeds = histories.enumerated().map { index, h in
            DossierStore.SeedDossier(
                code: "000.00.05.H19-261101-\(String(format: "%04d", index))",
                procedureCode: "1.009972",
                procedureName: "Cấp giấy phép xây dựng",
                fieldCode: "XD",
                fieldName: "Xây dựng",
                onlineLevel: "partial",
                agency: "000.00.05.H19",
                channel: h.channel,
                status: h.status,
                applicantName: "Người thử",
                applicantPhone: "0912345678",
                subject: "Thử",
                createdAt: h.events[0].at,
                receivedAt: h.receivedAt,
                dueAt: h.dueAt,
                endAt: h.endAt,
                returnedAt: nil,
                supplementCount: 0
            )
        }
        try await platform.dossiers.bulkInsert(seeds)
        return try await platform.database.transaction { db in
            var ids: [Int64] = []
            for (index, (seed, history)) in zip(seeds, histories).enumerated() {
                let id = try #require(try await db.select().column("id").from("dossiers").where("code", .equal, seed.code).first()).decode(
                    column: "id",
                    as: Int64.self
                )
                ids.append(id)
                for (position, event) in history.events.enumerated() {
                    let mark = marks?[index][position]
                    try await db.insert(into: "dossier_events").columns(
                        "dossier_id",
                        "action",
                        "to_status",
                        "actor",
                        "actor_role",
                        "at",
                        "due_at",
                        "step_seq",
                        "step_due_at"
                    )
                    .values(
                        SQLBind(id),
                        SQLBind(event.action),
                        SQLBind(event.toStatus.rawValue),
                        SQLBind("thử"),
                        SQLBind("system"),
                        SQLBind(event.at),
                        SQLBind(event.dueAt),
                        SQLBind(mark?.seq),
                        SQLBind(mark?.due)
                    )
                    .run()
                }
            }
            return ids
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing history can be reproduced.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
