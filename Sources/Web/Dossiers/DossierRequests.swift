import Core
import Dossiers
import Foundation
import Hummingbird
import HummingbirdCore

/// What the dossier API and pages both read from a request, and the answers they both give.
enum DossierRequests {
    /// A stored file as a download (never rendered inline by the browser).
    static func download(_ attachment: Attachment, _ data: Data) -> Response {
        Response.download(fileName: attachment.fileName, mediaType: attachment.mediaType, data)
    }

    static func kind(_ text: String?) throws -> Attachment.Kind {
        guard let text else { return .submission }
        guard let kind = Attachment.Kind(rawValue: text) else {
            throw DomainError.invalid("kind", "kind là submission, supplement hoặc result", "kind is submission, supplement or result")
        }
        return kind
    }

    static func filter(_ uri: URI, defaultView: DossierStore.QueueView? = nil) throws -> DossierStore.QueueFilter {
        DossierStore.QueueFilter(
            status: try uri.caseParameter("status", as: DossierStatus.self),
            agency: uri.stringParameter("agency"),
            overdueOnly: uri.stringParameter("overdue") == "true",
            view: try uri.caseParameter("view", as: DossierStore.QueueView.self) ?? defaultView
        )
    }

    /// The public lookup, throttled per address on failures.
    static func lookup(code: String?, key: String?, services: WebServices, context: AppRequestContext) async throws -> PublicStatus {
        let now = Date()
        if let wait = try await services.lookupLimiter.retryAfter(context.clientAddress, now: now) {
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
            try await services.lookupLimiter.recordFailure(context.clientAddress, now: now)
            throw DomainError.notFound(what: "dossier \(code)")
        }
        return status
    }
}
