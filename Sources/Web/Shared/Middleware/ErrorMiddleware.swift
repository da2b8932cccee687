import Core
import Hummingbird
import Logging

/// Turns every error into a response: problem+json on the API, an HTML page (or a redirect to
/// the login page) elsewhere. 5xx errors are logged with the request id; nothing internal leaks.
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let pages: PageRenderer

    public init(pages: PageRenderer) { self.pages = pages }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem.from(error, language: context.language)
            problem.instance = request.uri.path
            problem.requestId = context.requestID
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            if Surface.isAPI(request.uri.path) { return problem.response() }
            if problem.status == 401, request.method == .get {
                let next = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
                return Response.redirect(to: "/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")", type: .found)
            }
            return try pages.errorPage(problem, request: request, context: context)
        }
    }
}
