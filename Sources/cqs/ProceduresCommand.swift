import ArgumentParser
import Foundation
import Procedures
import Server

/// `cqs procedures import FILE` / `cqs procedures export`
struct ProceduresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "procedures",
        abstract: "Danh mục thủ tục hành chính / Procedure catalogue.",
        subcommands: [Import.self, Export.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Nhập thủ tục từ JSON hoặc CSV / Import procedures (all or nothing).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "A .json (array) or .csv (export header) file.") var file: String

        func run() async throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let procedures =
                file.lowercased().hasSuffix(".csv")
                ? try ProcedureCSV.read(String(decoding: data, as: UTF8.self))
                : try JSONDecoder().decode([Procedure].self, from: data)
            let config = try common.config()
            let result = try await common.withPlatform(config) { platform in
                try await platform.procedures.importProcedures(procedures, by: .system("cli"), requestID: nil) { done, total in
                    FileHandle.standardError.write(Data("\r\(done)/\(total) (\(done * 100 / max(total, 1))%)".utf8))
                }
            }
            FileHandle.standardError.write(Data("\n".utf8))
            print(importSummary(created: result.created, updated: result.updated, unchanged: result.unchanged))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Xuất danh mục thủ tục / Export the catalogue.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var export: ExportOptions

        func run() async throws {
            let config = try common.config()
            let all = try await common.withPlatform(config) { try await $0.procedures.all() }
            try export.write(csv: { try ProcedureCSV.write(all) }, json: all)
        }
    }
}
