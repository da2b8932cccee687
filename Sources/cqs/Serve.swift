import ArgumentParser
import Core
import Dossiers
import Foundation
import Hummingbird
import Logging
import Server

/// `cqs serve`: migrate, seed, serve HTTP until SIGINT/SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chạy máy chủ / Run the server (migrates and seeds first).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Listen address (env CQS_HTTP_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Listen port (env CQS_HTTP_PORT, default 8080).") var port: Int?
    @Flag(name: .customLong("no-demo"), help: "Do not load demo accounts (production).") var noDemo = false
    @Flag(name: .customLong("secure-cookies"), help: "Clients use HTTPS: Secure cookies and HSTS.") var secureCookies = false

    func run() async throws {
        var config = try common.config()
        if let host { config.host = host }
        if let port { config.port = port }
        if noDemo { config.demoData = false }
        if secureCookies { config.secureCookies = true }
        let logger = Logger(label: "cqs")
        let platform = try Platform(config: config, logger: logger)
        let ready: @Sendable () async -> Void = { [config] in
            var lines = ["", "ChinhQuyenSo đang chạy / is running at http://\(config.host):\(config.port)  (database: \(config.databaseURL))"]
            if config.demoData {
                lines.append("Tài khoản thử nghiệm / demo accounts (mật khẩu / password: \(DemoData.password)):")
                for login in DemoData.logins {
                    lines.append(
                        "  \(login.username.padding(toLength: 18, withPad: " ", startingAt: 0)) \(login.roles.map(\.rawValue).joined(separator: ","))\(login.agency.map { " @ \($0)" } ?? "")"
                    )
                }
                lines.append("  \(DemoData.citizen.phone.padding(toLength: 18, withPad: " ", startingAt: 0)) citizen")
            }
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n\n").utf8))
        }
        let built = try await ApplicationBuilder.build(platform: platform, onReady: ready)
        try await built.application.runService()
    }
}

/// `cqs migrate`: apply pending migrations.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cập nhật lược đồ CSDL / Apply database migrations.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.config()
        let applied = try await common.withPlatform(config, migrate: false) { try await $0.migrate() }
        print(applied.isEmpty ? "Không có thay đổi / Up to date." : "Đã áp dụng / Applied: \(applied.joined(separator: ", "))")
    }
}

/// `cqs seed`: load reference data (and demo accounts unless `--no-demo`).
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Nạp dữ liệu danh mục và dữ liệu mẫu / Load reference and demo data.")
    @OptionGroup var common: CommonOptions
    @Flag(name: .customLong("no-demo"), help: "Reference data only.") var noDemo = false
    @Option(name: .customLong("scale"), help: "Also generate a data set: tiny, province (1M dossiers…) or country (×30).") var scale: String?
    @Option(name: .customLong("random-seed"), help: "Seed of the generator (same seed, same data).") var randomSeed: UInt64 = 2026

    func run() async throws {
        let config = try common.config()
        let demo = !noDemo && config.demoData
        let chosen = try scale.map { text in
            guard let value = ScaleSeed.Scale(rawValue: text) else { throw ValidationError("--scale must be tiny, province or country") }
            return value
        }
        try await common.withPlatform(config) { [randomSeed] platform in
            try await platform.seed(demo: demo)
            if let chosen {
                let started = Date()
                try await ScaleSeed(platform: platform, scale: chosen, seed: randomSeed) { line in
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }.run()
                print(
                    "Đã sinh dữ liệu quy mô / Generated the \(chosen.rawValue) data set in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
                )
            }
        }
        print("Đã nạp dữ liệu / Seeded\(demo ? " (with demo accounts)" : "").")
    }
}

/// `cqs statistics-sql --from --to`: prints the one-stop statistics query exactly as the platform
/// runs it for every agency (the benchmark times it raw in `sqlite3`/`psql` against the API).
struct StatisticsSQL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "statistics-sql", abstract: "In câu truy vấn thống kê / Print the statistics query.")
    @Option(help: "First day, yyyy-MM-dd.") var from: String
    @Option(help: "Last day, yyyy-MM-dd.") var to: String

    func run() async throws {
        guard let first = LocalDate(iso: from), let last = LocalDate(iso: to) else { throw ValidationError("dates are yyyy-MM-dd") }
        print(DossierStore.statisticsSQL(try ReportingPeriod(from: first, to: last), groupBy: .agency, now: Date().epochMillis) + ";")
    }
}
