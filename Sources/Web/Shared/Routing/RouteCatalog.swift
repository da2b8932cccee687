import Core
import Hummingbird
import NIOConcurrencyHelpers

/// Every route the platform serves, with the access it declares. Routes are only added through
/// `RouteBuilder`, which records them here and checks their access in one place; a test
/// compares this catalogue with the router's own list so no route is open by accident.
public final class RouteCatalog: Sendable {
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public let method: HTTPRequest.Method
        public let path: String
        public let access: Access
        public var description: String { "\(method) \(path) [\(access)]" }

        /// The path in URI-template form (`/agencies/{identifier}`), as OpenAPI and the router print it.
        public var templatePath: String {
            path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        }
    }

    private let storage = NIOLockedValueBox<[Entry]>([])

    public init() {}

    public var entries: [Entry] { storage.withLockedValue { $0 } }

    func add(_ entry: Entry) { storage.withLockedValue { $0.append(entry) } }
}

/// Whether a path is part of the JSON API (errors as problem+json) or a page (errors as HTML).
public enum Surface {
    public static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/healthz" || path == "/readyz" || path == "/openapi.json" || path == "/metrics"
    }
}

/// Adds routes to the router, each with its declared access, enforced before the handler runs.
public struct RouteBuilder {
    public let router: Router<AppRequestContext>
    public let catalog: RouteCatalog

    public init(router: Router<AppRequestContext>, catalog: RouteCatalog) {
        self.router = router
        self.catalog = catalog
    }

    /// A public route: its handler sees the request's context as it is (a principal if someone is signed in).
    /// Handlers return a response or anything that makes one (`JSONResponse`, …).
    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ access: Open,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output
    ) {
        catalog.add(.init(method: method, path: path, access: .everyone))
        router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
    }

    /// A route that needs an account: checked here, then its handler gets the signed-in context.
    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ access: Restricted,
        _ handler: @escaping @Sendable (Request, SignedInContext) async throws -> Output
    ) {
        catalog.add(.init(method: method, path: path, access: access.access))
        router.on(RouterPath(path), method: method) { request, context in
            try Self.authorize(access.access, context)
            return try await handler(request, try SignedInContext(context))
        }
    }

    public func get<Output: ResponseGenerator>(
        _ path: String,
        _ access: Open,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output
    ) {
        on(.get, path, access, handler)
    }

    public func get<Output: ResponseGenerator>(
        _ path: String,
        _ access: Restricted,
        _ handler: @escaping @Sendable (Request, SignedInContext) async throws -> Output
    ) {
        on(.get, path, access, handler)
    }

    public func post<Output: ResponseGenerator>(
        _ path: String,
        _ access: Open,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Output
    ) {
        on(.post, path, access, handler)
    }

    public func post<Output: ResponseGenerator>(
        _ path: String,
        _ access: Restricted,
        _ handler: @escaping @Sendable (Request, SignedInContext) async throws -> Output
    ) {
        on(.post, path, access, handler)
    }

    /// The single permission check of the platform.
    static func authorize(_ access: Access, _ context: AppRequestContext) throws {
        if access == .everyone { return }
        guard let principal = context.principal else { throw Problem.unauthenticated }
        guard principal.allows(access) else { throw Problem.forbidden }
    }
}
