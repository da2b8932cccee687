import Core
import Dossiers
import Foundation
import Identity
import SQLKit
import Server
import Storage
import Testing

/// Statistics against a hand-computed fixture for March 2026 that covers carried-over, early,
/// on-the-day and late dossiers, one and two supplement requests, a withdrawal, unfinished
/// dossiers inside and past their deadline, an online dossier returned, and dossiers that must
/// not count (never received; finished before the period).
@Suite struct StatisticsTests {
    @Test func marchMatchesTheHandComputedFixture() async throws {
        let clock = TestClock("2026-02-02", 9)
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let store = platform.dossiers
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
            func leader(_ name: String, _ agency: String) async throws -> Principal {
                try await platform.accounts.createStaff(
                    NewStaffAccount(
                        username: name,
                        password: "Mat khau 2026",
                        fullName: name,
                        roles: [.leader],
                        agencyIdentifier: agency
                    ),
                    by: .system(),
                    requestID: nil
                ).principal
            }
            let sxd = try await leader("ld.xaydung", "000.00.05.H19")
            let stp = try await leader("ld.tuphap", "000.00.04.H19")
            let person = Applicant(fullName: "Lê Văn Thống", phone: "0912345678")
            func receive(_ procedure: String = "1.009990", by boss: Principal) async throws -> String {
                let code = try await store.create(
                    NewDossier(procedureCode: procedure, agencyIdentifier: nil, applicant: person),
                    by: counter,
                    requestID: nil
                ).code
                _ = try await store.perform(.assign, on: code, input: ActionInput(assignee: boss.username), by: boss, requestID: nil)
                return code
            }
            func act(_ action: DossierAction, _ code: String, by who: Principal, note: String? = nil) async throws {
                _ = try await store.perform(action, on: code, input: ActionInput(note: note), by: who, requestID: nil)
            }
            // K: received and finished in February (not in March).
            let k = try await receive(by: sxd)
            clock.set("2026-02-10", 10)
            try await act(.approve, k, by: sxd)
            // A: received 23/02 (due 02/03), approved 03/03: carried over, late.
            clock.set("2026-02-23", 9)
            let a = try await receive(by: sxd)
            clock.set("2026-03-02", 9)
            let b = try await receive(by: sxd)  // due 09/03
            clock.set("2026-03-02", 10)
            let c = try await receive(by: sxd)  // due 09/03
            clock.set("2026-03-03", 9)
            let d = try await receive(by: sxd)  // due 10/03
            clock.set("2026-03-03", 9, 30)
            let e = try await receive(by: sxd)  // due 10/03
            clock.set("2026-03-03", 10)
            try await act(.approve, a, by: sxd)
            clock.set("2026-03-04", 9)
            let f = try await receive(by: sxd)
            try await act(.requestSupplement, d, by: sxd, note: "Thiếu bản vẽ")
            try await act(.requestSupplement, e, by: sxd, note: "Thiếu bản vẽ")
            clock.set("2026-03-05", 9)
            try await act(.approve, b, by: sxd)  // before the deadline
            try await act(.supplement, e, by: counter)  // due 11/03
            try await act(.withdraw, f, by: counter)
            clock.set("2026-03-06", 9)
            try await act(.supplement, d, by: counter)  // due 12/03
            try await act(.requestSupplement, e, by: sxd, note: "Vẫn thiếu")  // second request: late whatever happens
            clock.set("2026-03-09", 9)
            try await act(.supplement, e, by: counter)
            clock.set("2026-03-09", 15)
            try await act(.approve, c, by: sxd)  // on the deadline day
            // I: online (fully online procedure) to the Department of Justice, returned.
            clock.set("2026-03-10", 9)
            let i = try await store.create(
                NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: person),
                attachments: try await requiredFiles(platform, "2.000488"),
                by: citizen,
                requestID: nil
            ).code
            clock.set("2026-03-10", 10)
            try await act(.receive, i, by: counter)
            _ = try await store.perform(.assign, on: i, input: ActionInput(assignee: stp.username), by: stp, requestID: nil)
            try await act(.approve, e, by: sxd)  // within its moved deadline, but two supplements
            clock.set("2026-03-11", 9)
            try await act(.approve, d, by: sxd)  // before its moved deadline
            // J: submitted online, never received: not counted.
            clock.set("2026-03-12", 9)
            _ = try await store.create(
                NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: person),
                attachments: try await requiredFiles(platform, "2.000488"),
                by: citizen,
                requestID: nil
            )
            clock.set("2026-03-16", 9)
            _ = try await receive(by: sxd)  // H: due 23/03, still open: overdue
            clock.set("2026-03-20", 9)
            try await act(.approve, i, by: stp)
            clock.set("2026-03-23", 9)
            _ = try await store.attach(
                DossierStoreTests.pdf,
                fileName: "phieu.pdf",
                documentName: "Phiếu lý lịch tư pháp",
                kind: .result,
                to: i,
                by: stp,
                requestID: nil
            )
            try await act(.recordResult, i, by: stp)
            try await act(.returnResult, i, by: counter)
            clock.set("2026-03-24", 9)
            _ = try await store.rate(i, rating: .satisfied, comment: "Nhanh", by: citizen, requestID: nil)
            clock.set("2026-03-25", 9)
            _ = try await receive(by: sxd)  // G: due 01/04, still open: within
            clock.set("2026-04-02", 9)

            let march = ReportingPeriod.calendarMonth(year: 2026, month: 3)
            let (rows, total) = try await store.statistics(march, groupBy: .agency, agency: nil)
            #expect(total.received == 8 && total.receivedOnline == 1 && total.receivedDirect == 7)
            #expect(total.carriedOver == 1 && total.total == 9)
            #expect(total.processed == 7)  // F, withdrawn after receipt, is processed (the form's note), in the on-deadline column
            #expect(total.processedBeforeDeadline == 3 && total.processedOnDeadline == 2 && total.processedLate == 2)
            #expect(total.inProgress == 2 && total.inProgressWithinDeadline == 1 && total.inProgressOverdue == 1)
            #expect(total.returned == 1 && total.withdrawn == 1)
            #expect(total.onlineShare == 0.125 && total.fullyOnlineShare == 0.125)
            #expect(total.onTimeShare == 0.714 && total.averageProcessingDays > 0)
            #expect(total.total == total.processed + total.inProgress)
            #expect(total.ratings == 1 && total.satisfactionShare == 1)
            #expect(rows.map(\.key) == ["000.00.04.H19", "000.00.05.H19"])
            #expect(rows[0].name == "Sở Tư pháp" && rows[0].processed == 1 && rows[0].returned == 1)
            #expect(rows[1].total == 8)
            // One agency only; by field; the Decree 09 month (15/02–14/03) differs.
            let justice = try await store.statistics(march, groupBy: .field, agency: "000.00.04.H19")
            #expect(justice.rows.count == 1 && justice.rows[0].key == "TP" && justice.total.received == 1)
            let decree = try await store.statistics(ReportingPeriod.decree09Month(year: 2026, month: 3), groupBy: .procedure, agency: nil)
            #expect(decree.total.received == 7)  // A (23/02), B–F and I (10/03) in; H and G (after 14/03) and K (02/02) out
        }
    }

    /// What happens in December does not change November's figures; a month not yet over is
    /// judged today, not at its last day.
    @Test func aClosedPeriodStaysAsItWas() async throws {
        let clock = TestClock("2026-11-20", 9)
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let store = platform.dossiers
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let leader = try await platform.accounts.createStaff(
                NewStaffAccount(
                    username: "ld.xaydung",
                    password: "Mat khau 2026",
                    fullName: "LĐ",
                    roles: [.leader],
                    agencyIdentifier: "000.00.05.H19"
                ),
                by: .system(),
                requestID: nil
            ).principal
            func receive() async throws -> String {
                let code = try await store.create(
                    NewDossier(procedureCode: "1.009990", agencyIdentifier: nil, applicant: Applicant(fullName: "Lê Văn Thống", phone: "0912345678")),
                    by: counter,
                    requestID: nil
                ).code
                _ = try await store.perform(.assign, on: code, input: ActionInput(assignee: leader.username), by: leader, requestID: nil)
                return code
            }
            let within = try await receive()  // due 27/11: open and within at the end of November
            clock.set("2026-11-23", 9)
            let overdue = try await receive()  // due 30/11 09:00… judged at 30/11 23:59: overdue
            let november = ReportingPeriod.calendarMonth(year: 2026, month: 11)
            clock.set("2026-11-26", 9)
            let before = try await store.statistics(november, groupBy: .agency, agency: nil).total
            #expect(before.inProgress == 2 && before.inProgressWithinDeadline == 2)  // judged on 26/11, not at 30/11
            clock.set("2026-12-01", 9)
            let closed = try await store.statistics(november, groupBy: .agency, agency: nil).total
            #expect(closed.inProgressWithinDeadline == 1 && closed.inProgressOverdue == 1)
            // December: two supplement requests on one, the other's deadline extended, then both finished.
            for note in ["Thiếu bản vẽ", "Vẫn thiếu"] {
                _ = try await store.perform(.requestSupplement, on: within, input: ActionInput(note: note), by: leader, requestID: nil)
                clock.advance(3_600)
                _ = try await store.perform(.supplement, on: within, input: ActionInput(), by: counter, requestID: nil)
            }
            _ = try await store.perform(
                .extendDeadline,
                on: overdue,
                input: ActionInput(note: "Cần xác minh", newDueDate: "2026-12-15"),
                by: leader,
                requestID: nil
            )
            clock.set("2026-12-02", 9)
            _ = try await store.perform(.approve, on: overdue, input: ActionInput(), by: leader, requestID: nil)
            let december = try await store.statistics(ReportingPeriod.calendarMonth(year: 2026, month: 12), groupBy: .agency, agency: nil).total
            #expect(december.carriedOver == 2 && december.processedBeforeDeadline == 1 && december.inProgressOverdue == 1)  // two requests: overdue
            clock.set("2027-03-01", 9)
            #expect(try await store.statistics(november, groupBy: .agency, agency: nil).total == closed)
        }
    }

    /// An inter-agency dossier is in the form 06 of each agency that worked on it, judged by
    /// that agency's own step deadline; the province total counts it once; the service centre's
    /// form II.06a holds the dossiers it received.
    @Test func everyAgencyCountsItsOwnPartAndTheCentreWhatItReceived() async throws {
        let clock = TestClock("2026-11-02", 9)
        try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
            let store = platform.dossiers
            func staff(_ name: String, _ role: Role, _ agency: String) async throws -> Principal {
                try await platform.accounts.createStaff(
                    NewStaffAccount(username: name, password: "Mat khau 2026", fullName: name, roles: [role], agencyIdentifier: agency),
                    by: .system(),
                    requestID: nil
                ).principal
            }
            let (commune, land, centre) = ("000.46.50.H19", "000.00.06.H19", "000.00.15.H19")
            let communeCounter = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
            let centreCounter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let communeOfficer = try await staff("cv.bienhoa", .processingOfficer, commune)
            let landLeader = try await staff("ld.dat", .leader, land)
            let buildingLeader = try await staff("ld.xaydung", .leader, "000.00.05.H19")
            let person = Applicant(fullName: "Lê Văn Thống", phone: "0912345678")
            // Land transfer: one working day at the commune (due 03/11), then eight at the land office.
            let transfer = try await store.create(
                NewDossier(procedureCode: "1.004227", agencyIdentifier: commune, applicant: person),
                by: communeCounter,
                requestID: nil
            ).code
            _ = try await store.perform(.assign, on: transfer, input: ActionInput(assignee: "cv.bienhoa"), by: communeCounter, requestID: nil)
            clock.set("2026-11-04", 10)
            // late for its own step
            _ = try await store.perform(.forward, on: transfer, input: ActionInput(note: "Đã kiểm tra"), by: communeOfficer, requestID: nil)
            clock.set("2026-11-06", 9)
            // well before the land office's deadline
            _ = try await store.perform(.approve, on: transfer, input: ActionInput(), by: landLeader, requestID: nil)
            // A building permit extension received at the provincial service centre for the Department of Construction.
            let permit = try await store.create(
                NewDossier(procedureCode: "1.009990", agencyIdentifier: nil, applicant: person),
                by: centreCounter,
                requestID: nil
            ).code
            _ = try await store.perform(
                .assign,
                on: permit,
                input: ActionInput(assignee: buildingLeader.username),
                by: buildingLeader,
                requestID: nil
            )
            clock.set("2026-12-01", 9)
            let november = ReportingPeriod.calendarMonth(year: 2026, month: 11)
            let atCommune = try await store.statistics(november, groupBy: .agency, agency: commune).total
            #expect(atCommune.received == 1 && atCommune.processed == 1 && atCommune.processedLate == 1)
            let atLand = try await store.statistics(november, groupBy: .agency, agency: land).total
            #expect(atLand.received == 1 && atLand.processedBeforeDeadline == 1)
            let province = try await store.statistics(november, groupBy: .agency, agency: nil)
            #expect(province.rows.map(\.key) == ["000.00.05.H19", land, commune])
            #expect(province.total.received == 2 && province.total.processed == 1 && province.total.inProgress == 1)  // each dossier once
            #expect(province.total.processedBeforeDeadline == 1)  // the whole dossier was on time
            let byField = try await store.statistics(november, groupBy: .field, agency: nil)
            #expect(byField.total.received == 2 && byField.rows.reduce(0) { $0 + $1.received } == 2)
            let form = try await store.statistics(november, groupBy: .field, agency: centre, form: .serviceCentre)
            #expect(form.rows.map(\.key) == ["XD"] && form.total.received == 1 && form.total.inProgressOverdue == 1)
            #expect(try await store.statistics(november, groupBy: .field, agency: centre).total.received == 0)  // the centre processes nothing itself
        }
    }

    /// The generated data set has the lives a province has (inter-agency steps, one and two
    /// supplement requests, extensions, withdrawals before and after receipt, refusals without
    /// receipt, service-centre receipts, nothing after now), every row of every period adds up,
    /// and the rules recomputed from its raw history give the SQL's numbers in every cell.
    @Test func theGeneratedDataSetAddsUpAndMatchesTheRules() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await ScaleSeed(platform: platform, scale: .tiny, report: { _ in }).run()
            let now = platform.clock.millis()
            func count(_ sql: String) async throws -> Int {
                try await platform.database.read { db in try await db.raw(SQLQueryString(sql)).first()?.decode(column: "n", as: Int.self) ?? -1 }
            }
            #expect(try await count("SELECT COUNT(*) AS n FROM dossier_events WHERE at > \(now)") == 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE received_at > \(now) OR end_at > \(now) OR returned_at > \(now)") == 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE status = 'refused' AND received_at IS NOT NULL") == 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE status = 'refused'") > 0)
            #expect(
                try await count("SELECT COUNT(*) AS n FROM (SELECT dossier_id FROM dossier_steps GROUP BY dossier_id HAVING COUNT(*) > 1) x") > 100
            )
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE supplement_count = 1") > 100)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE supplement_count >= 2") > 100)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE extension_count > 0") > 100)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE status = 'withdrawn' AND received_at IS NULL") > 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE status = 'withdrawn' AND received_at IS NOT NULL") > 0)
            #expect(try await count("SELECT COUNT(*) AS n FROM dossiers WHERE receiving_agency = '000.00.15.H19'") > 1_000)
            // The raw history, read as an auditor would, and the rules applied to it.
            let histories = try await Self.histories(platform.database)
            let today = VietnamTime.today(platform.clock.now())
            var periods = (1...6).map { back -> ReportingPeriod in
                let month = (today.month - back + 11) % 12 + 1
                return .calendarMonth(year: today.year - (today.month - back < 1 ? 1 : 0), month: month)
            }
            periods.append(.calendarMonth(year: today.year, month: today.month))  // not over yet
            for period in periods {
                for grouping in [StatisticsGrouping.agency, .field] {
                    let (rows, total) = try await platform.dossiers.statistics(period, groupBy: grouping, agency: nil)
                    for row in rows + [total] {
                        #expect(
                            row.total == row.received + row.carriedOver && row.total == row.processed + row.inProgress,
                            "\(period.from) \(row.key)"
                        )
                        #expect(row.processed == row.processedBeforeDeadline + row.processedOnDeadline + row.processedLate)
                        #expect(row.inProgress == row.inProgressWithinDeadline + row.inProgressOverdue)
                    }
                }
                let (from, to) = period.bounds
                var expected: [String: [Int]] = [:]
                for (field, history) in histories {
                    guard let cell = StatisticsRules.classify(history, from: from, to: to, now: now) else { continue }
                    var counts = expected[field] ?? Array(repeating: 0, count: 8)
                    counts[PeriodIntake.allCases.firstIndex(of: cell.intake)!] += 1
                    counts[3 + PeriodTiming.allCases.firstIndex(of: cell.timing)!] += 1
                    expected[field] = counts
                }
                let byField = try await platform.dossiers.statistics(period, groupBy: .field, agency: nil).rows
                let fromSQL = Dictionary(
                    uniqueKeysWithValues: byField.map { r in
                        (
                            r.key,
                            [
                                r.receivedOnline, r.receivedDirect, r.carriedOver, r.processedBeforeDeadline, r.processedOnDeadline, r.processedLate,
                                r.inProgressWithinDeadline, r.inProgressOverdue,
                            ]
                        )
                    }.filter { $0.1.contains { $0 > 0 } }
                )
                #expect(fromSQL == expected, "\(period.from)…\(period.to)")
            }
        }
    }

    /// Every dossier's history with its field, straight from the tables.
    static func histories(_ database: Database) async throws -> [(String, DossierHistory)] {
        try await database.read { db in
            var events: [Int64: [DossierHistory.Event]] = [:]
            for row in try await db.select().columns("dossier_id", "action", "to_status", "at", "due_at").from("dossier_events").orderBy("dossier_id")
                .orderBy("at").orderBy("id").all()
            {
                events[try row.decode(column: "dossier_id", as: Int64.self), default: []].append(
                    DossierHistory.Event(
                        action: try row.decode(column: "action", as: String.self),
                        toStatus: DossierStatus(rawValue: try row.decode(column: "to_status", as: String.self))!,
                        at: try row.decode(column: "at", as: Int64.self),
                        dueAt: try row.decode(column: "due_at", as: Int64?.self)
                    )
                )
            }
            return try await db.select().columns("id", "field_code", "status", "channel", "received_at", "end_at", "due_at").from("dossiers").all()
                .map { row in
                    let id = try row.decode(column: "id", as: Int64.self)
                    return (
                        try row.decode(column: "field_code", as: String?.self) ?? "",
                        DossierHistory(
                            status: DossierStatus(rawValue: try row.decode(column: "status", as: String.self))!,
                            channel: try row.decode(column: "channel", as: Int.self),
                            receivedAt: try row.decode(column: "received_at", as: Int64?.self),
                            endAt: try row.decode(column: "end_at", as: Int64?.self),
                            dueAt: try row.decode(column: "due_at", as: Int64?.self),
                            events: events[id] ?? []
                        )
                    )
                }
        }
    }

    @Test func periods() throws {
        let month = ReportingPeriod.decree09Month(year: 2026, month: 1)
        #expect(month.from == LocalDate(iso: "2025-12-15") && month.to == LocalDate(iso: "2026-01-14"))
        #expect(ReportingPeriod.calendarMonth(year: 2028, month: 2).to == LocalDate(iso: "2028-02-29"))
        #expect(throws: ValidationError.self) { try ReportingPeriod(from: LocalDate(iso: "2026-03-02")!, to: LocalDate(iso: "2026-03-01")!) }
    }
}

