/// A rule broken by input, named by field, with a message in Vietnamese and English.
public struct ValidationError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public let field: String
    public let messageVi: String
    public let messageEn: String

    public init(field: String, messageVi: String, messageEn: String) {
        self.field = field
        self.messageVi = messageVi
        self.messageEn = messageEn
    }

    public var description: String { "\(field): \(messageVi) / \(messageEn)" }
}

/// The domain's errors, mapped to HTTP problems at the edge.
public enum DomainError: Error, Sendable, CustomStringConvertible {
    /// One or more fields are invalid (422).
    case invalid([ValidationError])
    /// The target does not exist or is not visible to the caller (404).
    case notFound(what: String)
    /// The request conflicts with the current state (409), e.g. a duplicate.
    case conflict(messageVi: String, messageEn: String)
    /// Credentials are missing or wrong (401).
    case unauthenticated(messageVi: String, messageEn: String)
    /// The caller may not do this (403).
    case forbidden(messageVi: String, messageEn: String)
    /// Too many attempts (429), retry after the given seconds.
    case tooManyRequests(retryAfterSeconds: Int, messageVi: String, messageEn: String)

    /// Both languages, for logs and the command line.
    public var description: String {
        switch self {
        case .invalid(let errors): errors.map(\.description).joined(separator: "\n")
        case .notFound(let what): "Không tìm thấy / Not found: \(what)"
        case .conflict(let vi, let en), .unauthenticated(let vi, let en), .forbidden(let vi, let en), .tooManyRequests(_, let vi, let en):
            "\(vi) / \(en)"
        }
    }

    public static func invalid(_ field: String, _ vi: String, _ en: String) -> DomainError {
        .invalid([ValidationError(field: field, messageVi: vi, messageEn: en)])
    }
}
