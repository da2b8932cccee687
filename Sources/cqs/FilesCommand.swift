import ArgumentParser
import Foundation
import Server
import Storage

/// `cqs files`: the attachment store.
struct FilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Kho tệp đính kèm / The attachment store.",
        subcommands: [FilesMigrate.self]
    )
}

/// `cqs files migrate`: copies the files of the folder into the database, so that every node
/// sees them (run once when moving a PostgreSQL deployment to `CQS_FILE_STORE=database`).
struct FilesMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Chuyển tệp từ thư mục vào CSDL / Move the folder's files into the database."
    )
    @OptionGroup var common: CommonOptions

    func run() async throws {
        var config = try common.config()
        config.fileStore = .database
        let added = try await common.withPlatform(config) { platform in try await platform.files.uploadFolder() }
        print("Đã chuyển / Moved \(added) files into the database (each verified against its SHA-256).")
    }
}
