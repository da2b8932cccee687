import Core
import Dossiers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import Server
import ServiceLifecycle
import Storage
import Testing
import Web

/// Runs tests against SQLite (a fresh file each) or, when `CQS_TEST_DATABASE_URL` is set,
/// against PostgreSQL (a fresh schema each). The same tests run on both engines.
enum TestEnvironment {
    static let logger: Logger = {
        var logger = Logger(label: "cqs-test")
        logger.logLevel = ProcessInfo.processInfo.environment["CQS_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    static var postgresURL: DatabaseURL? {
        guard let text = ProcessInfo.processInfo.environment["CQS_TEST_DATABASE_URL"], !text.isEmpty else { return nil }
        return try? DatabaseURL.parse(text)
    }

    static var engine: EngineKind { postgresURL == nil ? .sqlite : .postgres }

    /// A configuration with a private database; `cleanup` removes it.
    static func makeConfig() async throws -> (config: AppConfig, schema: String?, cleanup: @Sendable () async -> Void) {
        var config = AppConfig()
        config.bcryptCost = 4
        config.poolSize = 4
        config.demoData = true
        config.demoCertificates = false
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-test-\(UUID().uuidString)")
        config.dataDirectory = directory.path
        if let url = postgresURL {
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try Database(url: url, poolSize: 1, logger: logger)
            try await admin.withRunning { db in try await db.transaction { try await $0.raw("CREATE SCHEMA \(unsafeRaw: schema)").run() } }
            config.databaseURL = url
            return (
                config, String(schema),
                {
                    let admin = try? Database(url: url, poolSize: 1, logger: logger)
                    _ = try? await admin?.withRunning { db in
                        try await db.transaction { try await $0.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run() }
                    }
                    try? FileManager.default.removeItem(at: directory)
                }
            )
        }
        config.databaseURL = .sqlite(path: directory.appendingPathComponent("cqs.sqlite").path)
        return (config, nil, { try? FileManager.default.removeItem(at: directory) })
    }

    /// A migrated platform (seeded with reference and demo data unless `seed` is false).
    static func withPlatform(
        seed: Bool = true,
        migrated: Bool = true,
        clock: WallClock = .system,
        _ body: @Sendable (Platform) async throws -> Void
    ) async throws {
        let (config, schema, cleanup) = try await makeConfig()
        do {
            let platform = try Platform(config: config, logger: logger, schema: schema, clock: clock)
            try await platform.database.withRunning { _ in
                if migrated { try await platform.migrate() }
                if seed { try await platform.seed(demo: true) }
                try await body(platform)
            }
            await cleanup()
        } catch {
            await cleanup()
            throw error
        }
    }

    /// Several nodes on one PostgreSQL database (the same schema and master key, each with its
    /// own data folder, as separate machines would be), migrated and seeded by the first. Nil on
    /// SQLite, which runs one node.
    static func withNodes(_ count: Int, _ body: @Sendable ([Platform]) async throws -> Void) async throws {
        guard engine == .postgres else { return }
        var (config, schema, cleanup) = try await makeConfig()
        config.pkiMasterKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var folders: [URL] = []
        do {
            var nodes: [Platform] = []
            for index in 0..<count {
                var node = config
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-node\(index)-\(UUID().uuidString)")
                folders.append(folder)
                node.dataDirectory = folder.path
                nodes.append(try Platform(config: node, logger: logger, schema: schema))
            }
            let all = nodes
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in all.dropFirst() { group.addTask { await node.database.runUntilCancelled() } }
                defer { group.cancelAll() }
                try await all[0].database.withRunning { _ in
                    try await all[0].migrate()
                    try await all[0].seed(demo: true)
                    try await body(all)
                }
            }
            for folder in folders { try? FileManager.default.removeItem(at: folder) }
            await cleanup()
        } catch {
            for folder in folders { try? FileManager.default.removeItem(at: folder) }
            await cleanup()
            throw error
        }
    }

    /// The whole HTTP application (migrated and seeded) behind a test client, on `clock`.
    static func withApp(
        _ mode: TestingSetup = .router,
        clock: WallClock = .system,
        configure: (inout AppConfig) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, Platform, AppRoutes) async throws -> Void
    ) async throws {
        var (config, schema, cleanup) = try await makeConfig()
        configure(&config)
        do {
            let platform = try Platform(config: config, logger: logger, schema: schema, clock: clock)
            let built = try await ApplicationBuilder.build(platform: platform)
            let routes = AppRoutes(catalog: built.catalog, routerRoutes: built.routerRoutes)
            try await built.application.test(mode) { client in try await body(client, platform, routes) }
            await cleanup()
        } catch {
            await cleanup()
            throw error
        }
    }
}

