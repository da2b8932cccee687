import Core
import Foundation
import Hummingbird
import HummingbirdCore
import Procedures

/// The procedure catalogue over HTTP.
public struct ProceduresAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    static let importLimit = 20 * 1024 * 1024

    /// Filters from `?q=&field=&agency=&level=`.
    static func query(_ uri: URI) throws -> ProcedureCatalog.Query {
        ProcedureCatalog.Query(
            text: uri.stringParameter("q"),
            fieldCode: uri.stringParameter("field"),
            agencyIdentifier: uri.stringParameter("agency"),
            onlineLevel: try uri.caseParameter("level", as: OnlineLevel.self)
        )
    }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/procedures", .everyone) { request, context in
            // The page is written from each summary's JSON, encoded once when the index was built
            // (encoding 50 procedures per request was a third of the search's CPU).
            let page = try await services.procedures.searchJSON(try Self.query(request.uri), page: try request.uri.pageRequest())
            var body = #"{"items":["# + page.items.joined(separator: ",") + "]"
            if let next = page.nextCursor { body += #","nextCursor":"# + String(decoding: try JSONEncoder().encode(next), as: UTF8.self) }
            body += "}"
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        routes.get("/api/v1/procedures/export", .everyone) { request, context in
            let all = try await services.procedures.all()
            switch request.uri.stringParameter("format") ?? "json" {
            case "csv":
                return csvResponse(try ProcedureCSV.write(all), fileName: "procedures.csv")
            case "json":
                return try JSONResponse(all).response(from: request, context: context)
            default:
                throw DomainError.invalid("format", "Định dạng phải là csv hoặc json", "format must be csv or json")
            }
        }
        routes.post("/api/v1/procedures/import", .permission(.proceduresManage)) { request, context in
            let procedures: [Procedure]
            if request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true {
                procedures = try ProcedureCSV.read(String(buffer: try await RequestBody.bytes(request, limit: Self.importLimit)))
            } else {
                procedures = try await RequestBody.json([Procedure].self, from: request, context: context, limit: Self.importLimit)
            }
            let result = try await services.procedures.importProcedures(procedures, by: context.principal, requestID: context.requestID)
            return JSONResponse(result)
        }
        routes.get("/api/v1/procedures/:code", .everyone) { request, context in
            let code = try context.parameters.require("code")
            guard let procedure = try await services.procedures.procedure(code) else { throw DomainError.notFound(what: "procedure \(code)") }
            return JSONResponse(procedure)
        }
        routes.get("/api/v1/procedure-fields", .everyone) { request, context in
            JSONResponse(try await services.procedures.fields())
        }
    }
}
