import Core
import Foundation
import SQLKit

/// A procedure and how many dossiers of it were received in the last 90 days.
public struct PopularProcedure: Sendable, Equatable {
    public let code: String
    public let name: String
    public let dossiers: Int
}

extension DossierStore {
    /// The `limit` procedures with the most dossiers received in the last 90 days, most first
    /// (what visitors of the home page most likely came for). Counted at most every ten minutes.
    public func popularProcedures(limit: Int = 6) async throws -> [PopularProcedure] {
        let since = clock.millis() - 90 * 24 * 3600 * 1000
        return try await popularity.value(for: limit) {
            let counted = try await database.readReplica { db in
                try await db.select().column("procedure_code").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "dossiers")
                    .from("dossiers").where("received_at", .greaterThanOrEqual, since)
                    .groupBy("procedure_code").orderBy(SQLIdentifier("dossiers"), SQLDirection.descending).orderBy("procedure_code").limit(limit)
                    .all()
            }
            var found: [PopularProcedure] = []
            for row in counted {
                let code = try row.decode(column: "procedure_code", as: String.self)
                guard let procedure = try await procedures.procedure(code) else { continue }
                found.append(PopularProcedure(code: code, name: procedure.name, dossiers: try row.decode(column: "dossiers", as: Int.self)))
            }
            // Nothing counted is not kept: the first dossiers show without waiting.
            return found.isEmpty ? nil : found
        } ?? []
    }
}
