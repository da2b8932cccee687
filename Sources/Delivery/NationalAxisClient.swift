import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends edXML packages to the national document axis: `POST {base}/edxml` with the raw XML and
/// an `Idempotency-Key`; 200–299 is success. (Endpoint shape is configuration; the real axis
/// is reached through the provincial gateway.)
public struct NationalAxisClient: Sendable {
    let baseURL: String
    let token: String
    let httpClient: HTTPClient

    public init(baseURL: String, token: String = "", httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.httpClient = httpClient
    }

    public func post(_ package: Data, key: String) async throws {
        var request = HTTPClientRequest(url: "\(baseURL)/edxml")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/xml; charset=utf-8")
        request.headers.add(name: "Idempotency-Key", value: key)
        if !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(data: package))
        let response = try await httpClient.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw NationalPortalClient.Failure(description: "axis answered HTTP \(response.status.code)")
        }
    }
}