@Suite struct StatisticsHTTPTests {
    @Test func leadersSeeTheirScopeAsJSONCSVAndChart() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let counter = try await client.token("motcua.ttpvhcc")
            let created = try await client.json(
                "/api/v1/dossiers",
                method: .post,
                token: counter,
                body: #"{"procedureCode":"2.000488","applicant":{"fullName":"Phan Văn Số","phone":"0912345678"}}"#
            )
            #expect(created.status == .created)
            let province = try await client.token("lanhdao.ubnd")
            let all = try await client.json("/api/v1/statistics/dossiers?groupBy=agency", token: province)
            #expect(all.status == .ok)
            #expect((all.object?["total"] as? [String: Any])?["receivedDirect"] as? Int == 1)
            #expect(((all.object?["rows"] as? [[String: Any]])?.first)?["name"] as? String == "Sở Tư pháp")
            let department = try await client.token("lanhdao.nnmt")
            let own = try await client.json("/api/v1/statistics/dossiers", token: department)
            #expect(own.object?["agency"] as? String == "000.00.06.H19" && (own.object?["total"] as? [String: Any])?["total"] as? Int == 0)
            #expect(try await client.json("/api/v1/statistics/dossiers?agency=000.00.04.H19", token: department).status == .forbidden)
            // The service centre's form II.06a: what it received, by field; a department may not read it.
            let centre = try await client.json("/api/v1/statistics/dossiers?form=II.06a", token: province)
            #expect(
                centre.object?["form"] as? String == "II.06a" && centre.object?["agency"] as? String == "000.00.15.H19"
                    && centre.object?["groupBy"] as? String == "field"
            )
            #expect((centre.object?["total"] as? [String: Any])?["receivedDirect"] as? Int == 1)
            #expect(try await client.json("/api/v1/statistics/dossiers?form=II.06a", token: department).status == .forbidden)
            #expect(try await client.json("/api/v1/statistics/dossiers?form=07", token: province).status == .unprocessableContent)
            #expect(try await client.json("/api/v1/statistics/dossiers", token: counter).status == .forbidden)
            #expect(try await client.json("/api/v1/statistics/dossiers?from=2026-13-01", token: province).status == .unprocessableContent)
            let csv = try await client.json("/api/v1/statistics/dossiers?format=csv&groupBy=field", token: province)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(
                csv.text.hasPrefix(
                    "\u{FEFF}STT,Ma,Ten,TongSo,TiepNhanTrucTuyen,TiepNhanTrucTiep,KyTruocChuyenSang,DaXuLy,DaXuLyTruocHan,DaXuLyDungHan,DaXuLyQuaHan,DangXuLy,DangXuLyTrongHan,DangXuLyQuaHan"
                )
            )
            #expect(csv.text.contains("Lý lịch tư pháp"))
            var leader = try await PageSession.signIn(client, username: "lanhdao.ubnd")
            let page = try await leader.get("/statistics")
            #expect(page.status == .ok && page.text.contains("<svg") && page.text.contains("Sở Tư pháp") && !page.text.contains("<script"))
        }
    }
}
