import Core
import Delivery
import Dossiers
import Foundation
import Hummingbird
import Identity
import Logging
import NIOCore
import Server
import ServiceLifecycle
import Testing

/// A local stand-in for the National Public Service Portal: same protocol (JSON POST per
/// service with a session token), records what it accepts, and can be "down" (HTTP 503).
actor FakeNationalPortal {
    struct Received: Sendable {
        let service: String
        let key: String
        let body: [String: any Sendable]
    }

    var down = false
    private(set) var received: [Received] = []
    var port = 0

    func setDown(_ value: Bool) { down = value }

    func accept(service: String, key: String, body: [String: any Sendable]) -> Bool {
        if down { return false }
        received.append(Received(service: service, key: key, body: body))
        return true
    }

    /// Runs the portal for the duration of `body`.
    static func run(_ body: @Sendable (FakeNationalPortal, String) async throws -> Void) async throws {
        let portal = FakeNationalPortal()
        let router = Router()
        router.post("/:service") { request, context -> Response in
            let service = context.parameters.get("service") ?? ""
            let data = try await request.body.collect(upTo: 1 << 22)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
            guard json["session"] as? String == "token-dongnai" else {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"error_code":"401","message":"bad session"}"#)))
            }
            let sendable = json.mapValues { "\($0)" as any Sendable }
            guard await portal.accept(service: service, key: request.headers[.init("Idempotency-Key")!] ?? "", body: sendable) else {
                return Response(status: .serviceUnavailable)
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"error_code":0,"message":"OK"}"#)))
        }
        try await withLocalServer(router) { url in try await body(portal, url) }
    }
}

@Suite struct NationalPortalTests {
    @Test func everyChangeArrivesOnceInOrderEvenAfterDowntime() async throws {
        try await FakeNationalPortal.run { portal, url in
            try await TestEnvironment.withPlatform { platform in
                let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
                let applicant = Applicant(fullName: "Trần Văn Đồng", phone: "0912345678", email: "dong@example.vn")
                let dossier = try await platform.dossiers.create(NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: applicant), by: counter, requestID: nil)
                let client = NationalPortalClient(config: NationalPortalConfig(baseURL: url, sessionToken: "token-dongnai"))
                let worker = OutboxWorker(database: platform.database, topic: NationalPortalClient.topic,
                                          backoff: .init(base: 0.05, cap: 0.2, maxAttempts: 50), logger: TestEnvironment.logger) { try await client.deliver($0) }
                // The portal is down: nothing is delivered, the message is rescheduled.
                await portal.setDown(true)
                #expect(try await worker.deliverDue() == 0)
                let waiting = try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .pending, page: PageRequest())
                #expect(waiting.items.count == 2 && waiting.items.last?.attempts == 1 && waiting.items.last?.lastError == "HTTP 503")
                // More changes happen meanwhile.
                let officer = try await platform.accounts.createStaff(NewStaffAccount(username: "ld.tuphap", password: "Mat khau 2026", fullName: "Lãnh đạo Sở Tư pháp",
                                                                                      roles: [.leader], agencyIdentifier: "000.00.04.H19"), by: .system(), requestID: nil)
                _ = try await platform.dossiers.perform(.assign, on: dossier.code, input: ActionInput(assignee: "ld.tuphap"), by: officer.principal, requestID: nil)
                _ = try await platform.dossiers.perform(.requestSupplement, on: dossier.code, input: ActionInput(note: "Thiếu ảnh 4x6"), by: officer.principal, requestID: nil)
                // The portal comes back: the worker retries until everything is through.
                await portal.setDown(false)
                for _ in 0..<100 {
                    try await worker.deliverDue()
                    if try await Outbox.list(platform.database, topic: NationalPortalClient.topic, status: .pending, page: PageRequest()).items.isEmpty { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let received = await portal.received
                #expect(received.count == 6)
                #expect(Set(received.map(\.key)).count == 6, "a message arrived twice")
                #expect(received.map(\.service) == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC", "DongBoHoSoMC", "CapNhatTienDoHoSoMC", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"])
                let first = try #require(received.first)
                #expect(first.body["isUpdating"] as? String == "0")
                let data = "\(first.body["data"] ?? "")"
                for field in ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong", "ChuHoSo", "SoDienThoai", "Email", "TrichYeuHoSo",
                              "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayKetThucXuLy", "NgayTra", "DonViXuLy", "TaiLieuNop", "DanhSachLePhi",
                              "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"] {
                    #expect(data.contains(field), "missing \(field)")
                }
                #expect(data.contains(dossier.code) && data.contains("Cấp Phiếu lý lịch tư pháp"))
                #expect("\(received[4].body["data"] ?? "")".contains("Thiếu ảnh 4x6"))
                // Running again sends nothing more.
                #expect(try await worker.deliverDue() == 0)
                #expect(await portal.received.count == 6)
            }
        }
    }

    @Test func nationalDatesAreVietnamTime() {
        let instant = VietnamTime.instant(LocalDateTime(date: LocalDate(iso: "2021-07-08")!, time: LocalTime(hour: 9, minute: 5)))
        #expect(NationalRecord.date(instant.epochMillis) == "20210708090500")
        #expect(NationalRecord.date(nil) == "")
    }
}

@Suite struct OutboxAdminTests {
    @Test func adminsSeeAndRetryFailedMessages() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let counter = try await client.token("motcua.ttpvhcc")
            _ = try await client.json("/api/v1/dossiers", method: .post, token: counter, body: #"{"procedureCode":"2.000488","applicant":{"fullName":"A","phone":"0912345678"}}"#)
            // A worker that always fails gives up after its attempts.
            let worker = OutboxWorker(database: platform.database, topic: "national-portal", backoff: .init(base: 0, cap: 0, maxAttempts: 1),
                                      logger: TestEnvironment.logger) { _ in throw CancellationError() }
            try await worker.deliverDue()
            let admin = try await client.token("admin")
            let failed = try await client.json("/api/v1/outbox?status=failed", token: admin)
            let items = failed.object?["items"] as? [[String: Any]] ?? []
            #expect(items.count == 2)
            let id = try #require(items.first?["id"] as? Int)
            #expect(try await client.json("/api/v1/outbox/\(id)/retry", method: .post, token: admin).status == .noContent)
            #expect(try await client.json("/api/v1/outbox/\(id)/retry", method: .post, token: counter).status == .forbidden)
            let pending = try await Outbox.list(platform.database, topic: "national-portal", status: .pending, page: PageRequest())
            #expect(pending.items.map(\.id) == [Int64(id)])
            var page = try await PageSession.signIn(client, username: "admin")
            let html = try await page.get("/admin/outbox")
            #expect(html.status == .ok && html.text.contains("national-portal") && html.text.contains("/admin/outbox/"))
        }
    }
}
