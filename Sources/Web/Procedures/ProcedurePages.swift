import Core
import Directory
import Hummingbird
import Procedures

/// Citizens find procedures (accents optional) and read what they need to submit.
public struct ProcedurePages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/procedures", .everyone) { request, context in
            let query = try ProceduresAPI.query(request.uri)
            let page = try await services.procedures.search(query, page: try request.uri.pageRequest())
            let vi = context.language == .vi
            let fields = try await services.procedures.fields().map {
                ProcedureViews.Search.Field(code: $0.code, name: $0.name, count: $0.procedures, selected: $0.code == query.fieldCode)
            }
            let levels = OnlineLevel.allCases.map {
                ProcedureViews.Search.Level(value: $0.rawValue, name: vi ? $0.nameVi : $0.nameEn, selected: $0 == query.onlineLevel)
            }
            let items = page.items.map { p in
                ProcedureViews.Search.Item(
                    code: p.code,
                    name: p.name,
                    field: p.fieldName,
                    days: Quantity.workingDays(p.processingDays, context.language),
                    level: vi ? p.onlineLevel.nameVi : p.onlineLevel.nameEn,
                    fullyOnline: p.onlineLevel == .full
                )
            }
            var nextLink: String?
            if let cursor = page.nextCursor {
                var parts = ["cursor=\(cursor)"]
                for (key, value) in [("q", query.text), ("field", query.fieldCode), ("level", query.onlineLevel?.rawValue)] {
                    if let value { parts.append("\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
                }
                nextLink = "/procedures?" + parts.joined(separator: "&")
            }
            return try services.pages.render(
                "procedures",
                titleKey: "procedures",
                page: ProcedureViews.Search(
                    q: query.text ?? "",
                    fields: fields,
                    levels: levels,
                    items: items,
                    found: Quantity.procedures(found: items.count, more: nextLink != nil, context.language),
                    next: nextLink,
                    searched: query.text != nil || query.fieldCode != nil || query.onlineLevel != nil
                ),
                request: request,
                context: context
            )
        }
        routes.get("/procedures/:code/forms/:file", .everyone) { request, context in
            let code = try context.parameters.require("code")
            let file = try context.parameters.require("file")
            guard let p = try await services.procedures.procedure(code) else { throw DomainError.notFound(what: code) }
            let agency = try await receivingAgencyName(p, language: .vi)
            guard let form = BlankForm(p, fileName: file, agencyName: agency) else { throw DomainError.notFound(what: file) }
            return Response.download(fileName: form.fileName, mediaType: WordDocument.mediaType, try form.document())
        }
        routes.get("/procedures/:code", .everyone) { request, context in
            let code = try context.parameters.require("code")
            guard let p = try await services.procedures.procedure(code) else { throw DomainError.notFound(what: code) }
            let vi = context.language == .vi
            var steps: [ProcedureViews.Detail.Step] = []
            for (index, step) in p.steps.enumerated() {
                var place = vi ? "Cơ quan tiếp nhận" : "Receiving agency"
                if let identifier = step.agencyIdentifier { place = try await services.directory.agency(identifier)?.name ?? identifier }
                steps.append(
                    .init(
                        number: index + 1,
                        name: step.name,
                        agency: place,
                        days: Quantity.workingDays(step.days, context.language),
                        role: vi ? step.role.nameVi : step.role.nameEn
                    )
                )
            }
            return try services.pages.render(
                "procedure",
                titleKey: "procedures",
                page: ProcedureViews.Detail(
                    code: p.code,
                    name: p.name,
                    field: p.fieldName,
                    days: Quantity.workingDays(p.processingDays, context.language),
                    level: vi ? p.onlineLevel.nameVi : p.onlineLevel.nameEn,
                    online: p.onlineLevel.acceptsOnlineSubmission,
                    agency: try await receivingAgencyName(p, language: context.language),
                    documents: p.documents.map {
                        .init(name: $0.name, required: $0.required, copies: Quantity.copies($0.copies, context.language), form: $0.formTemplate)
                    },
                    fees: p.fees.map { .init(name: $0.name, amount: Money.vnd($0.amount)) },
                    noFees: p.fees.isEmpty,
                    counter: context.principal?.roles.contains(.counterOfficer) ?? false,
                    result: p.resultName,
                    legal: p.legalBasis,
                    steps: steps,
                    interAgency: p.isInterAgency,
                    cutoff: p.cutoffTime
                ),
                request: request,
                context: context
            )
        }
    }

    /// The agency a procedure's dossiers go to, or its level where any agency of the level does.
    func receivingAgencyName(_ p: Procedure, language: Language) async throws -> String {
        if let identifier = p.agencyIdentifier, let agency = try await services.directory.agency(identifier) { return agency.name }
        let vi = language == .vi
        return p.agencyLevel == "commune"
            ? (vi ? "Ủy ban nhân dân xã, phường" : "Commune People's Committees") : (vi ? "Cấp tỉnh" : "Province level")
    }
}
