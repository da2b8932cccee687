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
            let filter = try DossierRequests.filter(request.uri)
            let page = try await services.dossiers.list(filter, page: try request.uri.pageRequest(), for: context.principal)
            return JSONResponse(page)
        }
        routes.get("/api/v1/dossiers/lookup", .everyone) { request, context in
            let status = try await DossierRequests.lookup(
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
            let kind = try DossierRequests.kind(request.uri.stringParameter("kind"))
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
            return DossierRequests.download(attachment, data)
        }
        // The national portal downloads dossier files through signed, expiring links (no session).
        routes.get("\(SignedFileLinks.path)/:id", .everyone) { request, context in
            let id = try context.parameters.number("id", orNotFound: "file")
            let expires = Int64(request.uri.stringParameter("expires") ?? "") ?? 0
            switch try await services.fileLinks().verify(id: id, expires: expires, signature: request.uri.stringParameter("signature") ?? "") {
            case .valid:
                let (attachment, data) = try await services.dossiers.linkedFile(id)
                return DossierRequests.download(attachment, data)
            case .expired:
                throw DomainError.forbidden(messageVi: "Liên kết tải tệp đã hết hạn", messageEn: "The download link has expired")
            case .forged:
                throw DomainError.forbidden(messageVi: "Liên kết tải tệp không hợp lệ", messageEn: "The download link is not valid")
            }
        }
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
