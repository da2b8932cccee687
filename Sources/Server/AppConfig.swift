import Core
import Delivery
import Foundation
import Logging
import Storage

/// Runtime configuration, from flags and environment (`CQS_*`).
public struct AppConfig: Sendable {
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public var databaseURL: DatabaseURL = .sqlite(path: "./cqs-data/cqs.sqlite")
    /// A PostgreSQL streaming-replication standby for read-only work (search, statistics,
    /// public lookups, lists), `CQS_DATABASE_READ_URL`; unset: everything on the primary.
    public var databaseReadURL: DatabaseURL?
    public var host = "127.0.0.1"
    public var port = 8080
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .text
    public var poolSize = 8
    public var bcryptCost: UInt8 = 12
    /// HS256 secret for API tokens (≥ 32 bytes); generated and stored when absent.
    public var jwtSecret: String?
    /// Set when clients reach the server over HTTPS (cookies get `Secure`, responses HSTS).
    public var secureCookies = false
    /// Load demo accounts (for the quick start; turn off in production).
    public var demoData = true
    /// With demo data: a demo certificate authority and certificates for the demo leaders and
    /// their agencies, so documents can be signed and issued out of the box.
    public var demoCertificates = true
    /// Opening hours of agencies, for deadlines that start at the next working moment.
    public var officeHours = OfficeHours.standard
    /// The citizens' hotline on the home page (Đồng Nai's 1022 by default).
    public var hotline: String? = "1022"
    /// The one-stop office's address on the home page (else the directory's).
    public var officeAddress: String?
    /// Where files (dossier attachments) are kept; by default beside the SQLite file, else ./cqs-data.
    public var dataDirectory: String?
    /// Where attached files live (`CQS_FILE_STORE`): `database` (PostgreSQL's default, every node
    /// sees every file) or `directory` (SQLite's default; a shared folder for several nodes, set
    /// with `CQS_FILES_DIR`).
    public var fileStore: ContentStore.Placement?
    /// The files' folder (the cache, with the database placement); default `files` in the data directory.
    public var filesDirectory: String?
    /// The placement in force.
    public var resolvedFileStore: ContentStore.Placement {
        if let fileStore { return fileStore }
        if case .postgres = databaseURL { return .database }
        return .directory
    }
    /// The largest accepted attachment, in megabytes.
    public var maxAttachmentMB = 20
    /// The file the audit chain's signed anchors are appended to (outside the database; by
    /// default `audit-anchors.jsonl` in the data directory), and how often.
    public var auditAnchorFile: String?
    public var auditAnchorMinutes = 5
    /// How often the leader looks for deadlines to remind (the outbox keys send each reminder
    /// once a day however often it looks).
    public var reminderSeconds = 1800
    /// Who may read `/metrics`: these addresses (default this machine) or a bearer of the token.
    public var metricsAddresses = (try? TrustedProxies.parse("127.0.0.1, ::1").get()) ?? .none
    public var metricsToken: String?
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate limits, audit, payments).
    public var trustedProxies = TrustedProxies.none
    /// This platform's address as outside systems reach it (the portal follows file links to it).
    public var publicURL = "http://127.0.0.1:8080"
    /// How long a file link given to the national portal stays valid, in days.
    public var fileLinkDays = 30
    /// The national portal's adapter; without it, sync messages wait in the outbox.
    public var nationalPortal: NationalPortalConfig?
    /// The national document axis; without it, packages for outside recipients wait in the outbox.
    public var nationalAxisURL: String?
    public var nationalAxisToken: String?
    /// The mail server for notifications; without it, e-mails wait in the outbox.
    public var smtp: SMTPConfig?
    /// A real payment gateway (VNPAY 2.1.0 scheme); it needs the merchant code, the shared
    /// secret and an absolute return URL.
    public var paymentGatewayURL: String?
    public var paymentReturnURL: String?
    public var paymentMerchant = "CQSDEMO"
    public var paymentSecret: String?
    /// The built-in sandbox gateway (anyone can "pay" there): explicitly on or off; by default on
    /// only with demo data and no real gateway. Refused without demo data (production).
    public var paymentSandbox: Bool?

    /// Whether the sandbox gateway is served.
    public var sandboxPayments: Bool { paymentSandbox ?? (demoData && paymentGatewayURL == nil) }

    /// The payment settings hold together: the sandbox only with demo data and never beside a
    /// real gateway; a real gateway with its merchant code, secret and absolute return URL.
    public func checkPayments() throws {
        if paymentSandbox == true && !demoData {
            throw Self.invalid("CQS_PAYMENT_SANDBOX", "false in production (without demo data): anyone could mark a fee paid at the sandbox gateway")
        }
        guard let gateway = paymentGatewayURL else { return }
        if paymentSandbox == true { throw Self.invalid("CQS_PAYMENT_SANDBOX", "unset when CQS_PAYMENT_GATEWAY_URL names a real gateway") }
        guard gateway.hasPrefix("https://") || gateway.hasPrefix("http://") else {
            throw Self.invalid("CQS_PAYMENT_GATEWAY_URL", "an absolute http(s) URL")
        }
        guard let returnURL = paymentReturnURL, returnURL.hasPrefix("https://") || returnURL.hasPrefix("http://") else {
            throw Self.invalid(
                "CQS_PAYMENT_RETURN_URL",
                "the absolute URL the gateway sends the browser back to, e.g. https://dichvucong.dongnai.gov.vn/payments/return"
            )
        }
        if paymentSecret == nil { throw Self.invalid("CQS_PAYMENT_SECRET", "the gateway's shared secret (at least 32 bytes)") }
        if paymentMerchant == "CQSDEMO" { throw Self.invalid("CQS_PAYMENT_MERCHANT", "the merchant code (vnp_TmnCode) the gateway issued") }
    }
    /// The key that encrypts signing keys at rest (base64, 32 bytes); by default a file
    /// `pki-master.key` in the data directory, created once with mode 0600.
    public var pkiMasterKey: String?

    /// The folder for files.
    public var resolvedDataDirectory: String {
        if let dataDirectory { return dataDirectory }
        if case .sqlite(let path) = databaseURL {
            let folder = (path as NSString).deletingLastPathComponent
            return folder.isEmpty ? "." : folder
        }
        return "./cqs-data"
    }

    public init() {}

    /// Reads `CQS_DATABASE_URL`, `CQS_HTTP_HOST`, `CQS_HTTP_PORT`, `CQS_LOG_LEVEL`,
    /// `CQS_LOG_FORMAT`, `CQS_DB_POOL_SIZE`, `CQS_BCRYPT_COST`, `CQS_JWT_SECRET`,
    /// `CQS_SECURE_COOKIES`, `CQS_DEMO_DATA`, `CQS_DEMO_CERTIFICATES`, `CQS_OFFICE_HOURS` (`07:30-11:30,13:30-17:00`),
    /// `CQS_HOTLINE`, `CQS_OFFICE_ADDRESS`,
    /// `CQS_DATA_DIR`, `CQS_MAX_ATTACHMENT_MB`, `CQS_NATIONAL_PORTAL_URL`, `CQS_NATIONAL_PORTAL_TOKEN`,
    /// `CQS_SMTP_HOST`, `CQS_SMTP_PORT`, `CQS_SMTP_FROM`, `CQS_SMTP_USERNAME`, `CQS_SMTP_PASSWORD`,
    /// `CQS_PAYMENT_GATEWAY_URL`, `CQS_PAYMENT_RETURN_URL`, `CQS_PAYMENT_MERCHANT`, `CQS_PAYMENT_SECRET`.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var config = AppConfig()
        if let url = env["CQS_DATABASE_URL"], !url.isEmpty { config.databaseURL = try DatabaseURL.parse(url) }
        if let url = env["CQS_DATABASE_READ_URL"], !url.isEmpty { config.databaseReadURL = try DatabaseURL.parse(url) }
        if let host = env["CQS_HTTP_HOST"], !host.isEmpty { config.host = host }
        if let port = env["CQS_HTTP_PORT"] { config.port = try parseInt(port, "CQS_HTTP_PORT", 1...65535) }
        if let level = env["CQS_LOG_LEVEL"] { config.logLevel = try parseLevel(level) }
        if let format = env["CQS_LOG_FORMAT"] {
            guard let value = LogFormat(rawValue: format) else { throw invalid("CQS_LOG_FORMAT", "text|json") }
            config.logFormat = value
        }
        if let size = env["CQS_DB_POOL_SIZE"] { config.poolSize = try parseInt(size, "CQS_DB_POOL_SIZE", 1...200) }
        if let cost = env["CQS_BCRYPT_COST"] { config.bcryptCost = UInt8(try parseInt(cost, "CQS_BCRYPT_COST", 4...16)) }
        if let secret = env["CQS_JWT_SECRET"], !secret.isEmpty { config.jwtSecret = secret }
        if let secure = env["CQS_SECURE_COOKIES"] { config.secureCookies = try parseBool(secure, "CQS_SECURE_COOKIES") }
        if let demo = env["CQS_DEMO_DATA"] { config.demoData = try parseBool(demo, "CQS_DEMO_DATA") }
        if let demo = env["CQS_DEMO_CERTIFICATES"] { config.demoCertificates = try parseBool(demo, "CQS_DEMO_CERTIFICATES") }
        if let hours = env["CQS_OFFICE_HOURS"] { config.officeHours = try OfficeHours(parsing: hours) }
        if let hotline = env["CQS_HOTLINE"] { config.hotline = hotline.isEmpty ? nil : String(hotline.prefix(30)) }
        if let address = env["CQS_OFFICE_ADDRESS"], !address.isEmpty { config.officeAddress = String(address.prefix(300)) }
        if let folder = env["CQS_DATA_DIR"], !folder.isEmpty { config.dataDirectory = folder }
        if let folder = env["CQS_FILES_DIR"], !folder.isEmpty { config.filesDirectory = folder }
        if let store = env["CQS_FILE_STORE"], !store.isEmpty {
            guard let placement = ContentStore.Placement(rawValue: store) else {
                throw ValidationError(
                    field: "CQS_FILE_STORE",
                    messageVi: "CQS_FILE_STORE phải là database hoặc directory",
                    messageEn: "CQS_FILE_STORE must be database or directory"
                )
            }
            config.fileStore = placement
        }
        if let url = env["CQS_NATIONAL_PORTAL_URL"], !url.isEmpty { config.nationalPortal = try nationalPortal(url, env) }
        config.publicURL = env["CQS_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://\(config.host):\(config.port)"
        if let proxies = env["CQS_TRUSTED_PROXIES"], !proxies.isEmpty { config.trustedProxies = try parseRanges(proxies, "CQS_TRUSTED_PROXIES") }
        if let addresses = env["CQS_METRICS_ADDRESSES"] { config.metricsAddresses = try parseRanges(addresses, "CQS_METRICS_ADDRESSES") }
        if let token = env["CQS_METRICS_TOKEN"], !token.isEmpty { config.metricsToken = token }
        if let file = env["CQS_AUDIT_ANCHOR_FILE"], !file.isEmpty { config.auditAnchorFile = file }
        if let minutes = env["CQS_AUDIT_ANCHOR_MINUTES"] { config.auditAnchorMinutes = try parseInt(minutes, "CQS_AUDIT_ANCHOR_MINUTES", 1...1440) }
        if let seconds = env["CQS_REMINDER_SECONDS"] { config.reminderSeconds = try parseInt(seconds, "CQS_REMINDER_SECONDS", 5...86400) }
        if let days = env["CQS_FILE_LINK_DAYS"] { config.fileLinkDays = try parseInt(days, "CQS_FILE_LINK_DAYS", 1...365) }
        if let axis = env["CQS_NATIONAL_AXIS_URL"], !axis.isEmpty {
            config.nationalAxisURL = axis
            config.nationalAxisToken = env["CQS_NATIONAL_AXIS_TOKEN"]
        }
        if let host = env["CQS_SMTP_HOST"], !host.isEmpty {
            config.smtp = SMTPConfig(
                host: host,
                port: try parseInt(env["CQS_SMTP_PORT"] ?? "25", "CQS_SMTP_PORT", 1...65535),
                from: env["CQS_SMTP_FROM"] ?? "noreply@localhost",
                username: env["CQS_SMTP_USERNAME"],
                password: env["CQS_SMTP_PASSWORD"]
            )
        }
        if let url = env["CQS_PAYMENT_GATEWAY_URL"], !url.isEmpty { config.paymentGatewayURL = url }
        if let url = env["CQS_PAYMENT_RETURN_URL"], !url.isEmpty { config.paymentReturnURL = url }
        if let merchant = env["CQS_PAYMENT_MERCHANT"], !merchant.isEmpty { config.paymentMerchant = merchant }
        if let secret = env["CQS_PAYMENT_SECRET"], !secret.isEmpty {
            guard secret.utf8.count >= 32 else { throw invalid("CQS_PAYMENT_SECRET", "at least 32 bytes") }
            config.paymentSecret = secret
        }
        if let sandbox = env["CQS_PAYMENT_SANDBOX"], !sandbox.isEmpty { config.paymentSandbox = try parseBool(sandbox, "CQS_PAYMENT_SANDBOX") }
        if let key = env["CQS_PKI_MASTER_KEY"], !key.isEmpty { config.pkiMasterKey = key }
        if let size = env["CQS_MAX_ATTACHMENT_MB"] { config.maxAttachmentMB = try parseInt(size, "CQS_MAX_ATTACHMENT_MB", 1...500) }
        return config
    }

    /// The portal adapter: its endpoint, then either a login (auth URL, username, password) or
    /// a fixed token, the unit code, and the optional dstcode header and session lifetime.
    static func nationalPortal(_ url: String, _ env: [String: String]) throws -> NationalPortalConfig {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        let username = value("CQS_NATIONAL_PORTAL_USERNAME")
        let token = value("CQS_NATIONAL_PORTAL_TOKEN")
        guard username != nil || token != nil else {
            throw invalid("CQS_NATIONAL_PORTAL_USERNAME", "a login (with _PASSWORD and _AUTH_URL) or CQS_NATIONAL_PORTAL_TOKEN")
        }
        if username != nil && (value("CQS_NATIONAL_PORTAL_PASSWORD") == nil || value("CQS_NATIONAL_PORTAL_AUTH_URL") == nil) {
            throw invalid("CQS_NATIONAL_PORTAL_AUTH_URL", "the login URL, with CQS_NATIONAL_PORTAL_PASSWORD")
        }
        guard let unit = value("CQS_NATIONAL_PORTAL_MADONVI") else {
            throw invalid("CQS_NATIONAL_PORTAL_MADONVI", "the province's unit code at the portal")
        }
        let minutes = try value("CQS_NATIONAL_PORTAL_SESSION_MINUTES").map { try parseInt($0, "CQS_NATIONAL_PORTAL_SESSION_MINUTES", 1...1440) } ?? 10
        return NationalPortalConfig(
            endpointURL: url,
            authURL: value("CQS_NATIONAL_PORTAL_AUTH_URL"),
            username: username,
            password: value("CQS_NATIONAL_PORTAL_PASSWORD"),
            staticSession: token,
            unitCode: unit,
            dstcode: value("CQS_NATIONAL_PORTAL_DSTCODE"),
            sessionLifetime: .seconds(minutes * 60)
        )
    }

    /// Addresses or CIDR ranges separated by commas; the setting and the bad entry named.
    static func parseRanges(_ text: String, _ name: String) throws -> TrustedProxies {
        switch TrustedProxies.parse(text) {
        case .success(let parsed): return parsed
        case .failure(let error): throw invalid(name, "addresses or CIDR ranges separated by commas (not \"\(error.entry)\")")
        }
    }

    static func invalid(_ name: String, _ expected: String) -> ValidationError {
        ValidationError(field: name, messageVi: "\(name) không hợp lệ (cần \(expected))", messageEn: "\(name) is invalid (expected \(expected))")
    }

    public static func parseInt(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else { throw invalid(name, "\(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    public static func parseBool(_ text: String, _ name: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw invalid(name, "true|false")
        }
    }

    public static func parseLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw invalid("CQS_LOG_LEVEL", Logger.Level.allCases.map(\.rawValue).joined(separator: "|"))
        }
        return level
    }
}
