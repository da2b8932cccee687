import Foundation
import SQLKit

/// A value of a generated row.
public enum BulkValue: Sendable {
    case int(Int64)
    case text(String)
    case null

    var literal: String {
        switch self {
        case .int(let value): String(value)
        case .text(let value): "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        case .null: "NULL"
        }
    }
}

/// Multi-row INSERTs written as SQL literals, for generated data sets only (`cqs seed --scale`):
/// far faster than one bound statement per row on both engines. Never for user input.
public enum BulkInsert {
    public static func insert(into table: String, columns: [String], rows: [[BulkValue]], on db: any SQLDatabase, batch: Int = 500) async throws {
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + batch)
            var sql = head
            sql.reserveCapacity(rows[start].count * 24 * (end - start))
            for index in start..<end {
                if index > start { sql += "," }
                sql += "(" + rows[index].map(\.literal).joined(separator: ",") + ")"
            }
            try await db.raw(SQLQueryString(sql)).run()
            start = end
        }
    }

    /// The largest `id` of a table (0 when empty), to find the rows a bulk insert added.
    public static func maxID(_ table: String, on db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("SELECT COALESCE(MAX(id), 0) AS m FROM \(ident: table)").first()?.decode(column: "m", as: Int64.self) ?? 0
    }
}
