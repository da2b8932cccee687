import Core
import Hummingbird
import NIOCore

/// The language of what a user reads: Vietnamese first, English available.
public enum Language: String, Sendable, CaseIterable {
    case vi, en
}

/// Per-request state: who is acting, their session's CSRF token, and the language.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var sessionToken: String?
    /// A message left by the previous action for this page (`Flash`).
    public var flash: String?
    /// The signed-in person's full name, for the header.
    public var displayName: String?
    /// The token forms must echo: the session's, or the anonymous double-submit cookie's.
    public var csrfToken: String?
    /// A new anonymous CSRF token to set as a cookie on the response.
    public var newCSRFCookie: String?
    public var language: Language = .vi
    /// The client's address: the peer's, or from `X-Forwarded-For` when the peer is a trusted
    /// proxy (`ClientAddressMiddleware`).
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// JSON bodies are read with explicit limits per route; this is the framework's own cap.
    public var maxUploadSize: Int { 25 * 1024 * 1024 }

    public var requestID: String { id }
}
