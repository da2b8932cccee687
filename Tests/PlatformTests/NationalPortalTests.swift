import Core
import Delivery
import Dossiers
import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import Server
import Testing

/// The national portal sync against `FakeNationalPortal` (the references' protocol: login,
/// sessions that expire, one endpoint, `error_code` answers), compared with fixtures written
/// from the references.
@Suite struct NationalPortalTests {
    /// The references' field names, kinds and status sequence (Fixtures/national-portal-records.json).
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/national-portal-records.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }()

    /// A worker delivering the platform's portal messages to `portal` at `url`.
    static func worker(_ platform: Platform, _ portal: FakeNationalPortal, _ url: String, attempts: Int = 50) async throws -> OutboxWorker {
        let client = NationalPortalClient(
            config: NationalPortalConfig(
                endpointURL: url + "/integration",
                authURL: url + "/auth",
                username: portal.username,
                password: portal.password,
                unitCode: portal.unitCode
            )
        )
        let links = try await platform.fileLinks()
        let dossiers = platform.dossiers
        return OutboxWorker(
            database: platform.database,
            topic: NationalPortalClient.topic,
            backoff: .init(base: 0.02, cap: 0.05, maxAttempts: attempts),
            logger: TestEnvironment.logger
        ) { message in
            try await client.deliver(try await dossiers.nationalRequest(for: message.payload, links: links))
        }
    }

    /// Delivers until nothing portal-bound is pending (or a few seconds pass).
    static func drain(_ worker: OutboxWorker, _ platform: Platform) async throws {
        for _ in 0..<200 {
            try await worker.deliverDue()
            if try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .pending, page: PageRequest()).items.isEmpty {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Every problem of a value against its kind in the fixture (empty when it matches).
    static func mismatches(_ value: Any, _ kind: Any, at path: String) -> [String] {
        switch kind {
        case let fields as [String: Any]:
            guard let items = value as? [[String: Any]] ?? (value as? [String: Any]).map({ [$0] }) else { return ["\(path): not a list of objects"] }
            return items.flatMap { item -> [String] in
                var problems = Set(item.keys) == Set(fields.keys) ? [] : ["\(path): fields \(item.keys.sorted()) ≠ \(fields.keys.sorted())"]
                for (name, kind) in fields { problems += mismatches(item[name] as Any, kind, at: "\(path).\(name)") }
                return problems
            }
        case is [Any]:
            return (value as? [Any])?.isEmpty == true ? [] : ["\(path): expected []"]
        case let kind as String:
            guard let text = value as? String else { return ["\(path): \(type(of: value)) is not a string"] }
            let patterns = [
                "digits": "^[0-9]+$", "date": "^([0-9]{14})?$", "bool": "^(True|False)$", "url": "^https?://", "month": "^(1[0-2]|[1-9])-[0-9]{4}$",
                "percent": "^[0-9]{1,3}\\.[0-9]{2}$",
            ]
            guard let pattern = patterns[kind] else { return [] }
            return text.range(of: pattern, options: .regularExpression) == nil ? ["\(path): \"\(text)\" is not \(kind)"] : []
        default:
            return ["\(path): unknown kind"]
        }
    }

    /// The envelope and records of a call, checked against the fixture.
    static func check(_ call: FakeNationalPortal.Call) -> [String] {
        let body = (try? JSONSerialization.jsonObject(with: call.body)) as? [String: Any] ?? [:]
        let envelope = (fixture["envelope"] as? [String: [String]])?[call.service] ?? []
        var problems = Set(body.keys) == Set(envelope) ? [] : ["\(call.service) envelope \(body.keys.sorted()) ≠ \(envelope)"]
        let records = (fixture["records"] as? [String: Any])?[call.service] ?? [:]
        problems += mismatches(body["data"] as Any, records, at: call.service)
        return problems
    }

    static let applicant = Applicant(fullName: "Nguyễn Thị Dân", phone: "0912345678", email: "dan@example.vn", citizenId: "075190000123")

    static func staff(_ platform: Platform, _ username: String, _ fullName: String, _ role: Role, _ agency: String) async throws -> Principal {
        try await platform.accounts.createStaff(
            NewStaffAccount(username: username, password: "Mat khau 2026", fullName: fullName, roles: [role], agencyIdentifier: agency),
            by: .system(),
            requestID: nil
        ).principal
    }

    @Test func aDossiersWholeLifeArrivesAsTheReferencesSendIt() async throws {
        let clock = TestClock("2026-02-13", 16)
        let portal = FakeNationalPortal()
        try await withLocalServer(portal.router()) { url in
            try await TestEnvironment.withPlatform(clock: clock.wallClock) { platform in
                let dossiers = platform.dossiers
                let counter = try #require(try await platform.accounts.account(username: "motcua.bienhoa")).principal
                let commune = try await Self.staff(platform, "cv.bienhoa", "Lê Văn Xã", .processingOfficer, "000.46.50.H19")
                let land = try await Self.staff(platform, "cv.dat", "Phạm Thị Đất", .processingOfficer, "000.00.06.H19")
                let leader = try await Self.staff(platform, "ld.dat", "Trần Văn Lãnh", .leader, "000.00.06.H19")
                let citizen = try #require(try await platform.accounts.account(username: DemoData.citizen.phone)).principal
                let code = try await dossiers.create(
                    NewDossier(procedureCode: "1.004227", agencyIdentifier: "000.46.50.H19", applicant: Self.applicant),
                    attachments: try await requiredFiles(platform, "1.004227"),
                    by: citizen,
                    requestID: nil
                ).code
                let worker = try await Self.worker(platform, portal, url)
                // Each change is synced as it happens (the worker runs between them).
                func step(_ action: DossierAction, _ by: Principal, _ input: ActionInput = ActionInput(), after seconds: TimeInterval = 3_617)
                    async throws
                {
                    try await Self.drain(worker, platform)
                    clock.advance(seconds)  // an hour and 17 seconds later by default: real seconds in every date
                    _ = try await dossiers.perform(action, on: code, input: input, by: by, requestID: nil)
                }
                _ = try await dossiers.attach(
                    DossierStoreTests.pdf,
                    fileName: "hop-dong.pdf",
                    documentName: "Hợp đồng chuyển nhượng",
                    kind: .submission,
                    to: code,
                    by: citizen,
                    requestID: nil
                )
                try await step(.receive, counter)
                try await step(.assign, counter, ActionInput(assignee: "cv.bienhoa"))
                try await step(.forward, commune, ActionInput(note: "Đã kiểm tra"))
                try await step(.requestSupplement, land, ActionInput(note: "Thiếu tờ khai lệ phí trước bạ"))
                _ = try await dossiers.attach(
                    DossierStoreTests.pdf,
                    fileName: "to-khai.pdf",
                    documentName: "Tờ khai",
                    kind: .supplement,
                    to: code,
                    by: citizen,
                    requestID: nil
                )
                try await step(.supplement, citizen, ActionInput(note: "Đã bổ sung"), after: 12 * 86_400 + 17)  // after Tết: working days paused
                try await step(.forward, land)
                try await step(.approve, leader)
                _ = try await dossiers.attach(
                    DossierStoreTests.pdf,
                    fileName: "giay-chung-nhan.pdf",
                    documentName: "Giấy chứng nhận",
                    kind: .result,
                    to: code,
                    by: land,
                    requestID: nil
                )
                try await step(.recordResult, land)
                try await step(.returnResult, counter)
                try await Self.drain(worker, platform)
                _ = try await dossiers.rate(code, rating: .verySatisfied, comment: "Nhanh, đúng hẹn", by: citizen, requestID: nil)
                // The month after, its rating summary is queued (once, however often asked).
                clock.set("2026-03-02", 8)
                #expect(try await dossiers.queueRatingSummaries() == 1)
                _ = try await dossiers.queueRatingSummaries()
                try await Self.drain(worker, platform)
                let calls = await portal.calls
                // Everything accepted, each record after its predecessor, the progress step after its record.
                #expect(calls.allSatisfy { $0.errorCode == 0 }, "\(calls.map { "\($0.service) \($0.errorCode)" })")
                #expect(
                    calls.map(\.service) == Array(repeating: ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"], count: 10).flatMap { $0 } + ["DongBoDanhGia"]
                )
                for call in calls { #expect(Self.check(call).isEmpty, "\(Self.check(call))") }
                let syncs = calls.filter { $0.service == "DongBoHoSoMC" }
                #expect(syncs.map(\.isUpdating) == ["False"] + Array(repeating: "True", count: 9))
                var sequence: [String] = []
                for status in syncs.compactMap({ $0.records.first?["TrangThaiHoSo"] as? String }) where sequence.last != status {
                    sequence.append(status)
                }
                #expect(sequence == Self.fixture["statusSequence"] as? [String])
                // The last record as it stood: agency by name, files with links, the supplement in full, fees as items.
                let last = try #require(syncs.last?.records.first)
                let landOffice = try await platform.directory.agency("000.00.06.H19")?.name
                #expect(landOffice != nil && last["DonViXuLy"] as? String == landOffice)
                #expect((last["TaiLieuNop"] as? [[String: Any]])?.count == 6 && (last["DanhSachGiayToKetQua"] as? [[String: Any]])?.count == 1)
                let supplement = try #require((last["DanhSachHoSoBoSung"] as? [[String: Any]])?.first)
                #expect(
                    supplement["NguoiYeuCauBoSung"] as? String == "Phạm Thị Đất"
                        && supplement["NguoiTiepNhanBoSung"] as? String == Self.applicant.fullName
                )
                #expect(supplement["TrangThaiBoSung"] as? String == "1" && (supplement["DanhSachGiayToBoSung"] as? [[String: Any]])?.count == 1)
                #expect((supplement["NgayHenTraTruoc"] as? String ?? "") < (supplement["NgayHenTraMoi"] as? String ?? ""), "\(supplement)")
                #expect((last["DanhSachLePhi"] as? [[String: Any]])?.first?["Gia"] as? String == "50000")
                // Progress: officers by full name, the applicant's own step by name (no phone, ID or login), the step's own deadline.
                let progress = calls.filter { $0.service == "CapNhatTienDoHoSoMC" }.compactMap(\.records.first)
                let handlers = progress.compactMap { $0["NguoiXuLy"] as? String }
                #expect(handlers.contains("Lê Văn Xã") && handlers.contains("Phạm Thị Đất") && handlers.contains("Trần Văn Lãnh"))
                #expect(
                    !handlers.contains { ["0912345678", "075190000123", "cv.dat", "motcua.bienhoa", DemoData.citizen.phone].contains($0) },
                    "\(handlers)"
                )
                #expect(handlers[5] == Self.applicant.fullName)
                let forwarded = progress[3]  // into the land office's 6-day step
                #expect(
                    forwarded["NgayKetThucTheoQuyDinh"] as? String != last["NgayHenTra"] as? String
                        && forwarded["NgayBatDau"] as? String == forwarded["ThoiDiemXuLy"] as? String
                )
                #expect(progress.contains { ($0["ThoiDiemXuLy"] as? String)?.hasSuffix("00") == false }, "dates carry their seconds")
                // The month's ratings, summarised per unit and procedure.
                let rating = try #require(calls.last { $0.service == "DongBoDanhGia" }?.records.first)
                #expect(
                    rating["NgayTongHop"] as? String == "2-2026" && rating["TongSoNguoiDanhGia"] as? String == "1"
                        && rating["TyLeRatHaiLong"] as? String == "100.00"
                )
                #expect(rating["MaThuTuc"] as? String == "1.004227" && rating["NoiDungDanhGia"] as? String == "Nhanh, đúng hẹn")
                #expect(await portal.logins == 1)
            }
        }
    }

    @Test func anExpiredSessionLogsInAgainAndAnExistingDossierBecomesAnUpdate() async throws {
        let portal = FakeNationalPortal()
        try await withLocalServer(portal.router()) { url in
            try await TestEnvironment.withPlatform { platform in
                let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
                let worker = try await Self.worker(platform, portal, url)
                let dossier = try await platform.dossiers.create(
                    NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Self.applicant),
                    by: counter,
                    requestID: nil
                )
                // The portal already has this dossier (sent by an earlier system): "already exists" turns into an update.
                await portal.knows(dossier: dossier.code)
                try await Self.drain(worker, platform)
                var calls = await portal.calls
                #expect(
                    calls.map { "\($0.service) \($0.isUpdating ?? "-") \($0.errorCode)" }
                        == ["DongBoHoSoMC False -3", "DongBoHoSoMC True 0", "CapNhatTienDoHoSoMC - 0"]
                )
                // The session expires mid-run: the next delivery logs in again, nothing is lost.
                await portal.expireSessions()
                let officer = try await Self.staff(platform, "ld.tuphap", "Lãnh đạo Sở Tư pháp", .leader, "000.00.04.H19")
                _ = try await platform.dossiers.perform(
                    .assign,
                    on: dossier.code,
                    input: ActionInput(assignee: "ld.tuphap"),
                    by: officer,
                    requestID: nil
                )
                try await Self.drain(worker, platform)
                calls = await portal.calls
                #expect(await portal.logins == 2)
                #expect(calls.suffix(3).map { "\($0.service) \($0.errorCode)" } == ["DongBoHoSoMC -2", "DongBoHoSoMC 0", "CapNhatTienDoHoSoMC 0"])
                #expect(
                    try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .delivered, page: PageRequest()).items.count
                        == 4
                )
            }
        }
    }

    @Test func aRejectedDossierHoldsBackOnlyItsOwnRecords() async throws {
        let portal = FakeNationalPortal()
        try await withLocalServer(portal.router()) { url in
            try await TestEnvironment.withPlatform { platform in
                let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
                let bad = try await platform.dossiers.create(
                    NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Self.applicant),
                    by: counter,
                    requestID: nil
                )
                await portal.reject(dossier: bad.code)
                let worker = try await Self.worker(platform, portal, url, attempts: 1_000)
                try await worker.deliverDue()  // the bad dossier's first record fails and is rescheduled
                let started = ContinuousClock.now
                let good = try await platform.dossiers.create(
                    NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Self.applicant),
                    by: counter,
                    requestID: nil
                )
                var waited: Duration?
                for _ in 0..<100 {
                    try await worker.deliverDue()
                    if await portal.accepted("CapNhatTienDoHoSoMC").contains(where: { $0.records.first?["MaHoSo"] as? String == good.code }) {
                        waited = ContinuousClock.now - started
                        break
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                let delay = try #require(waited, "the good dossier never arrived while the bad one kept failing")
                print("national portal: a good dossier's two records arrived \(delay) after it was created, beside a rejected one")
                // Meanwhile the bad dossier's first record was still being retried, not yet given up.
                let retried = try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .pending, page: PageRequest()).items
                #expect(retried.contains { $0.orderingKey == bad.code && $0.attempts >= 1 })
                try await Self.drain(try await Self.worker(platform, portal, url, attempts: 3), platform)
                // The bad dossier's record is parked with its reason; its progress step waits behind it.
                let parked = try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .failed, page: PageRequest()).items
                #expect(parked.count == 1 && parked.first?.dedupeKey.hasPrefix(bad.code) == true && parked.first?.lastError?.contains("-5") == true)
                let waiting = try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .pending, page: PageRequest()).items
                #expect(waiting.map(\.orderingKey) == [bad.code] && waiting.first?.attempts == 0)
            }
        }
    }

    @Test func fileLinksDownloadWithoutASessionUntilTheyExpire() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
            let pdf = Data("%PDF-1.4\nPhiếu lý lịch\n%%EOF\n".utf8)
            let dossier = try await platform.dossiers.create(
                NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Self.applicant),
                by: counter,
                requestID: nil
            )
            let file = try await platform.dossiers.attach(
                pdf,
                fileName: "to-khai.pdf",
                documentName: "Tờ khai",
                kind: .submission,
                to: dossier.code,
                by: counter,
                requestID: nil
            )
            let request = try await platform.dossiers.nationalRequest(
                for: #"{"kind":"sync","dossier":"\#(dossier.code)"}"#,
                links: try await platform.fileLinks()
            )
            let record = try #require((try JSONSerialization.jsonObject(with: request.data) as? [[String: Any]])?.first)
            let link = try #require((record["TaiLieuNop"] as? [[String: Any]])?.first?["DuongDanTaiTepTin"] as? String)
            let url = try #require(URLComponents(string: link))
            #expect(url.path == "\(SignedFileLinks.path)/\(file.id)")
            let target = url.path + "?" + (url.query ?? "")
            let downloaded = try await client.execute(uri: target, method: .get)
            #expect(downloaded.status == .ok && Data(buffer: downloaded.body) == pdf)
            // Changed, it is refused; signed for another file, too.
            #expect(
                try await client.execute(uri: target.replacingOccurrences(of: "signature=", with: "signature=0"), method: .get).status == .forbidden
            )
            #expect(
                try await client.execute(uri: target.replacingOccurrences(of: "/\(file.id)?", with: "/\(file.id + 1)?"), method: .get).status
                    == .forbidden
            )
            // A link made 31 days ago (same key) has expired.
            let secret = try await TokenService.storedSecret(database: platform.database, name: "file-links", clock: .system)
            let old = SignedFileLinks(
                secret: secret,
                baseURL: "http://x",
                lifetime: 30 * 86_400,
                clock: WallClock { Date().addingTimeInterval(-31 * 86_400) }
            )
            let expired = try #require(URLComponents(string: old.url(forFile: file.id)))
            let answer = try await client.execute(uri: expired.path + "?" + (expired.query ?? ""), method: .get)
            #expect(answer.status == .forbidden && String(buffer: answer.body).contains("expired"))
        }
    }

    @Test func nationalDatesAreVietnamTimeWithSeconds() {
        let instant = VietnamTime.instant(LocalDateTime(date: LocalDate(iso: "2021-07-08")!, time: LocalTime(hour: 9, minute: 5))).addingTimeInterval(
            42
        )
        #expect(NationalRecord.date(instant.epochMillis) == "20210708090542")
        #expect(NationalRecord.date(nil) == "")
        #expect(NationalRecord.month(LocalDate(iso: "2026-03-01")!) == "3-2026")
    }
}

