import Delivery
import Hummingbird
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

    public static func build(
        platform: Platform,
        seed: Bool = true,
        limiter: LoginRateLimiter = LoginRateLimiter(),
        onReady: (@Sendable () async -> Void)? = nil
    ) async throws -> Built {
        let pages = try await PageRenderer.load(settings: WebSettings(secureCookies: platform.config.secureCookies))
        let services = try platform.webServices(pages: pages, limiter: limiter)
        let metrics = PrometheusMetrics()
        let catalog = RouteCatalog()
        let router = try WebRouter.build(services: services, catalog: catalog, outer: [metrics.middleware]) { routes in
            metrics.addRoutes(
                to: routes,
                database: platform.database,
                access: MetricsAccess(addresses: platform.config.metricsAddresses, token: platform.config.metricsToken)
            )
        }
        let started = ReadinessGate()
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(platform.config.host, port: platform.config.port), serverName: "cqs"),
            services: [platform.database] + platform.workers(gate: started)
                + periodicServices(platform, gate: started),
            logger: platform.logger
        )
        application.beforeServerStarts {
            try await platform.migrate()
            if seed { try await platform.seed(demo: platform.config.demoData) }
            await started.open()
            await onReady?()
        }
        return Built(application: application, catalog: catalog, routerRoutes: router.routes.map { "\($0.method) \($0.path)" })
    }

    /// What runs on a schedule: deadline reminders and last month's rating summaries (the outbox
    /// keys make a repeat harmless), and the audit chain's anchors (also at shutdown).
    static func periodicServices(_ platform: Platform, gate: ReadinessGate) -> [PeriodicService] {
        let (documents, dossiers, logger) = (platform.documents, platform.dossiers, platform.logger)
        return [
            PeriodicService(name: "deadline reminders", gate: gate, interval: .seconds(1800), logger: logger) {
                let queued = try await documents.queueReminders()
                if queued > 0 { logger.info("deadline reminders queued", metadata: ["count": "\(queued)"]) }
                try await dossiers.queueRatingSummaries()
            },
            PeriodicService(
                name: "security: audit anchor",
                gate: gate,
                interval: .seconds(platform.config.auditAnchorMinutes * 60),
                logger: logger,
                atShutdown: true
            ) { try await platform.anchorAudit() },
        ]
    }
}
