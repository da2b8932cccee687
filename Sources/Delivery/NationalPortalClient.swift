import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where and how to reach the National Public Service Portal's adapter (Cổng DVC quốc gia), as
/// working integrations do (docs/national-portal.md): one integration endpoint for every
/// service, a session from logging in (or a fixed token), the unit code (`madonvi`) and an
/// optional `dstcode` header.
public struct NationalPortalConfig: Sendable {
    /// The integration endpoint every service is posted to.
    public var endpointURL: String
    /// The login endpoint (`{username, password}` → `{session, error_code: 0}`).
    public var authURL: String?
    public var username: String?
    public var password: String?
    /// A fixed session token, for adapters that issue one instead of a login.
    public var staticSession: String?
    /// `madonvi`: the province's unit code at the portal.
    public var unitCode: String
    /// The `dstcode` header some gateways route by.
    public var dstcode: String?
    /// How long a session is used before logging in again (the references keep it ~10 minutes).
    public var sessionLifetime: Duration
    public var timeout: TimeAmount

    public init(
        endpointURL: String,
        authURL: String? = nil,
        username: String? = nil,
        password: String? = nil,
        staticSession: String? = nil,
        unitCode: String,
        dstcode: String? = nil,
        sessionLifetime: Duration = .seconds(600),
        timeout: TimeAmount = .seconds(20)
    ) {
        self.endpointURL = endpointURL
        self.authURL = authURL
        self.username = username
        self.password = password
        self.staticSession = staticSession
        self.unitCode = unitCode
        self.dstcode = dstcode
        self.sessionLifetime = sessionLifetime
        self.timeout = timeout
    }

    /// Logs in (rather than using a fixed token).
    public var logsIn: Bool { authURL != nil && username != nil }
}

/// One call of a portal service: its records (a JSON array, every scalar a string) and, for
/// `DongBoHoSoMC`, whether it updates a dossier the portal already has.
public struct NationalPortalRequest: Sendable, Equatable {
    public let service: String
    /// Sent as the string "True"/"False"; nil leaves the field out (every service but the sync).
    public let isUpdating: Bool?
    /// The `data` array as JSON.
    public let data: Data

    public init(service: String, isUpdating: Bool?, data: Data) {
        self.service = service
        self.isUpdating = isUpdating
        self.data = data
    }
}

/// Sends portal requests: the envelope `{"session", "madonvi", "service", "isUpdating", "data"}`
/// posted to the one endpoint; success is `error_code` 0. A rejected session logs in again
/// once; "already exists" (`error_code` -3) to a new dossier is sent again as an update.
public struct NationalPortalClient: Sendable {
    public static let topic = "national-portal"
    public static let syncService = "DongBoHoSoMC"
    let config: NationalPortalConfig
    let httpClient: HTTPClient
    let session: PortalSession

    public init(config: NationalPortalConfig, httpClient: HTTPClient = .shared) {
        self.config = config
        self.httpClient = httpClient
        self.session = PortalSession(lifetime: config.sessionLifetime)
    }

    /// A refused delivery, with the portal's answer.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The portal's answer: its `error_code` (as text) and message.
    struct Answer {
        let code: String
        let message: String
        var succeeded: Bool { code == "0" }
        /// "Already exists" (the references' -3, "đã tồn tại").
        var alreadyExists: Bool { code == "-3" || message.lowercased().contains("đã tồn tại") }
        /// The session was not accepted (expired or unknown): log in again.
        var sessionRejected: Bool {
            let text = message.lowercased()
            return code == "401" || text.contains("session") || text.contains("phiên")
        }
    }

    /// Delivers one request; throws `Failure` with the portal's answer when it is not accepted.
    public func deliver(_ request: NationalPortalRequest) async throws {
        var answer = try await post(request, session: try await currentSession())
        if answer.sessionRejected && config.logsIn {
            await session.invalidate()
            answer = try await post(request, session: try await currentSession())
        }
        if answer.alreadyExists, request.service == Self.syncService, request.isUpdating == false {
            answer = try await post(
                NationalPortalRequest(service: request.service, isUpdating: true, data: request.data),
                session: try await currentSession()
            )
        }
        guard answer.succeeded else { throw Failure(description: "portal error_code \(answer.code): \(answer.message)") }
    }

    func currentSession() async throws -> String {
        guard config.logsIn else { return config.staticSession ?? "" }
        return try await session.current { try await login() }
    }

    /// `POST authURL {username, password}` → `{session, error_code: 0}`.
    func login() async throws -> String {
        let body = try JSONSerialization.data(
            withJSONObject: ["username": config.username ?? "", "password": config.password ?? ""],
            options: [.sortedKeys]
        )
        let (status, json) = try await send(body, to: config.authURL ?? "")
        guard status == .ok, "\(json["error_code"] ?? "")" == "0", let token = json["session"] as? String, !token.isEmpty else {
            throw Failure(description: "portal login failed: HTTP \(status.code), error_code \(json["error_code"] ?? "missing")")
        }
        return token
    }

    func post(_ request: NationalPortalRequest, session: String) async throws -> Answer {
        let body = try Self.envelope(request, session: session, unitCode: config.unitCode)
        let (status, json) = try await send(body, to: config.endpointURL)
        guard status == .ok || status == .unauthorized else { throw Failure(description: "HTTP \(status.code)") }
        let code = status == .unauthorized ? "401" : json["error_code"].map { "\($0)" } ?? "missing"
        return Answer(code: code, message: "\(json["message"] ?? json["error_message"] ?? "")")
    }

    /// The body as the references send it (keys sorted, so captures compare byte for byte).
    static func envelope(_ request: NationalPortalRequest, session: String, unitCode: String) throws -> Data {
        var body: [String: Any] = [
            "session": session, "madonvi": unitCode, "service": request.service,
            "data": try JSONSerialization.jsonObject(with: request.data),
        ]
        if let updating = request.isUpdating { body["isUpdating"] = updating ? "True" : "False" }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    func send(_ body: Data, to url: String) async throws -> (HTTPResponseStatus, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        if let dstcode = config.dstcode, !dstcode.isEmpty { request.headers.add(name: "dstcode", value: dstcode) }
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await httpClient.execute(request, timeout: config.timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:])
    }
}

/// The portal session, shared by the deliveries of one process, renewed after its lifetime.
actor PortalSession {
    let lifetime: Duration
    private var token: String?
    private var obtained: ContinuousClock.Instant?

    init(lifetime: Duration) { self.lifetime = lifetime }

    func current(login: @Sendable () async throws -> String) async throws -> String {
        if let token, let obtained, ContinuousClock.now - obtained < lifetime { return token }
        let fresh = try await login()
        token = fresh
        obtained = .now
        return fresh
    }

    func invalidate() {
        token = nil
        obtained = nil
    }
}
