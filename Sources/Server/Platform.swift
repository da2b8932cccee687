import Audit
import Core
import Delivery
import Directory
import DocumentExchange
import Documents
import Dossiers
import Foundation
import Identity
import Logging
import Procedures
import Reporting
import Signatures
import Storage
import Web

/// The assembled platform: storage and every context's services, built from configuration.
/// Used by the HTTP application, the CLI and the tests.
public struct Platform: Sendable {
    public let config: AppConfig
    public let database: Database
    public let directory: AgencyDirectory
    public let accounts: AccountStore
    public let calendar: CalendarStore
    public let procedures: ProcedureCatalog
    public let dossiers: DossierStore
    public let certificates: CertificateAuthority
    public let exchange: ExchangeStore
    public let documents: DocumentStore
    public let tasks: TaskStore
    public let reporting: ReportingStore
    public let logger: Logger
    public let clock: WallClock
    /// Signs the audit chain's anchors (derived from the master key, outside the database).
    public let auditAnchorKey: AuditAnchorKey
    /// Where the anchors are written, outside the database.
    public var auditAnchors: AuditAnchorFile {
        AuditAnchorFile(path: config.auditAnchorFile ?? config.resolvedDataDirectory + "/audit-anchors.jsonl")
    }
    /// The attachment store's folder (files by SHA-256).
    public var filesRoot: URL {
        config.filesDirectory.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: config.resolvedDataDirectory).appendingPathComponent("files")
    }
    /// The attachment store (in the database or the folder, by configuration).
    public let files: ContentStore

    public init(config: AppConfig, logger: Logger, schema: String? = nil, clock: WallClock = .system) throws {
        try config.checkPayments()
        self.config = config
        self.logger = logger
        self.clock = clock
        database = try Database(url: config.databaseURL, readURL: config.databaseReadURL, poolSize: config.poolSize, schema: schema, logger: logger)
        directory = AgencyDirectory(database: database, clock: clock)
        accounts = AccountStore(database: database, hasher: PasswordHasher(cost: config.bcryptCost), clock: clock)
        calendar = CalendarStore(database: database, officeHours: config.officeHours, clock: clock)
        procedures = ProcedureCatalog(database: database, clock: clock)
        files = try ContentStore(
            root: config.filesDirectory.map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: config.resolvedDataDirectory).appendingPathComponent("files"),
            placement: config.resolvedFileStore,
            database: database
        )
        dossiers = DossierStore(
            database: database,
            procedures: procedures,
            directory: directory,
            accounts: accounts,
            calendar: calendar,
            files: files,
            maxAttachmentSize: config.maxAttachmentMB * 1_048_576,
            clock: clock
        )
        let vault = try config.pkiMasterKey.map(KeyVault.base64) ?? KeyVault.file(config.resolvedDataDirectory + "/pki-master.key")
        auditAnchorKey = AuditAnchorKey(masterKey: vault.derivedKey("audit anchors"))
        let accountStore = accounts
        certificates = CertificateAuthority(database: database, vault: vault, clock: clock) { username in
            try await accountStore.account(username: username)?.agencyIdentifier
        }
        exchange = ExchangeStore(
            database: database,
            directory: directory,
            certificates: certificates,
            files: files,
            workFolder: URL(fileURLWithPath: config.resolvedDataDirectory).appendingPathComponent("exchange-work"),
            clock: clock
        )
        documents = DocumentStore(
            database: database,
            directory: directory,
            accounts: accounts,
            calendar: calendar,
            exchange: exchange,
            certificates: certificates,
            files: files,
            workFolder: URL(fileURLWithPath: config.resolvedDataDirectory).appendingPathComponent("documents-work"),
            maxFileSize: config.maxAttachmentMB * 1_048_576,
            clock: clock
        )
        // A registered document learns when its sender revokes, updates or replaces it.
        exchange.senderChanges.add { change, db in try await DocumentStore.recordSenderChange(change, on: db) }
        tasks = TaskStore(database: database, directory: directory, calendar: calendar, files: files, clock: clock)
        reporting = ReportingStore(database: database, directory: directory, calendar: calendar, clock: clock)
    }

    /// Applies pending migrations.
    @discardableResult
    public func migrate() async throws -> [String] {
        let applied = try await Migrator.migrate(database, Schema.migrations, logger: logger)
        // Staff certificates from before the agency column: their agency comes from the accounts.
        let filled = try await certificates.recordStaffAgencies()
        if filled > 0 { logger.info("staff certificates bound to their agencies", metadata: ["certificates": "\(filled)"]) }
        return applied
    }

    /// Loads reference data, and demo accounts when configured.
    public func seed(demo: Bool) async throws {
        let summary = try await ReferenceData.load(into: database, clock: clock)
        directory.referenceDataChanged()
        calendar.referenceDataChanged()
        try await database.cacheChanged(AgencyDirectory.cacheName)
        try await database.cacheChanged(CalendarStore.cacheName)
        logger.info(
            "reference data loaded",
            metadata: [
                "adminUnitsAdded": "\(summary.adminUnitsAdded)", "agenciesCreated": "\(summary.agencies.created)",
                "departmentsAdded": "\(summary.departmentsAdded)", "calendarOverridesAdded": "\(summary.calendarOverridesAdded)",
            ]
        )
        if demo {
            if try await procedures.count() == 0 {
                let result = try await procedures.importProcedures(try ProcedureCSV.demoCatalogue(), by: .system("seed"), requestID: nil)
                logger.info("demo procedure catalogue loaded", metadata: ["created": "\(result.created)"])
            }
            let created = try await DemoData.load(accounts: accounts, directory: directory, logger: logger)
            logger.info("demo accounts loaded", metadata: ["created": "\(created)"])
            let definitions = try await reporting.loadDemo()
            if definitions > 0 { logger.info("demo reporting definitions loaded", metadata: ["created": "\(definitions)"]) }
            if config.demoCertificates {
                let issued = try await DemoData.loadCertificates(certificates, directory: directory)
                if let issued {
                    logger.info("demo certificates issued", metadata: ["issued": "\(issued)"])
                } else {
                    logger.warning("demo certificates skipped: the certificate authority has no private key here (imported without it)")
                }
            }
        }
    }

    /// Background delivery workers (one per configured outside system).
    public func workers(gate: ReadinessGate) -> [OutboxWorker] {
        var workers: [OutboxWorker] = []
        if let portal = config.nationalPortal {
            let client = NationalPortalClient(config: portal)
            let dossiers = dossiers
            workers.append(
                OutboxWorker(database: database, topic: NationalPortalClient.topic, clock: clock, logger: logger, gate: gate) { [self] message in
                    try await client.deliver(try await dossiers.nationalRequest(for: message.payload, links: try await fileLinks()))
                }
            )
        }
        if let axis = config.nationalAxisURL {
            let client = NationalAxisClient(baseURL: axis, token: config.nationalAxisToken ?? "")
            let exchange = exchange
            workers.append(
                OutboxWorker(database: database, topic: ExchangeStore.axisTopic, clock: clock, logger: logger, gate: gate) { message in
                    let delivery = try JSONDecoder().decode(ExchangeStore.AxisDelivery.self, from: Data(message.payload.utf8))
                    try await client.post(try await exchange.storedPackage(delivery), key: message.dedupeKey)
                }
            )
        }
        if let smtp = config.smtp {
            let client = SMTPClient(config: smtp)
            workers.append(
                OutboxWorker(database: database, topic: SMTPClient.topic, clock: clock, logger: logger, gate: gate) { try await client.deliver($0) }
            )
        }
        // Statuses of registered documents to their senders; issued documents to their recipients.
        let exchange = exchange
        workers.append(
            OutboxWorker(database: database, topic: ExchangeStore.statusTopic, clock: clock, logger: logger, gate: gate) {
                try await exchange.deliverStatus($0)
            }
        )
        let documents = documents
        workers.append(
            OutboxWorker(database: database, topic: DocumentStore.dispatchTopic, clock: clock, logger: logger, gate: gate) { message in
                let id = try JSONDecoder().decode([String: Int64].self, from: Data(message.payload.utf8))["id"] ?? 0
                try await documents.dispatch(id)
            }
        )
        let logger = logger
        // Without a carrier, texts go to the log: in full only with demo data (codes are secrets).
        let sms = LoggingSMSSender(showsText: config.demoData) { logger.info("\($0)") }
        workers.append(
            OutboxWorker(database: database, topic: SMSMessage.topic, clock: clock, logger: logger, gate: gate) { message in
                let text = try JSONDecoder().decode(SMSMessage.self, from: Data(message.payload.utf8))
                try await sms.send(to: text.to, text: text.text)
            }
        )
        return workers
    }

    /// The services the web layer uses.
    public func webServices(pages: PageRenderer, loginLimit: Int = 20) throws -> WebServices {
        let hasher = PasswordHasher(cost: config.bcryptCost)
        let sessions = SessionStore(database: database, accounts: accounts, clock: clock)
        let authenticator = Authenticator(
            database: database,
            accounts: accounts,
            hasher: hasher,
            limiter: LoginRateLimiter(database: database, bucket: "login", limit: loginLimit),
            clock: clock
        )
        let tokens = try TokenService(database: database, configuredSecret: config.jwtSecret, clock: clock)
        return WebServices(
            database: database,
            directory: directory,
            accounts: accounts,
            authenticator: authenticator,
            sessions: sessions,
            submissions: FormSubmissions(database: database, clock: clock),
            tokens: tokens,
            calendar: calendar,
            procedures: procedures,
            dossiers: dossiers,
            certificates: certificates,
            exchange: exchange,
            documents: documents,
            tasks: tasks,
            reporting: reporting,
            paymentGateway: { [config, database, clock] in
                // A real gateway, else the sandbox where it is enabled, else none.
                if let url = config.paymentGatewayURL, let secret = config.paymentSecret, let returnURL = config.paymentReturnURL {
                    return PaymentGatewayConfig(gatewayURL: url, merchantCode: config.paymentMerchant, secret: secret, returnURL: returnURL)
                }
                guard config.sandboxPayments else { return nil }
                let secret = try await config.paymentSecret.asyncOrElse {
                    try await TokenService.storedSecret(database: database, name: "payment-hmac", clock: clock)
                }
                return PaymentGatewayConfig(
                    gatewayURL: PaymentGatewayConfig.sandboxPath,
                    merchantCode: config.paymentMerchant,
                    secret: secret,
                    returnURL: config.paymentReturnURL ?? "/payments/return",
                    sandbox: true
                )
            },
            fileLinks: { [self] in try await fileLinks() },
            verifyAudit: { [self] in try await verifyAudit() },
            pages: pages,
            settings: WebSettings(
                secureCookies: config.secureCookies,
                trustedProxies: config.trustedProxies,
                hotline: config.hotline,
                officeAddress: config.officeAddress
            ),
            clock: clock
        )
    }

    /// Checks the audit chain against the anchors kept outside the database.
    public func verifyAudit() async throws -> AuditVerification {
        try await AuditVerifier.verify(database, anchors: try auditAnchors.read(), key: auditAnchorKey)
    }

    /// Anchors the audit chain's head outside the database (file and security log), when it moved.
    @discardableResult
    public func anchorAudit() async throws -> AuditAnchor? {
        guard let anchor = try await AuditLog.anchor(database, key: auditAnchorKey, file: auditAnchors, clock: clock) else { return nil }
        logger.notice(
            "security: audit chain anchored",
            metadata: [
                "event": "audit.anchor", "at": "\(anchor.at)", "records": "\(anchor.records)",
                "heads": "\(anchor.namedHeads)",
                "signature": "\(anchor.signature)",
            ]
        )
        return anchor
    }

    /// Download links for the national portal, signed with a key kept in the database (every
    /// node signs and checks with the same one), valid `CQS_FILE_LINK_DAYS`.
    public func fileLinks() async throws -> SignedFileLinks {
        let secret = try await TokenService.storedSecret(database: database, name: "file-links", clock: clock)
        return SignedFileLinks(secret: secret, baseURL: config.publicURL, lifetime: TimeInterval(config.fileLinkDays * 86_400), clock: clock)
    }
}
