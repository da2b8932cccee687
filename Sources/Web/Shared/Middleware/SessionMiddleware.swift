import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Identity
import Storage

/// Works out who is asking and in which language: `Authorization: Bearer` tokens anywhere,
/// the session cookie on pages only (so the API never acts on ambient browser credentials),
/// `?lang=` or the language cookie. Also issues the anonymous CSRF cookie for forms.
public struct SessionMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    static let sessionCookie = "cqs_session"
    static let csrfCookie = "cqs_csrf"
    static let languageCookie = "cqs_lang"
    /// When this browser last changed something (ms): until the standby has replayed past it,
    /// its reads go to the primary (read-your-writes, `ReadFreshness`).
    static let wroteCookie = "cqs_wrote"
    /// How long a change keeps a browser's reads on the primary at most.
    static let wroteLifetime = 30

    let services: WebServices

    public init(services: WebServices) { self.services = services }

    /// What the reads of a request must see: API clients (bearer tokens) always the primary; a
    /// browser that changed something lately, the standby only once it has replayed past then.
    static func freshness(bearer: Bool, wrote: String?) -> ReadFreshness {
        if bearer { return .primary }
        guard let wrote, let moment = Int64(wrote), moment > 0 else { return .any }
        return .after(epochMillis: moment)
    }

    /// Whether a request changes something (its success leaves the read-your-writes marker).
    static func isChange(_ method: HTTPRequest.Method) -> Bool { method != .get && method != .head }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var setLanguage: Language?
        if let lang = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            context.language = lang
            setLanguage = lang
        } else if let lang = request.cookies[Self.languageCookie].flatMap({ Language(rawValue: $0.value) }) {
            context.language = lang
        }
        let isAPI = Surface.isAPI(request.uri.path)
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            if let claims = await services.tokens.claims(from: token), let account = try await services.accounts.account(id: claims.userID),
                account.status == .active, TokenService.accepted(issuedAt: claims.issuedAt, by: account)
            {
                context.principal = account.principal
            }
        } else if !isAPI, let cookie = request.cookies[Self.sessionCookie], let session = try await services.sessions.session(token: cookie.value) {
            context.principal = session.account.principal
            context.displayName = session.account.fullName
            context.sessionToken = cookie.value
            context.csrfToken = session.csrfToken
        }
        if !isAPI && context.csrfToken == nil {
            if let cookie = request.cookies[Self.csrfCookie], cookie.value.count >= 20, cookie.value.count <= 100 {
                context.csrfToken = cookie.value
            } else {
                let token = SessionStore.randomToken()
                context.csrfToken = token
                context.newCSRFCookie = token
            }
        }
        context.flash = request.cookies[Flash.cookie].flatMap { $0.value.removingPercentEncoding }.map { String($0.prefix(300)) }
        let bearer = request.headers[.authorization]?.lowercased().hasPrefix("bearer ") == true
        let freshness = Self.freshness(bearer: bearer, wrote: request.cookies[Self.wroteCookie]?.value)
        var response = try await ReadFreshness.$current.withValue(freshness) { try await next(request, context) }
        let secure = services.settings.secureCookies
        if services.database.replica != nil, !bearer, Self.isChange(request.method), response.status.code < 400 {
            let marker = String(services.clock.millis() + 250)
            response.setCookie(
                Cookie(name: Self.wroteCookie, value: marker, maxAge: Self.wroteLifetime, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
            )
        }
        if let message = response.headers[Flash.header] {
            response.headers[Flash.header] = nil
            let value = message.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics) ?? ""
            response.setCookie(Cookie(name: Flash.cookie, value: value, maxAge: 120, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
        } else if context.flash != nil, !(300..<400).contains(response.status.code) {
            response.setCookie(Cookie(name: Flash.cookie, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
        }
        // A public page (cacheable, the same for everyone) sets no cookie: the token comes with
        // the first page that has a form.
        if let token = context.newCSRFCookie, response.headers[.cacheControl]?.hasPrefix("public") != true {
            response.setCookie(Cookie(name: Self.csrfCookie, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        }
        if let setLanguage {
            // A response that sets a cookie is never one to share.
            if response.headers[.cacheControl]?.hasPrefix("public") == true { response.headers[.cacheControl] = "no-store" }
            response.setCookie(
                Cookie(
                    name: Self.languageCookie,
                    value: setLanguage.rawValue,
                    maxAge: 365 * 86400,
                    path: "/",
                    secure: secure,
                    httpOnly: true,
                    sameSite: .lax
                )
            )
        }
        return response
    }
}

/// Rejects form posts (anything but GET/HEAD/OPTIONS on pages) whose `_csrf` field does not
/// match the session's token or the anonymous double-submit cookie.
/// A form that carries a once-only token (`_once`, every form of our pages) runs once: a repeat
/// is sent where the first post led (`FormSubmissions`).
public struct CSRFMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    /// The largest multipart form (files included).
    let multipartLimit: Int
    let submissions: FormSubmissions?

    public init(multipartLimit: Int = 110 * 1024 * 1024, submissions: FormSubmissions? = nil) {
        self.multipartLimit = multipartLimit
        self.submissions = submissions
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Surface.isAPI(request.uri.path), ![.get, .head, .options].contains(request.method) else {
            return try await next(request, context)
        }
        var request = request
        let isMultipart = Multipart.boundary(request.headers[.contentType]) != nil
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: isMultipart ? multipartLimit : Form.limit)
        } catch {
            throw Problem.fromHTTP(status: .contentTooLarge, language: context.language)
        }
        let form = Form(buffer: buffer, contentType: request.headers[.contentType])
        guard let expected = context.csrfToken, context.newCSRFCookie == nil, let given = form["_csrf"],
            ConstantTime.equal(given, expected)
        else {
            throw Problem(
                status: .forbidden,
                slug: "csrf",
                detailVi: "Phiên biểu mẫu đã hết hạn, vui lòng tải lại trang và thử lại",
                detailEn: "The form has expired; reload the page and try again",
                language: context.language
            )
        }
        guard let submissions, let once = form["_once"], FormSubmissions.isWellFormed(once) else { return try await next(request, context) }
        return try await Self.once(once, owner: expected, submissions, request, context, next)
    }

    static func once(
        _ token: String,
        owner: String,
        _ submissions: FormSubmissions,
        _ request: Request,
        _ context: Context,
        _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch try await submissions.claim(token, owner: owner) {
        case .done(let location):
            return Response.redirect(to: location, type: .normal).flashing(Flash.alreadySent(context.language))
        case .unfinished:
            throw Problem(
                status: .conflict,
                slug: "already-sent",
                detailVi: "Biểu mẫu này đã được gửi và đang được xử lý; hãy xem lại danh sách trước khi gửi lại",
                detailEn: "This form was already sent and is being processed; check the list before sending it again",
                language: context.language
            )
        case .first:
            let response: Response
            do {
                response = try await next(request, context)
            } catch {
                try await submissions.release(token)
                throw error
            }
            if (300..<400).contains(response.status.code), let location = response.headers[.location] {
                try await submissions.finish(token, location: location)
            } else {
                try await submissions.release(token)
            }
            return response
        }
    }
}

/// A one-line message shown once on the next page (after an action's redirect), carried in a
/// short-lived cookie that the next page clears.
public enum Flash {
    static let header = HTTPField.Name("X-CQS-Flash")!
    static let cookie = "cqs_flash"
    static func alreadySent(_ language: Language) -> String {
        language == .vi ? "Biểu mẫu này đã được gửi trước đó; đây là kết quả." : "This form was already sent; here is what it led to."
    }
}

extension Response {
    /// This response with `message` shown once on the page it leads to.
    public func flashing(_ message: String) -> Response {
        var response = self
        response.headers[Flash.header] = String(message.prefix(300))
        return response
    }
}

/// A form body: `application/x-www-form-urlencoded`, or `multipart/form-data` with files.
public struct Form: Sendable {
    public static let limit = 64 * 1024
    public let fields: [String: String]
    public let files: [FormFile]

    public init(buffer: ByteBuffer, contentType: String? = nil) {
        if let boundary = Multipart.boundary(contentType) {
            let parsed = Multipart.parse(Data(buffer: buffer), boundary: boundary)
            self.fields = parsed?.fields ?? [:]
            self.files = parsed?.files ?? []
            return
        }
        files = []
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { URI.formDecoded(s) ?? "" }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        self.fields = fields
    }

    public subscript(_ key: String) -> String? { fields[key] }

    /// Reads the form of a request (already collected by the CSRF check).
    public static func read(_ request: Request) async throws -> Form {
        var request = request
        let isMultipart = Multipart.boundary(request.headers[.contentType]) != nil
        return Form(buffer: try await request.collectBody(upTo: isMultipart ? Int.max : limit), contentType: request.headers[.contentType])
    }
}