@Suite struct OutboxAdminTests {
    @Test func adminsSeeAndRetryParkedMessages() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let counter = try await client.token("motcua.ttpvhcc")
            _ = try await client.json(
                "/api/v1/dossiers",
                method: .post,
                token: counter,
                body: #"{"procedureCode":"2.000488","applicant":{"fullName":"A","phone":"0912345678"}}"#
            )
            // A worker that always fails parks the dossier's first message; its second waits behind it.
            let worker = OutboxWorker(
                database: platform.database,
                topic: "national-portal",
                backoff: .init(base: 0, cap: 0, maxAttempts: 1),
                logger: TestEnvironment.logger
            ) { _ in throw CancellationError() }
            try await worker.deliverDue()
            try await worker.deliverDue()
            let admin = try await client.token("admin")
            let failed = try await client.json("/api/v1/outbox?status=failed", token: admin)
            let items = failed.object?["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1)
            let id = try #require(items.first?["id"] as? Int)
            #expect(try await client.json("/api/v1/outbox/\(id)/retry", method: .post, token: admin).status == .noContent)
            #expect(try await client.json("/api/v1/outbox/\(id)/retry", method: .post, token: counter).status == .forbidden)
            let pending = try await Outbox.list(platform.database, topic: "national-portal", status: .pending, page: PageRequest())
            #expect(pending.items.map(\.id).contains(Int64(id)) && pending.items.count == 2)
            var page = try await PageSession.signIn(client, username: "admin")
            let html = try await page.get("/admin/outbox")
            #expect(
                html.status == .ok && html.text.contains("Đồng bộ Cổng Dịch vụ công quốc gia") && html.text.contains("Đang chờ gửi")
                    && html.text.contains("/admin/outbox/")
            )
        }
    }
}
