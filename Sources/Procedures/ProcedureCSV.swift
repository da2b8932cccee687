import Core
import Foundation

/// The CSV form of the catalogue: one row per procedure; fees, documents and steps are JSON
/// arrays in their own columns, so export and import round-trip without loss.
public enum ProcedureCSV {
    public static let columns = [
        "code", "name", "field_code", "field_name", "agency_identifier", "agency_level", "processing_days",
        "online_level", "result_name", "legal_basis", "cutoff_time", "fees", "documents", "steps",
    ]

    public static func write(_ procedures: [Procedure]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let rows = try procedures.map { p in
            [
                p.code, p.name, p.fieldCode, p.fieldName, p.agencyIdentifier ?? "", p.agencyLevel ?? "", String(p.processingDays),
                p.onlineLevel.rawValue, p.resultName, p.legalBasis, p.cutoffTime ?? "", try json(p.fees), try json(p.documents), try json(p.steps),
            ]
        }
        return CSV.write([columns] + rows)
    }

    public static func read(_ text: String) throws -> [Procedure] {
        let rows = try CSV.parse(text)
        guard let header = rows.first, Set(header).isSuperset(of: columns) else {
            throw DomainError.invalid(
                "csv",
                "Dòng tiêu đề phải có các cột: \(columns.joined(separator: ","))",
                "The header row must have the columns: \(columns.joined(separator: ","))"
            )
        }
        let records = try CSV.records(text)
        let decoder = JSONDecoder()
        return try records.enumerated().map { index, r in
            func value(_ key: String) -> String? { r[key].flatMap { $0.isEmpty ? nil : $0 } }
            func list<T: Decodable>(_ key: String, _ type: T.Type) throws -> T {
                do { return try decoder.decode(T.self, from: Data((value(key) ?? "[]").utf8)) } catch {
                    throw DomainError.invalid(
                        "rows[\(index)].\(key)",
                        "Cột \(key) phải là mảng JSON hợp lệ",
                        "Column \(key) must be a valid JSON array"
                    )
                }
            }
            guard let days = Int(value("processing_days") ?? ""), let level = OnlineLevel(rawValue: value("online_level") ?? "") else {
                throw DomainError.invalid("rows[\(index)]", "Thời hạn hoặc mức độ trực tuyến không hợp lệ", "Invalid processing days or online level")
            }
            return Procedure(
                code: value("code") ?? "",
                name: value("name") ?? "",
                fieldCode: value("field_code") ?? "",
                fieldName: value("field_name") ?? "",
                agencyIdentifier: value("agency_identifier"),
                agencyLevel: value("agency_level"),
                processingDays: days,
                fees: try list("fees", [Fee].self),
                documents: try list("documents", [RequiredDocument].self),
                onlineLevel: level,
                resultName: value("result_name") ?? "",
                legalBasis: value("legal_basis") ?? "",
                steps: try list("steps", [WorkflowStep].self),
                cutoffTime: value("cutoff_time")
            )
        }
    }

    /// The shipped demo catalogue.
    public static func demoCatalogue() throws -> [Procedure] {
        guard
            let url = Bundle.module.url(forResource: "Resources/procedures-demo", withExtension: "json")
                ?? Bundle.module.url(forResource: "procedures-demo", withExtension: "json")
        else { throw CocoaError(.fileNoSuchFile) }
        return try JSONDecoder().decode([Procedure].self, from: Data(contentsOf: url))
    }
}
