import SQLKit

extension SQLDatabase {
    /// The number of rows in `table`.
    public func count(_ table: String) async throws -> Int {
        try await select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
