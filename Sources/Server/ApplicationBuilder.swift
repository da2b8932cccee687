import Core
import Delivery
import Hummingbird
import Identity
import Logging
import Storage
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
        loginLimit: Int = 20,
        onReady: (@Sendable () async -> Void)? = nil
    ) async throws -> Built {
        let pages = try await PageRenderer.load(settings: WebSettings(secureCookies: platform.config.secureCookies))
        let services = try platform.webServices(pages: pages, loginLimit: loginLimit)
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
        let leadership = Leadership(database: platform.database, logger: platform.logger)
        var application = Application(
            router: router,
            configuration: .init(address: .hostname(platform.config.host, port: platform.config.port), serverName: "cqs"),
            services: [platform.database, CacheListener(database: platform.database, logger: platform.logger), leadership]
                + platform.workers(gate: started) + scheduledJobs(platform, leadership: leadership, gate: started),
            logger: platform.logger
        )
        application.beforeServerStarts {
            try await platform.migrate()
            // Nodes starting together seed one after the other (the second finds it done).
            if seed { try await platform.database.exclusively("seed") { try await platform.seed(demo: platform.config.demoData) } }
            await started.open()
            await onReady?()
        }
        return Built(application: application, catalog: catalog, routerRoutes: router.routes.map { "\($0.method) \($0.path)" })
    }

    /// What runs on a schedule, once across the nodes (on the leader): deadline reminders and
    /// last month's rating summaries (the outbox keys make a repeat harmless), and the audit
    /// chain's anchors (also at shutdown).
    static func scheduledJobs(_ platform: Platform, leadership: Leadership, gate: ReadinessGate) -> [ScheduledJob] {
        let (documents, dossiers, logger) = (platform.documents, platform.dossiers, platform.logger)
        func job(_ name: String, every interval: Duration, atShutdown: Bool = false, _ task: @escaping @Sendable () async throws -> Void)
            -> ScheduledJob
        {
            ScheduledJob(
                name: name,
                interval: interval,
                database: platform.database,
                leadership: leadership,
                gate: gate,
                logger: logger,
                clock: platform.clock,
                atShutdown: atShutdown,
                task: task
            )
        }
        return [
            job("deadline reminders", every: .seconds(platform.config.reminderSeconds)) {
                let queued = try await documents.queueReminders()
                if queued > 0 { logger.info("deadline reminders queued", metadata: ["count": "\(queued)"]) }
                try await dossiers.queueRatingSummaries()
            },
            job("security: audit anchor", every: .seconds(platform.config.auditAnchorMinutes * 60), atShutdown: true) {
                try await platform.anchorAudit()
            },
        ]
    }
}
