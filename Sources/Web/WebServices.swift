import Audit
import Core
import Delivery
import Directory
import DocumentExchange
import Documents
import Dossiers
import Identity
import Procedures
import Reporting
import Signatures
import Storage

/// Settings of the web surface.
public struct WebSettings: Sendable {
    /// Cookies get `Secure` and responses HSTS (set when served over TLS, directly or via a proxy).
    public var secureCookies: Bool
    /// The name shown in the header, e.g. "Tỉnh Đồng Nai".
    public var provinceNameVi: String
    public var provinceNameEn: String
    /// Reverse proxies whose `X-Forwarded-For` names the client (`CQS_TRUSTED_PROXIES`).
    public var trustedProxies: TrustedProxies
    /// The citizens' hotline shown on the home page (`CQS_HOTLINE`).
    public var hotline: String?
    /// The one-stop office's address shown on the home page (`CQS_OFFICE_ADDRESS`; else the
    /// provincial service center's address in the directory).
    public var officeAddress: String?

    public init(
        secureCookies: Bool = false,
        provinceNameVi: String = "Tỉnh Đồng Nai",
        provinceNameEn: String = "Dong Nai Province",
        trustedProxies: TrustedProxies = .none,
        hotline: String? = nil,
        officeAddress: String? = nil
    ) {
        self.secureCookies = secureCookies
        self.provinceNameVi = provinceNameVi
        self.provinceNameEn = provinceNameEn
        self.trustedProxies = trustedProxies
        self.hotline = hotline
        self.officeAddress = officeAddress
    }
}

/// What the routes use: the contexts' Swift APIs, never their tables.
public struct WebServices: Sendable {
    public let database: Database
    public let directory: AgencyDirectory
    public let accounts: AccountStore
    public let authenticator: Authenticator
    public let sessions: SessionStore
    /// Once-only form posts.
    public let submissions: FormSubmissions
    public let tokens: TokenService
    public let calendar: CalendarStore
    public let procedures: ProcedureCatalog
    public let dossiers: DossierStore
    public let certificates: CertificateAuthority
    public let exchange: ExchangeStore
    public let documents: DocumentStore
    public let tasks: TaskStore
    public let reporting: ReportingStore
    /// The payment gateway's settings (the secret may be loaded from the database on first use).
    public let paymentGateway: @Sendable () async throws -> PaymentGatewayConfig?
    /// The signed download links given to the national portal (checked when followed).
    public let fileLinks: @Sendable () async throws -> SignedFileLinks
    /// The audit chain checked against its anchors outside the database.
    public let verifyAudit: @Sendable () async throws -> AuditVerification
    /// Throttles failed public status lookups per client address.
    public let lookupLimiter: LoginRateLimiter
    /// Throttles requests that send a one-time code by SMS or e-mail (registration, password reset) per client address.
    public let codeRequestLimiter: LoginRateLimiter
    public let pages: PageRenderer
    public let settings: WebSettings
    /// The platform's clock (tests stop it), read for "today" on pages.
    public let clock: WallClock

    /// Today in Vietnam by the platform's clock.
    public func today() -> LocalDate { VietnamTime.today(clock.now()) }

    public init(
        database: Database,
        directory: AgencyDirectory,
        accounts: AccountStore,
        authenticator: Authenticator,
        sessions: SessionStore,
        submissions: FormSubmissions? = nil,
        tokens: TokenService,
        calendar: CalendarStore,
        procedures: ProcedureCatalog,
        dossiers: DossierStore,
        certificates: CertificateAuthority,
        exchange: ExchangeStore,
        documents: DocumentStore,
        tasks: TaskStore,
        reporting: ReportingStore,
        paymentGateway: @escaping @Sendable () async throws -> PaymentGatewayConfig?,
        fileLinks: @escaping @Sendable () async throws -> SignedFileLinks,
        verifyAudit: @escaping @Sendable () async throws -> AuditVerification,
        lookupLimiter: LoginRateLimiter? = nil,
        pages: PageRenderer,
        settings: WebSettings,
        clock: WallClock = .system
    ) {
        self.database = database
        self.directory = directory
        self.accounts = accounts
        self.authenticator = authenticator
        self.sessions = sessions
        self.submissions = submissions ?? FormSubmissions(database: database)
        self.tokens = tokens
        self.calendar = calendar
        self.procedures = procedures
        self.dossiers = dossiers
        self.certificates = certificates
        self.exchange = exchange
        self.documents = documents
        self.tasks = tasks
        self.reporting = reporting
        self.paymentGateway = paymentGateway
        self.fileLinks = fileLinks
        self.verifyAudit = verifyAudit
        self.lookupLimiter = lookupLimiter ?? LoginRateLimiter(database: database, bucket: "lookup", limit: 10, window: 600)
        codeRequestLimiter = LoginRateLimiter(database: database, bucket: "code-request", limit: 10, window: 600)
        self.pages = pages
        self.settings = settings
        self.clock = clock
    }
}
