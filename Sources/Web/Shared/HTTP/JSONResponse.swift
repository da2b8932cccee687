import Core
import Foundation
import Hummingbird
import HummingbirdCore

/// Encodes a value as a JSON response.
public struct JSONResponse<T: Encodable & Sendable>: ResponseGenerator {
    let value: T
    let status: HTTPResponse.Status
    /// Where the created resource lives (`Location`), for 201 answers.
    let location: String?

    public init(_ value: T, status: HTTPResponse.Status = .ok, location: String? = nil) {
        self.value = value
        self.status = status
        self.location = location
    }

    /// A 201 answer naming the new resource's address.
    public static func created(_ value: T, at location: String) -> JSONResponse { JSONResponse(value, status: .created, location: location) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
