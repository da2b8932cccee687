import Core
import Hummingbird

/// Who a route that needs an account is for: any signed-in account, or one whose roles grant
/// a permission. Its handler receives a `SignedInContext`, whose principal is never nil.
public enum Restricted: Sendable, Hashable {
    case signedIn
    case permission(Permission)

    /// The access as the route catalogue records it.
    public var access: Access {
        switch self {
        case .signedIn: .signedIn
        case .permission(let permission): .permission(permission)
        }
    }
}

/// A public route's access (home page, login, health, public catalogue, callbacks).
public enum Open: Sendable, Hashable {
    case everyone
}

/// What every handler reads from its request's context, signed in or not.
public protocol RequestState: Sendable {
    /// The request's context as the router keeps it.
    var base: AppRequestContext { get }
}

extension RequestState {
    /// Who is signed in, if anyone.
    public var signedIn: Principal? { base.principal }
}

extension RequestState {
    public var language: Language { base.language }
    public var requestID: String { base.requestID }
    public var clientAddress: String { base.clientAddress }
    public var csrfToken: String? { base.csrfToken }
    public var sessionToken: String? { base.sessionToken }
    public var displayName: String? { base.displayName }
    public var flash: String? { base.flash }
}

extension AppRequestContext: RequestState {
    public var base: AppRequestContext { self }
}

/// The context of a route that needs an account: the request's context with the principal it
/// was authorized for.
public struct SignedInContext: RequestState {
    public let base: AppRequestContext
    public let principal: Principal
    public var parameters: Parameters { base.parameters }

    /// The signed-in context of `context`, or 401 when nobody is signed in.
    init(_ context: AppRequestContext) throws {
        guard let principal = context.principal else { throw Problem.unauthenticated }
        base = context
        self.principal = principal
    }
}

extension ResponseGenerator {
    /// The response for a signed-in route's request.
    public func response(from request: Request, context: SignedInContext) throws -> Response {
        try response(from: request, context: context.base)
    }
}
