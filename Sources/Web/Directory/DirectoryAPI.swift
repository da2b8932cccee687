import Core
import Directory
import Foundation
import Hummingbird

/// Agencies, departments and administrative units.
public struct DirectoryAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    /// Imports are larger than ordinary JSON bodies.
    static let importLimit = 10 * 1024 * 1024

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/agencies", .everyone) { request, context in
            let page = try await services.directory.list(
                page: try request.uri.pageRequest(),
                query: request.uri.stringParameter("q"),
                parent: request.uri.stringParameter("parent")
            )
            return JSONResponse(page)
        }
        routes.post("/api/v1/agencies", .permission(.directoryManage)) { request, context in
            let input = try await RequestBody.json(AgencyInput.self, from: request, context: context)
            let identifier = try input.validated().identifier
            if try await services.directory.exists(identifier) {
                throw DomainError.conflict(messageVi: "Cơ quan \(identifier) đã tồn tại", messageEn: "Agency \(identifier) already exists")
            }
            _ = try await services.directory.importAgencies([input], by: context.principal, requestID: context.requestID)
            guard let agency = try await services.directory.agency(identifier) else { throw DomainError.notFound(what: identifier) }
            return JSONResponse.created(agency, at: "/api/v1/agencies/\(identifier)")
        }
        routes.post("/api/v1/agencies/import", .permission(.directoryManage)) { request, context in
            let inputs = try await agencyRows(request, context)
            let result = try await services.directory.importAgencies(inputs, by: context.principal, requestID: context.requestID)
            return JSONResponse(result)
        }
        routes.get("/api/v1/agencies/export", .everyone) { request, context in
            let agencies = try await services.directory.all()
            switch request.uri.stringParameter("format") ?? "json" {
            case "csv":
                return csvResponse(CSV.write([AgencyInput.csvColumns] + agencies.map(\.csvRow)), fileName: "agencies.csv")
            case "json":
                return try JSONResponse(agencies.map(\.input)).response(from: request, context: context)
            default:
                throw DomainError.invalid("format", "Định dạng phải là csv hoặc json", "format must be csv or json")
            }
        }
        routes.get("/api/v1/agencies/:identifier", .everyone) { request, context in
            let identifier = try context.parameters.require("identifier")
            guard let agency = try await services.directory.agency(identifier) else { throw DomainError.notFound(what: "agency \(identifier)") }
            return JSONResponse(agency)
        }
        routes.post("/api/v1/agencies/:identifier/departments", .permission(.directoryManage)) { request, context in
            let identifier = try context.parameters.require("identifier")
            let department = try await RequestBody.json(Department.self, from: request, context: context)
            try await services.directory.upsertDepartment(department, in: identifier, by: context.principal, requestID: context.requestID)
            guard let agency = try await services.directory.agency(identifier) else { throw DomainError.notFound(what: identifier) }
            return JSONResponse(agency, status: .created)
        }
        routes.get("/api/v1/admin-units", .everyone) { request, context in
            let units = try await ReferenceData.administrativeUnits(services.database, parent: request.uri.stringParameter("parent"))
            return JSONResponse(units)
        }
    }

    /// An import body: a JSON array of agencies, or CSV with the export's header.
    func agencyRows(_ request: Request, _ context: SignedInContext) async throws -> [AgencyInput] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("text/csv") {
            let buffer = try await RequestBody.bytes(request, limit: Self.importLimit)
            let records = try CSV.records(String(buffer: buffer))
            guard let first = try CSV.parse(String(buffer: buffer)).first, Set(first).isSuperset(of: ["identifier", "name", "short_name"]) else {
                throw DomainError.invalid(
                    "csv",
                    "Dòng tiêu đề phải có các cột: \(AgencyInput.csvColumns.joined(separator: ","))",
                    "The header row must have the columns: \(AgencyInput.csvColumns.joined(separator: ","))"
                )
            }
            return records.map(AgencyInput.init(csv:))
        }
        return try await RequestBody.json([AgencyInput].self, from: request, context: context, limit: Self.importLimit)
    }
}

extension AgencyInput: KnownFields {
    public static let fieldNames: Set<String> = [
        "identifier", "name", "shortName", "parentIdentifier", "adminUnitCode", "kind", "email", "phone", "address",
    ]
}

extension Department: KnownFields {
    public static let fieldNames: Set<String> = ["code", "name"]
}
