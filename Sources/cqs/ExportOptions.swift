import ArgumentParser
import Foundation

/// `--format csv|json` and `--output FILE` of the export commands, and how they write.
struct ExportOptions: ParsableArguments {
    @Option(help: "csv or json") var format = "json"
    @Option(help: "Output file (default: standard output).") var output: String?

    func validate() throws {
        guard format == "csv" || format == "json" else { throw ValidationError("--format must be csv or json") }
    }

    /// Writes the CSV text or the pretty JSON of `value`.
    func write<T: Encodable>(csv: () throws -> String, json value: T) throws {
        let text: String
        if format == "csv" {
            text = try csv()
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        }
        if let output { try text.write(toFile: output, atomically: true, encoding: .utf8) } else { print(text, terminator: "") }
    }
}

/// The line every import prints.
func importSummary(created: Int, updated: Int, unchanged: Int) -> String {
    "Tạo mới / created: \(created), cập nhật / updated: \(updated), không đổi / unchanged: \(unchanged)"
}
