import ArgumentParser
import Core
import Logging
import Server
import Storage

/// Options shared by every command; flags override `CQS_*` environment variables.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "SQLite path or postgres:// URL (env CQS_DATABASE_URL; default ./cqs-data/cqs.sqlite).")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (env CQS_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text|json (env CQS_LOG_FORMAT).")
    var logFormat: String?

    /// The configuration from the environment with these flags applied; sets up logging.
    func config() throws -> AppConfig {
        var config = try AppConfig.fromEnvironment()
        if let databaseURL { config.databaseURL = try DatabaseURL.parse(databaseURL) }
        if let logLevel { config.logLevel = try AppConfig.parseLevel(logLevel) }
        if let logFormat {
            guard let format = AppConfig.LogFormat(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
            config.logFormat = format
        }
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        return config
    }

    /// Runs `body` with a migrated platform whose database pool is running.
    func withPlatform<T: Sendable>(_ config: AppConfig, migrate: Bool = true, _ body: @Sendable (Platform) async throws -> T) async throws -> T {
        let platform = try Platform(config: config, logger: Logger(label: "cqs"))
        return try await platform.database.withRunning { _ in
            if migrate { try await platform.migrate() }
            return try await body(platform)
        }
    }
}
