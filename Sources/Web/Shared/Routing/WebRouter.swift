import Core
import Hummingbird

/// Assembles the router: middleware in order, then every context's pages and API routes.
public enum WebRouter {
    /// - Parameter outer: middleware placed first (e.g. metrics), after request logging.
    public static func build(
        services: WebServices,
        catalog: RouteCatalog,
        outer: [any MiddlewareProtocol<Request, Response, AppRequestContext>] = [],
        extraRoutes: (RouteBuilder) -> Void = { _ in }
    ) throws -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ClientAddressMiddleware(proxies: services.settings.trustedProxies))
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: CompressionMiddleware())
        for middleware in outer { router.add(middleware: middleware) }
        router.add(middleware: SecurityHeadersMiddleware(hsts: services.settings.secureCookies))
        router.add(middleware: ErrorMiddleware(pages: services.pages))  // errors before the session is known
        router.add(middleware: SessionMiddleware(services: services))
        router.add(middleware: ErrorMiddleware(pages: services.pages))  // errors with language and user known
        router.add(middleware: CSRFMiddleware(submissions: services.submissions))
        let routes = RouteBuilder(router: router, catalog: catalog)
        try OpsAPI(services: services).addRoutes(to: routes)
        AuthAPI(services: services).addRoutes(to: routes)
        DirectoryAPI(services: services).addRoutes(to: routes)
        AdminAPI(services: services).addRoutes(to: routes)
        CalendarAPI(services: services).addRoutes(to: routes)
        ProceduresAPI(services: services).addRoutes(to: routes)
        ProcedurePages(services: services).addRoutes(to: routes)
        DossiersAPI(services: services).addRoutes(to: routes)
        DossierPages(services: services).addRoutes(to: routes)
        SlipPages(services: services).addRoutes(to: routes)
        OutboxAPI(services: services).addRoutes(to: routes)
        StatisticsAPI(services: services).addRoutes(to: routes)
        PaymentPages(services: services).addRoutes(to: routes)
        SignaturesAPI(services: services).addRoutes(to: routes)
        ExchangeAPI(services: services).addRoutes(to: routes)
        DocumentsAPI(services: services).addRoutes(to: routes)
        TasksAPI(services: services).addRoutes(to: routes)
        ReportingAPI(services: services).addRoutes(to: routes)
        DocumentPages(services: services).addRoutes(to: routes)
        TaskPages(services: services).addRoutes(to: routes)
        AuthPages(services: services).addRoutes(to: routes)
        AccountPages(services: services).addRoutes(to: routes)
        AdminUserPages(services: services).addRoutes(to: routes)
        AgencyPages(services: services).addRoutes(to: routes)
        PortalPages(services: services).addRoutes(to: routes)
        extraRoutes(routes)
        return router
    }
}
