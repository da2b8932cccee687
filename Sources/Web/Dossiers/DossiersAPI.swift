import Core
import Delivery
import Dossiers
import Foundation
import Hummingbird
import HummingbirdCore

/// Dossiers over HTTP. Routes need a signed-in caller; who may see or do what is decided by
/// the dossier rules (owner, agency, role), not by the route.
public struct DossiersAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.post("/api/v1/dossiers", .signedIn) { request, context in
            // JSON, or multipart: a `dossier` part (JSON) and one file part per required document
            // (the part's name is the document's name), created together or not at all.
            let input: NewDossier
            var attachments: [NewAttachment] = []
            let limit = services.dossiers.maxAttachmentSize * 4 + RequestBody.jsonLimit
            if let multipart = try await RequestBody.multipart(NewDossier.self, part: "dossier", from: request, context: context, limit: limit) {
                input = multipart.value
                attachments = multipart.files.map { NewAttachment(data: $0.data, fileName: $0.fileName, documentName: $0.field) }
            } else {
                input = try await RequestBody.json(NewDossier.self, from: request, context: context)
            }
            let dossier = try await services.dossiers.create(input, attachments: attachments, by: context.principal, requestID: context.requestID)
            return JSONResponse.created(dossier, at: "/api/v1/dossiers/\(dossier.code)")
        }
        routes.get("/api/v1/dossiers", .signedIn) { request, context in
            let filter = try Self.filter(request.uri)
            let page = try await services.dossiers.list(filter, page: try request.uri.pageRequest(), for: context.principal)
            return JSONResponse(page)
        }
        routes.get("/api/v1/dossiers/lookup", .everyone) { request, context in
            let status = try await Self.lookup(
                code: request.uri.stringParameter("code"),
                key: request.uri.stringParameter("phone"),
                services: services,
                context: context
            )
            return JSONResponse(status)
        }
        routes.get("/api/v1/dossiers/:code", .signedIn) { request, context in
            let detail = try await services.dossiers.detail(try context.parameters.require("code"), for: context.principal)
            return JSONResponse(detail)
        }
        routes.post("/api/v1/dossiers/:code/actions/:action", .signedIn) { request, context in
            let name = try context.parameters.require("action")
            guard let action = DossierAction(rawValue: name) else {
                throw DomainError.invalid("action", "Thao tác \"\(name)\" không tồn tại", "Unknown action \"\(name)\"")
            }
            let input = try await RequestBody.json(ActionInput.self, from: request, context: context, orEmpty: ActionInput())
            let dossier = try await services.dossiers.perform(
                action,
                on: try context.parameters.require("code"),
                input: input,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(dossier)
        }
        routes.post("/api/v1/dossiers/:code/attachments", .signedIn) { request, context in
            let data = Data(buffer: try await RequestBody.bytes(request, limit: services.dossiers.maxAttachmentSize))
            let kind = try Self.kind(request.uri.stringParameter("kind"))
            guard let document = request.uri.stringParameter("document") else {
                throw DomainError.invalid(
                    "document",
                    "Cần tham số document (tên thành phần hồ sơ)",
                    "The document parameter (document name) is required"
                )
            }
            let attachment = try await services.dossiers.attach(
                data,
                fileName: request.uri.stringParameter("name") ?? "tep",
                documentName: document,
                kind: kind,
                to: try context.parameters.require("code"),
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(attachment, status: .created)
        }
        routes.post("/api/v1/dossiers/:code/rating", .signedIn) { request, context in
            let body = try await RequestBody.json(RatingInput.self, from: request, context: context)
            guard let satisfaction = Satisfaction(rawValue: body.rating) else {
                throw DomainError.invalid(
                    "rating",
                    "Mức đánh giá là 1 (rất hài lòng), 2 (hài lòng) hoặc 3 (không hài lòng)",
                    "rating is 1 (very satisfied), 2 (satisfied) or 3 (not satisfied)"
                )
            }
            let rating = try await services.dossiers.rate(
                try context.parameters.require("code"),
                rating: satisfaction,
                comment: body.comment,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(rating, status: .created)
        }
        routes.get("/api/v1/dossiers/:code/attachments/:id", .signedIn) { request, context in
            let id = try context.parameters.number("id", orNotFound: "file")
            let (attachment, data) = try await services.dossiers.file(id, of: try context.parameters.require("code"), for: context.principal)
            return Self.download(attachment, data)
        }
        // The national portal downloads dossier files through signed, expiring links (no session).
        routes.get("\(SignedFileLinks.path)/:id", .everyone) { request, context in
            let id = try context.parameters.number("id", orNotFound: "file")
            let expires = Int64(request.uri.stringParameter("expires") ?? "") ?? 0
            switch try await services.fileLinks().verify(id: id, expires: expires, signature: request.uri.stringParameter("signature") ?? "") {
            case .valid:
                let (attachment, data) = try await services.dossiers.linkedFile(id)
                return Self.download(attachment, data)
            case .expired:
                throw DomainError.forbidden(messageVi: "Liên kết tải tệp đã hết hạn", messageEn: "The download link has expired")
            case .forged:
                throw DomainError.forbidden(messageVi: "Liên kết tải tệp không hợp lệ", messageEn: "The download link is not valid")
            }
        }
    }

    /// A stored file as a download (never rendered inline by the browser).
    static func download(_ attachment: Attachment, _ data: Data) -> Response {
        download(fileName: attachment.fileName, mediaType: attachment.mediaType, data)
    }

    /// Bytes as a download under `fileName` (ASCII fallback and RFC 5987 UTF-8 name), never cached.
    static func download(fileName: String, mediaType: String, _ data: Data) -> Response {
        let ascii = fileName.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? String($0) : "_" }.joined()
        let encoded = fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        return Response(
            status: .ok,
            headers: [
                .contentType: mediaType,
                .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func kind(_ text: String?) throws -> Attachment.Kind {
        guard let text else { return .submission }
        guard let kind = Attachment.Kind(rawValue: text) else {
            throw DomainError.invalid("kind", "kind là submission, supplement hoặc result", "kind is submission, supplement or result")
        }
        return kind
    }

    static func filter(_ uri: URI) throws -> DossierStore.QueueFilter {
        DossierStore.QueueFilter(
            status: try uri.caseParameter("status", as: DossierStatus.self),
            agency: uri.stringParameter("agency"),
            overdueOnly: uri.stringParameter("overdue") == "true"
        )
    }

    /// The public lookup, throttled per address on failures.
    static func lookup(code: String?, key: String?, services: WebServices, context: AppRequestContext) async throws -> PublicStatus {
        let now = Date()
        if let wait = await services.lookupLimiter.retryAfter(context.clientAddress, now: now) {
            throw DomainError.tooManyRequests(
                retryAfterSeconds: wait,
                messageVi: "Tra cứu sai quá nhiều lần, thử lại sau \(wait) giây",
                messageEn: "Too many failed lookups; try again in \(wait) seconds"
            )
        }
        guard let code, let key else {
            throw DomainError.invalid("code", "Nhập mã hồ sơ và số điện thoại hoặc số định danh", "Enter the dossier code and the phone number or ID")
        }
        guard let status = try await services.dossiers.lookup(code: code.trimmingCharacters(in: .whitespaces), phoneOrID: key) else {
            await services.lookupLimiter.recordFailure(context.clientAddress, now: now)
            throw DomainError.notFound(what: "dossier \(code)")
        }
        return status
    }
}

extension NewDossier: KnownFields {
    public static let fieldNames: Set<String> = ["procedureCode", "agencyIdentifier", "applicant", "subject", "channel"]
    public static let nestedFieldNames: [String: Set<String>] = ["applicant": ["fullName", "kind", "phone", "email", "citizenId", "address"]]
}

struct RatingInput: Decodable, KnownFields {
    let rating: Int
    let comment: String?
    static let fieldNames: Set<String> = ["rating", "comment"]
}

extension ActionInput: KnownFields {
    public static let fieldNames: Set<String> = ["note", "assignee", "newDueDate"]
}
