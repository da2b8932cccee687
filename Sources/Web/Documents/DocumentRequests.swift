import Core
import Documents
import Hummingbird
import HummingbirdCore

/// What the document and task APIs and pages both read from a request.
enum DocumentRequests {
    /// The document named by the path parameter `name` (a 404 when it is not a number).
    static func documentID(_ context: SignedInContext, _ name: String = "id") throws -> Int64 {
        try context.parameters.number(name, orNotFound: "document")
    }

    /// The task named by the path parameter `id`.
    static func taskID(_ context: SignedInContext) throws -> Int64 {
        try context.parameters.number("id", orNotFound: "task")
    }

    static func query(_ uri: URI, direction: DocumentDirection?) throws -> DocumentQuery {
        let requested = try uri.caseParameter("direction", as: DocumentDirection.self)
        return DocumentQuery(
            text: uri.stringParameter("q"),
            direction: direction ?? requested,
            typeCode: uri.stringParameter("type"),
            from: try uri.dateParameter("from"),
            to: try uri.dateParameter("to"),
            status: try uri.caseParameter("status", as: DocumentStatus.self)
        )
    }

    /// The register named by the path parameter `direction` (`incoming` or `outgoing`).
    static func direction(_ context: SignedInContext) throws -> DocumentDirection {
        switch try context.parameters.require("direction") {
        case "incoming": .incoming
        case "outgoing": .outgoing
        default: throw DomainError.notFound(what: "register")
        }
    }
}
