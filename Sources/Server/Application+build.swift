import Hummingbird
import Delivery
import Identity
import Logging
import Web

/// The HTTP application: the platform's router served by Hummingbird, the database pool as a
/// lifecycle service, migrations and seeding before the server accepts connections, graceful
/// shutdown on SIGTERM/SIGINT.
public enum ApplicationBuilder {
    public struct Built {
        public let application: Application<RouterResponder<AppRequestContext>>
        public let catalog: RouteCatalog
        /// The router's own list of routes ("METHOD /path"), to check against the catalogue.
        public let routerRoutes: [String]
    }

    public static func build(platform: Platform, seed: Bool = true, limiter: LoginRateLimiter = LoginRateLimiter(),
                             onReady: (@Sendable () async -> Void)? = nil) async throws -> Built {
        let pages = try await PageRenderer.load(settings: WebSettings(secureCookies: platform.config.secureCookies))
        let services = try platform.webServices(pages: pages, limiter: limiter)
        let metrics = PrometheusMetrics()
        let catalog = RouteCatalog()
        let router = try WebRouter.build(services: services, catalog: catalog, outer: [metrics.middleware]) { routes in
            metrics.addRoutes(to: routes, database: platform.database, access: MetricsAccess(addresses: platform.config.metricsAddresses, token: platform.config.metricsToken))
        }
        let started = ReadinessGate()
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(platform.config.host, port: platform.config.port), serverName: "cqs"),
            services: [platform.database] + platform.workers(gate: started)
                + [ReminderService(documents: platform.documents, dossiers: platform.dossiers, gate: started, interval: .seconds(1800), logger: platform.logger),
                   AuditAnchorService(platform: platform, gate: started, interval: .seconds(platform.config.auditAnchorMinutes * 60))],
            logger: platform.logger)
        application.beforeServerStarts {
            try await platform.migrate()
            if seed { try await platform.seed(demo: platform.config.demoData) }
            await started.open()
            await onReady?()
        }
        return Built(application: application, catalog: catalog, routerRoutes: router.routes.map { "\($0.method) \($0.path)" })
    }
}
