import ArgumentParser
import Foundation
import Logging
import Server
import Storage

/// `cqs backup --to DIR`: the database (SQLite snapshot or `pg_dump` archive) and every
/// attachment, with a manifest of SHA-256 checksums and row counts. Safe while the server runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Sao lưu CSDL và tệp đính kèm / Back up the database and the attachments."
    )
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("to"), help: "An empty or new folder for the backup.") var folder: String

    func run() async throws {
        let config = try common.config()
        let manifest = try await common.withPlatform(config, migrate: false) { platform in
            try await Backup.create(
                platform.database,
                url: config.databaseURL,
                schema: nil,
                filesRoot: platform.filesRoot,
                to: URL(fileURLWithPath: folder)
            )
        }
        print(
            "Đã sao lưu / Backed up: \(manifest.tables.values.reduce(0, +)) rows in \(manifest.tables.count) tables, \(manifest.files.count) files → \(folder)"
        )
    }
}

/// `cqs restore --from DIR`: verifies every checksum first, then restores the database and the
/// attachments (stop the server first) and compares the row counts with the backup's.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Khôi phục từ bản sao lưu / Restore from a backup (stop the server first)."
    )
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("from"), help: "A folder written by cqs backup.") var folder: String
    @Flag(name: .customLong("verify-only"), help: "Only check the backup's checksums.") var verifyOnly = false

    func run() async throws {
        let config = try common.config()
        if verifyOnly {
            let manifest = try Backup.verify(URL(fileURLWithPath: folder))
            print("Bản sao lưu nguyên vẹn / Backup intact: \(manifest.files.count) files, \(manifest.tables.count) tables")
            return
        }
        let files = URL(fileURLWithPath: config.resolvedDataDirectory).appendingPathComponent("files")
        let manifest = try await Backup.restore(
            from: URL(fileURLWithPath: folder),
            url: config.databaseURL,
            schema: nil,
            filesRoot: files,
            logger: Logger(label: "cqs")
        )
        print(
            "Đã khôi phục / Restored: \(manifest.tables.values.reduce(0, +)) rows in \(manifest.tables.count) tables, \(manifest.files.count) files; row counts match"
        )
    }
}
