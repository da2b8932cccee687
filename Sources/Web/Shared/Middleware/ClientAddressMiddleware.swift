import Core
import Hummingbird

/// Sets the request's client address from `X-Forwarded-For` when the peer is a trusted proxy.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response
    {
        guard proxies != .none else { return try await next(request, context) }
        var context = context
        context.clientAddress = proxies.clientAddress(peer: context.clientAddress, forwardedFor: forwarded(request))
        return try await next(request, context)
    }

    /// Every `X-Forwarded-For` field, in order, as one list.
    func forwarded(_ request: Request) -> String? {
        let values = request.headers[values: .init("X-Forwarded-For")!]
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}
