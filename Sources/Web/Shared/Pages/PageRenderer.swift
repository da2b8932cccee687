import Core
import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
import Identity
import Mustache

/// A link in the main navigation, shown to those its access allows. Later modules add theirs.
public struct NavigationItem: Sendable {
    public let path: String
    public let key: String
    public let access: Access
    /// Shown only to accounts of an agency (the agency's own registers and tasks).
    public let needsAgency: Bool

    public init(path: String, key: String, access: Access, needsAgency: Bool = false) {
        self.path = path
        self.key = key
        self.access = access
        self.needsAgency = needsAgency
    }

    func shows(to principal: Principal?) -> Bool {
        if access == .everyone { return true }
        guard let principal, principal.allows(access) else { return false }
        return !needsAgency || principal.agency != nil
    }
}

/// Renders Mustache templates (HTML-escaped by default) inside the shared layout.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let settings: WebSettings
    public var navigation: [NavigationItem]
    /// Static files by name, with a content hash for cache-busting URLs.
    let assets: [String: (data: Data, hash: String, type: String)]

    /// Every template in `root` (each context's templates land there side by side), known by its
    /// file name alone. Two contexts cannot shadow each other's pages: SwiftPM refuses a target
    /// with two resources of one name ("multiple resources named …").
    static func library(_ root: URL) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: root.path) where file.hasSuffix(".mustache") {
            let template = try MustacheTemplate(string: String(contentsOf: root.appendingPathComponent(file), encoding: .utf8))
            library.register(template, named: String(file.dropLast(".mustache".count)))
        }
        return library
    }

    public static func load(settings: WebSettings) async throws -> PageRenderer {
        guard let templates = Bundle.module.resourceURL,
            let statics = Bundle.module.url(forResource: "Static", withExtension: nil)
        else {
            throw Problem(status: .internalServerError, slug: "internal", detailVi: "Thiếu tệp giao diện", detailEn: "Templates missing")
        }
        let library = try Self.library(templates)
        var assets: [String: (Data, String, String)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: statics.path) {
            let data = try Data(contentsOf: statics.appendingPathComponent(name))
            let hash = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
            let type =
                name.hasSuffix(".css")
                ? "text/css; charset=utf-8"
                : name.hasSuffix(".js")
                    ? "text/javascript; charset=utf-8"
                    : name.hasSuffix(".svg") ? "image/svg+xml" : "application/octet-stream"
            assets[name] = (data, hash, type)
        }
        return PageRenderer(
            library: library,
            settings: settings,
            navigation: [
                NavigationItem(path: "/", key: "home", access: .everyone),
                NavigationItem(path: "/procedures", key: "procedures", access: .everyone),
                NavigationItem(path: "/lookup", key: "lookup", access: .everyone),
                NavigationItem(path: "/dossiers", key: "dossiers", access: .signedIn),
                NavigationItem(path: "/calendar", key: "calendar", access: .everyone),
                NavigationItem(path: "/documents", key: "documents", access: .permission(.documentsWork), needsAgency: true),
                NavigationItem(path: "/tasks", key: "tasks", access: .permission(.documentsWork), needsAgency: true),
                NavigationItem(path: "/statistics", key: "statistics", access: .permission(.statisticsRead)),
                NavigationItem(path: "/documents/dashboard", key: "documentsDashboard", access: .permission(.statisticsRead)),
                NavigationItem(path: "/admin/agencies", key: "agencies", access: .permission(.directoryManage)),
                NavigationItem(path: "/admin/users", key: "users", access: .permission(.usersRead)),
                NavigationItem(path: "/admin/outbox", key: "outbox", access: .permission(.systemAdmin)),
                NavigationItem(path: "/account", key: "account", access: .signedIn),
            ],
            assets: assets
        )
    }

    /// Renders `template` in the layout with the page's typed view model (`page`), as an HTML
    /// response; `errors` are a refused form's messages, shown by the template as the summary
    /// `errors` and at each field as `fieldErrors.<input id>`.
    public func render(
        _ template: String,
        titleKey: String,
        page: some Any,
        errors: FormErrors = .none,
        request: Request,
        context: some RequestState,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let scope = PageScope(layout: layout(titleKey: titleKey, errors: errors, request: request, context: context), page: page)
        guard let html = library.render(scope, withTemplate: template) else {
            throw Problem(
                status: .internalServerError,
                slug: "internal",
                detailVi: "Thiếu mẫu trang \(template)",
                detailEn: "Missing template \(template)"
            )
        }
        return Self.response(html, status: status, request: request, context: context)
    }

    /// How long browsers and shared caches may keep a public page without asking again.
    static let publicPageLifetime = 60

    /// The page as a response. A page shown to a visitor who is not signed in, carrying no CSRF
    /// token (no form of theirs), is the same for everyone: cacheable for a minute, with an ETag
    /// answered by 304. Every other page is private (`no-store`, set by the security headers).
    static func response(_ html: String, status: HTTPResponse.Status, request: Request, context: some RequestState) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        let isPublic =
            status == .ok && request.method == .get && context.signedIn == nil
            && !(context.csrfToken.map { !$0.isEmpty && html.contains($0) } ?? false)
        guard isPublic else { return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html))) }
        let etag = "W/\"" + Digest.sha256Hex(html).prefix(20) + "\""
        headers[.eTag] = etag
        headers[.cacheControl] = "public, max-age=\(publicPageLifetime)"
        headers[.vary] = "Cookie"
        if let asked = request.headers[.ifNoneMatch], asked.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Renders a page that has nothing of its own to show besides the layout and its template.
    public func render(
        _ template: String,
        titleKey: String,
        request: Request,
        context: some RequestState,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        try render(template, titleKey: titleKey, page: NoPageValues(), request: request, context: context, status: status)
    }

    /// A static file's URL with its content hash (cached for a year, changed with the file).
    func assetPath(_ name: String) -> String { "/static/\(name)?v=\(assets[name]?.hash ?? "0")" }

    /// `uri` with its `lang` parameter set to `language` and its other parameters kept.
    static func path(_ uri: URI, language: Language) -> String {
        let kept = (uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("lang=") && $0 != "lang" }
        return uri.path + "?" + (kept + ["lang=\(language.rawValue)"]).joined(separator: "&")
    }

    func layout(titleKey: String, errors: FormErrors, request: Request, context: some RequestState) -> LayoutValues {
        let t = Strings.all(context.language)
        return LayoutValues(
            t: t,
            title: t[titleKey] ?? titleKey,
            lang: context.language.rawValue,
            province: context.language == .vi ? settings.provinceNameVi : settings.provinceNameEn,
            otherLang: context.language == .vi ? "en" : "vi",
            otherLangPath: Self.path(request.uri, language: context.language == .vi ? .en : .vi),
            csrf: context.csrfToken ?? "",
            once: SessionStore.randomToken(),
            flash: context.flash,
            css: assetPath("app.css"),
            emblem: assetPath("emblem.svg"),
            currentPath: request.uri.path,
            user: context.signedIn.map { SignedInUser(username: $0.username, name: context.displayName ?? $0.username) },
            nav: navigation.filter { $0.shows(to: context.signedIn) }.map {
                NavigationLink(path: $0.path, label: t[$0.key] ?? $0.key, current: $0.path == request.uri.path)
            },
            errors: errors.summary,
            fieldErrors: errors.byField
        )
    }

    /// Runs a form's action; when it is refused (a domain error), renders the form again:
    /// `template` with `page` (the values as the user typed them), the problem's messages as
    /// `errors`, and the problem's status.
    public func submitting(
        _ template: String,
        titleKey: String,
        page: some Any,
        request: Request,
        context: some RequestState,
        _ action: () async throws -> Response
    ) async throws -> Response {
        try await Refusal.shown(in: context, action) { problem in
            try render(
                template,
                titleKey: titleKey,
                page: page,
                errors: FormErrors(problem, language: context.language),
                request: request,
                context: context,
                status: problem.httpStatus
            )
        }
    }

    func errorPage(_ problem: Problem, request: Request, context: some RequestState) throws -> Response {
        try render(
            "error",
            titleKey: "errorTitle",
            page: ErrorPage(problem: .init(status: problem.status, detail: problem.detail, requestId: problem.requestId ?? "")),
            request: request,
            context: context,
            status: problem.httpStatus
        )
    }

    /// Serves a static asset with long-lived caching (URLs carry the content hash).
    func asset(_ name: String, request: Request) -> Response? {
        guard let asset = assets[name] else { return nil }
        let etag = "\"\(asset.hash)\""
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "public, max-age=31536000, immutable"])
        }
        return Response(
            status: .ok,
            headers: [.contentType: asset.type, .eTag: etag, .cacheControl: "public, max-age=31536000, immutable"],
            body: .init(byteBuffer: ByteBuffer(bytes: asset.data))
        )
    }
}