/// Runs `router` as a real HTTP server on a free loopback port for the duration of `body`
/// (for local fakes of outside systems).
func withLocalServer(_ router: Router<BasicRequestContext>, _ body: @Sendable (String) async throws -> Void) async throws {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "local-fake")
    logger.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
        logger: logger
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        group.addTask { try await services.run() }
        var iterator = stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        do {
            try await body("http://127.0.0.1:\(port)")
            await services.triggerGracefulShutdown()
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
        try await group.waitForAll()
    }
}

/// The routes of a built application.
struct AppRoutes: Sendable {
    let catalog: RouteCatalog
    let routerRoutes: [String]
}

/// Small helpers for requests and responses.
extension TestClientProtocol {
    func json(
        _ uri: String,
        method: HTTPRequest.Method = .get,
        token: String? = nil,
        body: String? = nil,
        contentType: String = "application/json"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// A bearer token for a demo account.
    func token(_ username: String, password: String = DemoData.password) async throws -> String {
        let response = try await json("/api/v1/auth/token", method: .post, body: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == .ok, let token = response.object?["accessToken"] as? String else {
            throw TestFailure("no token for \(username): \(response.status) \(response.text)")
        }
        return token
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] }
    var array: [[String: Any]]? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] }

    /// The body decoded into the API's own type; a failure names the type and shows the answer.
    func decoded<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw TestFailure("\(status) is not a \(T.self): \(error); body: \(text.prefix(400))")
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Counts rows of a table (for "nothing was written" checks).
func rowCount(_ table: String, _ database: Database) async throws -> Int {
    try await database.read { try await $0.count(table) }
}

/// Runs an independent tool (openssl, xmlsec1, xmllint) and returns its exit status and output.
func runTool(_ path: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The newest registration code sent (by SMS or e-mail) to `contact`, read from the outbox as the
/// phone or mailbox would receive it.
func registrationCode(_ platform: Platform, to contact: String) async throws -> String {
    try await oneTimeCode(platform, to: contact, after: "đăng ký tài khoản dịch vụ công: ")
}

/// The latest password-reset code texted or mailed to `contact`.
func passwordResetCode(_ platform: Platform, to contact: String) async throws -> String {
    try await oneTimeCode(platform, to: contact, after: "đặt lại mật khẩu tài khoản dịch vụ công: ")
}

/// The six digits after `lead` in the latest SMS (where it is written without diacritics) or
/// e-mail to `contact` in the outbox.
func oneTimeCode(_ platform: Platform, to contact: String, after lead: String) async throws -> String {
    let payloads = try await platform.database.read { db in
        try await db.select().column("payload").from("outbox_messages").where("topic", .in, ["sms", "email"]).orderBy("id", .descending).limit(50)
            .all()
            .map { try $0.decode(column: "payload", as: String.self) }
    }
    for payload in payloads where payload.contains(contact) {
        for written in [lead, SMSText.plain(lead) + " "] {
            if let range = payload.range(of: written + "[0-9]{6}", options: .regularExpression) { return String(payload[range].suffix(6)) }
        }
    }
    throw TestFailure("no code sent to \(contact)")
}

/// A small PDF for each document the procedure requires (a citizen's submission must carry them all).
func requiredFiles(_ platform: Platform, _ procedureCode: String) async throws -> [NewAttachment] {
    let procedure = try #require(try await platform.procedures.procedure(procedureCode))
    return procedure.documents.filter(\.required).map { NewAttachment(data: DossierStoreTests.pdf, fileName: "giay-to.pdf", documentName: $0.name) }
}

extension TestClientProtocol {
    /// A citizen's submission over the API as the portal's apps send it: multipart with the
    /// dossier's JSON and a PDF for each required document of its procedure.
    func submitDossier(_ json: String, token: String, platform: Platform) async throws -> TestResponse {
        let procedureCode = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["procedureCode"] as? String)
        let boundary = "cqs-test-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"dossier\"\r\nContent-Type: application/json\r\n\r\n\(json)".utf8)
        for file in try await requiredFiles(platform, procedureCode) {
            body.append(
                Data(
                    "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.documentName)\"; filename=\"\(file.fileName)\"\r\nContent-Type: application/pdf\r\n\r\n"
                        .utf8
                )
            )
            body.append(file.data)
        }
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return try await execute(
            uri: "/api/v1/dossiers",
            method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: ByteBuffer(bytes: body)
        )
    }
}
