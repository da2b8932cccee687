import HTTPTypes
import Hummingbird
import Logging

/// Logs one line per request with its id, method, route, status and duration; echoes the id in
/// `X-Request-Id`. Query strings are not logged (they may carry personal data).
public struct RequestLogMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[HTTPField.Name("X-Request-Id")!] = context.requestID
        let elapsed = ContinuousClock.now - start
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "ms": "\(String(format: "%.1f", millis))", "user": "\(context.principal?.username ?? "-")",
            ]
        )
        return response
    }
}
