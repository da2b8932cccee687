import Core
import Foundation
import Procedures
import SQLKit
import Storage

/// An agency's own part of a dossier: the consecutive steps of the procedure it carries out.
public struct AgencyPart: Sendable, Equatable {
    public let agency: String
    /// The working days of those steps.
    public let days: Int
    /// Whether this part is the whole procedure (then its deadline is the dossier's appointment).
    public let isWhole: Bool
}

extension DossierRules {
    /// The part of the procedure that begins at step `index`: the agency of that step (the
    /// implementing agency when the step names none) and every following step it also holds.
    public static func agencyPart(of steps: [WorkflowStep], from index: Int, implementing: String) -> AgencyPart {
        guard steps.indices.contains(index) else { return AgencyPart(agency: implementing, days: 0, isWhole: true) }
        let agencies = steps.map { $0.agencyIdentifier ?? implementing }
        let agency = agencies[index]
        let end = agencies[index...].firstIndex { $0 != agency } ?? agencies.endIndex
        return AgencyPart(agency: agency, days: steps[index..<end].reduce(0) { $0 + $1.days }, isWhole: index == 0 && end == agencies.endIndex)
    }
}

/// Each agency's part of a dossier (`dossier_steps`), for its form 06: when the dossier reached
/// it and left it, its own deadline (moved by pauses and extensions as the dossier's is), and how
/// its part ended. Kept in the transaction of the action that moves the dossier; each history
/// entry names the part it belongs to and that part's deadline after it.
extension DossierStore {
    /// Opens the part that begins at the dossier's step `index` at `start`.
    static func openPart(
        _ row: DossierRow,
        index: Int,
        procedure: Procedure,
        start: Date,
        dossierDue: Int64?,
        calendar: WorkingCalendar,
        _ db: any SQLDatabase
    ) async throws {
        let part = DossierRules.agencyPart(of: procedure.steps, from: index, implementing: row.implementingAgency)
        let due =
            part.isWhole || part.days == 0
            ? dossierDue
            : VietnamTime.instant(Deadlines.due(receivedAt: VietnamTime.local(start), processingDays: part.days, cutoff: nil, calendar: calendar))
                .epochMillis
        let seq = try await lastPart(of: row.id, db).map { $0.seq + 1 } ?? 0
        let new = PartRow(
            dossierId: row.id,
            seq: seq,
            agencyIdentifier: part.agency,
            startedAt: start.epochMillis,
            endedAt: nil,
            dueAt: due,
            status: DossierStatus.processing.rawValue
        )
        try await db.insert(into: "dossier_steps").model(new, nilEncodingStrategy: .asNil).run()
    }

    /// A row of `dossier_steps` (an agency's part), each column named once by its coding key.
    struct PartRow: Encodable {
        let dossierId: Int64
        let seq: Int
        let agencyIdentifier: String
        let startedAt: Int64
        let endedAt: Int64?
        let dueAt: Int64?
        let status: String

        enum CodingKeys: String, CodingKey {
            case dossierId = "dossier_id"
            case seq
            case agencyIdentifier = "agency_identifier"
            case startedAt = "started_at"
            case endedAt = "ended_at"
            case dueAt = "due_at"
            case status
        }
    }

    /// Ends the open part: forwarded on (`processing`), or with the dossier's final status.
    static func closePart(of dossierID: Int64, at: Int64, status: DossierStatus, _ db: any SQLDatabase) async throws {
        try await db.update("dossier_steps").set("ended_at", to: at).set("status", to: status.rawValue)
            .where("dossier_id", .equal, dossierID).where("ended_at", .is, SQLLiteral.null).run()
    }

    /// Moves the open part's deadline as the dossier's moves (a pause's working days, an extension).
    static func movePartDue(of dossierID: Int64, _ move: (Int64) -> Int64, _ db: any SQLDatabase) async throws {
        guard let part = try await lastPart(of: dossierID, db), part.open, let due = part.dueAt else { return }
        try await db.update("dossier_steps").set("due_at", to: move(due)).where("dossier_id", .equal, dossierID).where("seq", .equal, part.seq).run()
    }

    /// The latest part of a dossier.
    static func lastPart(of dossierID: Int64, _ db: any SQLDatabase) async throws -> (seq: Int, dueAt: Int64?, open: Bool)? {
        guard
            let row = try await db.select().columns("seq", "due_at", "ended_at").from("dossier_steps").where("dossier_id", .equal, dossierID)
                .orderBy("seq", .descending).limit(1).first()
        else { return nil }
        return (
            try row.decode(column: "seq", as: Int.self), try row.decode(column: "due_at", as: Int64?.self),
            try row.decode(column: "ended_at", as: Int64?.self) == nil
        )
    }

    /// A pause from `pausedAt` to `now` moves a deadline (the dossier's or a part's) by the
    /// working days it lasted.
    static func resumed(_ due: Int64, pausedAt: Int64, now: Date, calendar: WorkingCalendar) -> (dueAt: Int64, pausedDays: Int) {
        let moved = Deadlines.resumed(
            due: VietnamTime.local(Date(epochMillis: due)),
            paused: VietnamTime.local(Date(epochMillis: pausedAt)).date,
            resumed: VietnamTime.local(now).date,
            calendar: calendar
        )
        return (VietnamTime.instant(moved.due).epochMillis, moved.pausedDays)
    }
}
