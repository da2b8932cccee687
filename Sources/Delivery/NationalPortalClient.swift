import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where and how to reach the National Public Service Portal's dossier sync service.
public struct NationalPortalConfig: Sendable {
    /// Base URL; the service name is appended (`…/DongBoHoSoMC`).
    public var baseURL: String
    /// The session token issued to the province.
    public var sessionToken: String
    public var timeout: TimeAmount

    public init(baseURL: String, sessionToken: String, timeout: TimeAmount = .seconds(20)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.sessionToken = sessionToken
        self.timeout = timeout
    }
}

/// Sends queued sync messages to the national portal: `POST {base}/{service}` with
/// `{"session", "isUpdating", "data": [...]}`; success is HTTP 200 with `error_code` 0.
/// (No official specification is published; this follows working integrations, see
/// docs/national-portal.md, and every part is configuration.)
public struct NationalPortalClient: Sendable {
    public static let topic = "national-portal"
    let config: NationalPortalConfig
    let httpClient: HTTPClient

    public init(config: NationalPortalConfig, httpClient: HTTPClient = .shared) {
        self.config = config
        self.httpClient = httpClient
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Delivers one outbox message whose payload is `{"service": …, "isUpdating": …, "data": […]}`.
    public func deliver(_ message: OutboxMessage) async throws {
        guard var body = try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any],
              let service = body.removeValue(forKey: "service") as? String else {
            throw Failure(description: "malformed outbox payload")
        }
        body["session"] = config.sessionToken
        var request = HTTPClientRequest(url: "\(config.baseURL)/\(service)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Idempotency-Key", value: message.dedupeKey)
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
        let response = try await httpClient.execute(request, timeout: config.timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw Failure(description: "HTTP \(response.status.code)") }
        let answer = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any]
        let code = answer?["error_code"].map { "\($0)" } ?? "missing"
        guard code == "0" else { throw Failure(description: "portal error_code \(code): \(answer?["message"] ?? "")") }
    }
}
