import Foundation
import Hummingbird
import NIOCore

/// A local National Public Service Portal adapter for demos and tests (`cqs fake-portal`),
/// behaving as the references' portal does (docs/national-portal.md): a login that issues a
/// session, sessions that expire, one integration endpoint for every service with the envelope
/// `{session, madonvi, service, isUpdating, data}`, and `error_code` answers — 0 accepted, -3
/// a new dossier it already has, others for a bad session, unit, type or order. It keeps every
/// call with its answer, and can be told to be down or to reject one dossier's records.
public actor FakeNationalPortal {
    /// One call of the integration endpoint as it arrived, and the answer given.
    public struct Call: Sendable {
        public let service: String
        /// The raw `isUpdating` value, nil when absent.
        public let isUpdating: String?
        /// The body as received (JSON).
        public let body: Data
        public let errorCode: Int
        public let at: Date

        /// The records of `data`.
        public var records: [[String: Any]] {
            ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["data"] as? [[String: Any]] ?? []
        }
    }

    public nonisolated let username: String
    public nonisolated let password: String
    public nonisolated let unitCode: String
    public nonisolated let dstcode: String?
    let sessionLifetime: Duration

    public private(set) var calls: [Call] = []
    public private(set) var logins = 0
    private var sessions: [String: ContinuousClock.Instant] = [:]
    private var dossiers: Set<String> = []
    private var rejected: Set<String> = []
    private var down = false

    public init(
        username: String = "dongnai",
        password: String = "matkhau-dvcqg",
        unitCode: String = "000.00.00.H19",
        dstcode: String? = nil,
        sessionLifetime: Duration = .seconds(600)
    ) {
        self.username = username
        self.password = password
        self.unitCode = unitCode
        self.dstcode = dstcode
        self.sessionLifetime = sessionLifetime
    }

    public func setDown(_ value: Bool) { down = value }
    /// Every record of this dossier is answered "invalid data" from now on.
    public func reject(dossier code: String) { rejected.insert(code) }
    /// The portal already has this dossier (a new record for it is answered -3).
    public func knows(dossier code: String) { dossiers.insert(code) }
    /// Ends every session now (as their lifetime would).
    public func expireSessions() { sessions.removeAll() }
    /// The calls of one service that were accepted.
    public func accepted(_ service: String) -> [Call] { calls.filter { $0.service == service && $0.errorCode == 0 } }

    func login(_ data: Data) -> Response {
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard body["username"] as? String == username, body["password"] as? String == password else {
            return Self.json(.ok, ["error_code": -1, "message": "Sai tên đăng nhập hoặc mật khẩu"])
        }
        logins += 1
        let session = UUID().uuidString
        sessions[session] = .now
        return Self.json(.ok, ["session": session, "error_code": 0, "message": "Thành công"])
    }

    /// The answer to one integration call (kept with the call).
    func integrate(_ data: Data, dstcode given: String?) -> Response {
        if down { return Self.json(.serviceUnavailable, [:]) }
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let service = body["service"] as? String ?? ""
        let (code, message) = answer(body, service: service, dstcode: given)
        calls.append(Call(service: service, isUpdating: body["isUpdating"].map { "\($0)" }, body: data, errorCode: code, at: Date()))
        return Self.json(.ok, ["error_code": code, "message": message])
    }

    func answer(_ body: [String: Any], service: String, dstcode given: String?) -> (Int, String) {
        if let dstcode, dstcode != given { return (-6, "Sai dstcode") }
        guard let session = body["session"] as? String, let started = sessions[session], ContinuousClock.now - started < sessionLifetime else {
            return (-2, "Session không hợp lệ hoặc đã hết hạn")
        }
        guard body["madonvi"] as? String == unitCode else { return (-7, "Sai mã đơn vị (madonvi)") }
        guard let records = body["data"] as? [[String: Any]], !records.isEmpty else { return (-4, "Thiếu data") }
        if let field = records.lazy.compactMap { Self.nonString($0) }.first { return (-4, "Sai kiểu dữ liệu: \(field) phải là chuỗi") }
        let codes = records.map { $0["MaHoSo"] as? String ?? "" }
        switch service {
        case "DongBoHoSoMC":
            guard let updating = body["isUpdating"] as? String, ["True", "False"].contains(updating) else {
                return (-4, "isUpdating phải là \"True\" hoặc \"False\"")
            }
            if codes.contains(where: { rejected.contains($0) }) { return (-5, "Dữ liệu hồ sơ không hợp lệ") }
            if updating == "False", codes.contains(where: { dossiers.contains($0) }) { return (-3, "Hồ sơ đã tồn tại") }
            dossiers.formUnion(codes)
        case "CapNhatTienDoHoSoMC":
            if codes.contains(where: { rejected.contains($0) }) { return (-5, "Dữ liệu tiến độ không hợp lệ") }
            guard codes.allSatisfy(dossiers.contains) else { return (-8, "Hồ sơ chưa được đồng bộ") }
        case "DongBoDanhGia":
            break
        default:
            return (-9, "Không có dịch vụ \(service)")
        }
        return (0, "Thành công")
    }

    /// The first field (path) whose value is a number, boolean or null: the portal takes strings.
    static func nonString(_ value: Any, path: String = "") -> String? {
        switch value {
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.lazy.compactMap { nonString($0.value, path: path.isEmpty ? $0.key : "\(path).\($0.key)") }.first
        case let array as [Any]:
            return array.lazy.compactMap { nonString($0, path: path) }.first
        case is String:
            return nil
        default:
            return path
        }
    }

    /// What it received, for scripts.
    func report() -> Response {
        let list = calls.map { call -> [String: Any] in
            ["service": call.service, "isUpdating": call.isUpdating ?? NSNull(), "errorCode": call.errorCode, "data": call.records]
        }
        return Self.json(.ok, ["calls": list, "logins": logins])
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The portal's routes: `POST /auth`, `POST /integration`, and `GET /calls` (what it received, for scripts).
    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/auth") { request, _ -> Response in
            await self.login(Data(buffer: try await request.body.collect(upTo: 1 << 16)))
        }
        router.post("/integration") { request, _ -> Response in
            await self.integrate(Data(buffer: try await request.body.collect(upTo: 1 << 24)), dstcode: request.headers[.init("dstcode")!])
        }
        router.get("/calls") { _, _ -> Response in await self.report() }
        return router
    }
}
