import Core
import Documents
import Foundation
import Hummingbird
import HummingbirdCore

/// Document management over HTTP. Routes need a signed-in caller; who may see or do what is
/// decided by the document rules (agency, role, being named), not by the route.
public struct DocumentsAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    /// Registering from the axis (`exchangeMessageId`) or by hand (the other fields).
    struct RegisterBody: Decodable, KnownFields {
        /// What is registered: a message the axis brought, or a document typed in by hand.
        enum Source {
            case exchange(messageID: Int64)
            case manual(NewIncoming)
        }

        let source: Source
        let secrecy: Secrecy?
        let readers: [String]?
        let unverifiedReason: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            secrecy = try container.decodeIfPresent(Secrecy.self, forKey: .secrecy)
            readers = try container.decodeIfPresent([String].self, forKey: .readers)
            unverifiedReason = try container.decodeIfPresent(String.self, forKey: .unverifiedReason)
            if let message = try container.decodeIfPresent(Int64.self, forKey: .exchangeMessageId) {
                source = .exchange(messageID: message)
            } else {
                source = .manual(try NewIncoming(from: decoder))
            }
        }

        enum Keys: String, CodingKey { case exchangeMessageId, secrecy, readers, unverifiedReason }
        static let fieldNames: Set<String> = [
            "exchangeMessageId", "unverifiedReason", "senderName", "senderId", "codeNumber", "codeNotation", "documentDate", "typeCode",
            "subject", "summary", "urgency", "secrecy", "channel", "readers",
        ]
    }

    struct RefuseBody: Decodable, KnownFields {
        let reason: String
        static let fieldNames: Set<String> = ["reason"]
    }

    /// The action's input: an empty body is allowed.
    static func actionInput(_ request: Request, _ context: SignedInContext) async throws -> DocumentActionInput {
        try await RequestBody.json(DocumentActionInput.self, from: request, context: context, orEmpty: DocumentActionInput())
    }

    public func addRoutes(to routes: RouteBuilder) {
        addRegisterRoutes(to: routes)
        addIncomingRoutes(to: routes)
        addOutgoingRoutes(to: routes)
        addDocumentRoutes(to: routes)
    }

    /// Each register's list and its actions (`/api/v1/documents/{incoming|outgoing}`).
    func addRegisterRoutes(to routes: RouteBuilder) {
        let documents = services.documents
        for direction in [DocumentDirection.incoming, .outgoing] {
            let base = "/api/v1/documents/\(direction == .incoming ? "incoming" : "outgoing")"
            routes.get(base, .permission(.documentsWork)) { request, context in
                let page = try await documents.list(
                    try DocumentRequests.query(request.uri, direction: direction),
                    for: context.principal,
                    page: try request.uri.pageRequest(),
                    overdueOnly: try request.uri.boolParameter("overdue") ?? false
                )
                return JSONResponse(page)
            }
            routes.post("\(base)/:id/actions/:action", .permission(.documentsWork)) { request, context in
                let name = try context.parameters.require("action")
                guard let action = DocumentAction(rawValue: name), action.direction == nil || action.direction == direction else {
                    throw DomainError.invalid("action", "Thao tác \"\(name)\" không tồn tại", "Unknown action \"\(name)\"")
                }
                let document = try await documents.perform(
                    action,
                    on: try DocumentRequests.documentID(context),
                    input: try await Self.actionInput(request, context),
                    by: context.principal,
                    requestID: context.requestID
                )
                guard document.direction == direction else { throw DomainError.notFound(what: "document") }
                return JSONResponse(document)
            }
        }
    }

    /// Registering incoming documents (by hand or from the axis) and refusing what the axis brought.
    func addIncomingRoutes(to routes: RouteBuilder) {
        let documents = services.documents
        routes.post("/api/v1/documents/incoming", .permission(.documentsWork)) { request, context in
            let body = try await RequestBody.json(RegisterBody.self, from: request, context: context)
            let document: OfficialDocument
            switch body.source {
            case .manual(let input):
                document = try await documents.registerIncoming(input, by: context.principal, requestID: context.requestID)
            case .exchange(let message):
                document = try await documents.registerFromExchange(
                    message,
                    secrecy: body.secrecy,
                    readers: body.readers ?? [],
                    unverifiedReason: body.unverifiedReason,
                    by: context.principal,
                    requestID: context.requestID
                )
            }
            return Self.created(document)
        }
        routes.get("/api/v1/documents/incoming/pending", .permission(.documentsWork)) { request, context in
            JSONResponse(["items": try await documents.awaitingRegistration(for: context.principal)])
        }
        routes.post("/api/v1/documents/incoming/pending/:id/refuse", .permission(.documentsWork)) { request, context in
            let body = try await RequestBody.json(RefuseBody.self, from: request, context: context)
            try await documents.refuseFromExchange(
                try DocumentRequests.documentID(context),
                reason: body.reason,
                by: context.principal,
                requestID: context.requestID
            )
            return Response(status: .noContent)
        }
    }

    /// Drafting and issuing outgoing documents.
    func addOutgoingRoutes(to routes: RouteBuilder) {
        let documents = services.documents
        routes.post("/api/v1/documents/outgoing", .permission(.documentsWork)) { request, context in
            let input = try await RequestBody.json(NewOutgoing.self, from: request, context: context)
            return Self.created(try await documents.createDraft(input, by: context.principal, requestID: context.requestID))
        }
        routes.post("/api/v1/documents/outgoing/:id/issue", .permission(.documentsWork)) { request, context in
            let document = try await documents.perform(
                .issue,
                on: try DocumentRequests.documentID(context),
                input: try await Self.actionInput(request, context),
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(document)
        }
    }

    /// Search, register books, one document and its files, statistics.
    func addDocumentRoutes(to routes: RouteBuilder) {
        let documents = services.documents
        routes.get("/api/v1/documents/search", .permission(.documentsWork)) { request, context in
            let query = try DocumentRequests.query(request.uri, direction: nil)
            let page = try await documents.list(query, for: context.principal, page: try request.uri.pageRequest())
            return JSONResponse(page)
        }
        routes.get("/api/v1/documents/registers/:direction", .permission(.documentsWork)) { request, context in
            let direction = try DocumentRequests.direction(context)
            let year = try request.uri.intParameter("year") ?? services.today().year
            guard (2000...2100).contains(year) else { throw DomainError.invalid("year", "Năm không hợp lệ", "Invalid year") }
            if try request.uri.formatParameter() == "csv" {
                let csv = try await documents.registerCSV(direction, year: year, for: context.principal)
                return csvResponse(csv, fileName: "so-van-ban-\(direction == .incoming ? "den" : "di")-\(year).csv")
            }
            return try JSONResponse(["items": try await documents.registerBook(direction, year: year, for: context.principal)]).response(
                from: request,
                context: context
            )
        }
        routes.get("/api/v1/documents/:id", .permission(.documentsWork)) { request, context in
            JSONResponse(
                try await documents.document(try DocumentRequests.documentID(context), for: context.principal, requestID: context.requestID)
            )
        }
        routes.post("/api/v1/documents/:id/files", .permission(.documentsWork)) { request, context in
            guard let name = request.uri.stringParameter("name"), !name.isEmpty else {
                throw DomainError.invalid("name", "Cần tham số name (tên tệp)", "The name parameter (file name) is required")
            }
            let data = Data(buffer: try await RequestBody.bytes(request, limit: documents.maxFileSize))
            let file = try await documents.attach(
                data,
                name: name,
                to: try DocumentRequests.documentID(context),
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(file, status: .created)
        }
        routes.get("/api/v1/documents/:id/files/:file", .permission(.documentsWork)) { request, context in
            let (file, data) = try await documents.file(
                try DocumentRequests.documentID(context, "file"),
                of: try DocumentRequests.documentID(context),
                for: context.principal,
                requestID: context.requestID
            )
            return Response.download(fileName: file.name, mediaType: file.contentType, data)
        }
        routes.get("/api/v1/statistics/documents", .permission(.statisticsRead)) { request, context in
            let today = services.today()
            let principal = context.principal
            let provinceWide = try await services.tasks.seesProvince(principal)
            let statistics = try await documents.statistics(
                from: try request.uri.dateParameter("from") ?? LocalDate(year: today.year, month: 1, day: 1)!,
                to: try request.uri.dateParameter("to") ?? today,
                provinceWide: provinceWide,
                for: principal
            )
            return JSONResponse(statistics)
        }
    }

    static func created(_ document: OfficialDocument) -> JSONResponse<OfficialDocument> {
        JSONResponse.created(document, at: "/api/v1/documents/\(document.id)")
    }
}

extension NewOutgoing: KnownFields {
    public static let fieldNames: Set<String> = [
        "typeCode", "subject", "summary", "urgency", "secrecy", "recipients", "draftingUnit", "signer",
        "signerPosition", "approvers", "responseFor", "businessType", "originalId", "readers",
    ]
    public static let nestedFieldNames: [String: Set<String>] = ["recipients": ["organId", "name"]]
}

extension DocumentActionInput: KnownFields {
    public static let fieldNames: Set<String> = ["note", "lead", "coordinators", "informed", "deadline", "deadlineDays", "to"]
}
