import Foundation
import Hummingbird

/// Liveness, readiness and the OpenAPI document.
public struct OpsAPI: Sendable {
    let services: WebServices
    let openAPIDocument: Data

    public init(services: WebServices) throws {
        self.services = services
        openAPIDocument = try Self.document()
    }

    /// The OpenAPI document shipped with the server: the shared part and each context's part, merged.
    public static func document() throws -> Data {
        try OpenAPIDocument.merged(in: Bundle.module)
    }

    struct Health: Encodable, Sendable { let status: String }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/healthz", .everyone) { request, context in
            JSONResponse(Health(status: "ok"))
        }
        routes.get("/readyz", .everyone) { request, context in
            guard await services.database.ping() else {
                throw Problem(
                    status: .serviceUnavailable,
                    slug: "unavailable",
                    detailVi: "Cơ sở dữ liệu chưa sẵn sàng",
                    detailEn: "The database is not reachable",
                    language: context.language
                )
            }
            return JSONResponse(Health(status: "ready"))
        }
        let document = openAPIDocument
        routes.get("/openapi.json", .everyone) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: document))
            )
        }
    }
}
