import Core
import DocumentExchange
import Foundation
import Hummingbird

/// The document axis over HTTP.
public struct ExchangeAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let limit = 150 * 1024 * 1024

    struct StatusBody: Decodable, KnownFields {
        let code: EdXMLStatus.Code
        let description: String?
        static let fieldNames: Set<String> = ["code", "description"]
    }

    static func id(_ context: SignedInContext) throws -> Int64 {
        let id = try context.parameters.number("id", orNotFound: "document")
        return id
    }

    /// The document to send: JSON with the files in base64, or multipart with a `document` part
    /// (the same JSON without `files`), `file` parts in order, and optional `signature` parts (a
    /// detached CMS signature named after its file plus `.p7s`).
    static func outgoing(_ request: Request, context: SignedInContext) async throws -> OutgoingDocument {
        guard let parts = try await RequestBody.multipart(OutgoingDocument.self, part: "document", from: request, context: context, limit: limit)
        else {
            return try await RequestBody.json(OutgoingDocument.self, from: request, context: context, limit: limit)
        }
        var input = parts.value
        let signatures = Dictionary(
            parts.files.filter { $0.field == "signature" }.map { ($0.fileName, $0.data) },
            uniquingKeysWith: { first, _ in first }
        )
        input.files += parts.files.filter { $0.field == "file" }.map { file in
            OutgoingDocument.File(
                name: file.fileName,
                contentType: file.contentType ?? "application/octet-stream",
                content: file.data,
                signature: signatures[file.fileName + ".p7s"]
            )
        }
        return input
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.post("/api/v1/exchange/documents", .signedIn) { request, context in
            let input = try await Self.outgoing(request, context: context)
            let sent = try await services.exchange.send(input, by: context.principal, requestID: context.requestID)
            return JSONResponse(sent, status: .created)
        }
        routes.get("/api/v1/exchange/inbox", .signedIn) { request, context in
            try JSONResponse(try await services.exchange.inbox(for: context.principal, page: try request.uri.pageRequest())).response(
                from: request,
                context: context
            )
        }
        routes.get("/api/v1/exchange/documents/:id", .signedIn) { request, context in
            try JSONResponse(try await services.exchange.message(try Self.id(context), for: context.principal)).response(
                from: request,
                context: context
            )
        }
        routes.post("/api/v1/exchange/documents/:id/status", .signedIn) { request, context in
            let body = try await RequestBody.json(StatusBody.self, from: request, context: context)
            let message = try await services.exchange.updateStatus(
                try Self.id(context),
                code: body.code,
                description: body.description ?? "",
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(message)
        }
        routes.get("/api/v1/exchange/documents/:id/edxml", .signedIn) { request, context in
            let asReceived = try request.uri.boolParameter("received") ?? false
            let package = try await services.exchange.package(try Self.id(context), for: context.principal, asReceived: asReceived)
            return Response(
                status: .ok,
                headers: [.contentType: "application/xml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: package))
            )
        }
        routes.post("/api/v1/exchange/edxml", .permission(.exchangeReceive)) { request, context in
            // The package streams to disk and is read from there, mapped (large attachments stay out of memory).
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-edxml-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            try await RequestBody.write(request, to: file, limit: Self.limit)
            let message = try await services.exchange.receive(
                try Data(contentsOf: file, options: .alwaysMapped),
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(message, status: .accepted)
        }
    }
}
