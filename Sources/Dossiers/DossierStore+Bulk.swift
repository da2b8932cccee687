import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Generated dossiers for scale data sets (`cqs seed --scale`): written as literal multi-row
/// inserts, their agencies set-based, and each agency's daily code sequence moved past them.
extension DossierStore {
    public struct SeedDossier: Sendable {
        public var code: String
        public var procedureCode: String
        public var procedureName: String
        public var fieldCode: String
        public var fieldName: String
        public var onlineLevel: String
        public var agency: String
        public var channel: Int
        public var status: DossierStatus
        public var applicantName: String
        public var applicantPhone: String
        public var subject: String
        public var createdAt: Int64
        public var receivedAt: Int64?
        public var dueAt: Int64?
        public var endAt: Int64?
        public var returnedAt: Int64?
        public var supplementCount: Int
        public init(code: String, procedureCode: String, procedureName: String, fieldCode: String, fieldName: String, onlineLevel: String, agency: String,
                    channel: Int, status: DossierStatus, applicantName: String, applicantPhone: String, subject: String, createdAt: Int64,
                    receivedAt: Int64?, dueAt: Int64?, endAt: Int64?, returnedAt: Int64?, supplementCount: Int) {
            self.code = code; self.procedureCode = procedureCode; self.procedureName = procedureName; self.fieldCode = fieldCode; self.fieldName = fieldName
            self.onlineLevel = onlineLevel; self.agency = agency; self.channel = channel; self.status = status; self.applicantName = applicantName
            self.applicantPhone = applicantPhone; self.subject = subject; self.createdAt = createdAt; self.receivedAt = receivedAt; self.dueAt = dueAt
            self.endAt = endAt; self.returnedAt = returnedAt; self.supplementCount = supplementCount
        }
    }

    static let seedColumns = ["code", "procedure_code", "procedure_name", "receiving_agency", "implementing_agency", "current_agency", "current_step", "step_count",
                              "channel", "status", "applicant", "applicant_phone", "subject", "created_at", "received_at", "due_at", "paused_days",
                              "supplement_count", "extension_count", "finished_at", "end_at", "returned_at", "updated_at", "version", "field_code", "field_name",
                              "fees", "online_level"]

    /// Inserts one batch of generated dossiers in one transaction.
    public func bulkInsert(_ dossiers: [SeedDossier]) async throws {
        func optional(_ value: Int64?) -> BulkValue { value.map(BulkValue.int) ?? .null }
        let rows: [[BulkValue]] = dossiers.map { d in
            let applicant = #"{"fullName":"\#(d.applicantName)","kind":1,"phone":"\#(d.applicantPhone)"}"#
            return [.text(d.code), .text(d.procedureCode), .text(d.procedureName), .text(d.agency), .text(d.agency), .text(d.agency), .int(0), .int(1),
                    .int(Int64(d.channel)), .text(d.status.rawValue), .text(applicant), .text(d.applicantPhone), .text(d.subject), .int(d.createdAt),
                    optional(d.receivedAt), optional(d.dueAt), .int(0), .int(Int64(d.supplementCount)), .int(0), optional(d.endAt), optional(d.endAt),
                    optional(d.returnedAt), .int(d.endAt ?? d.receivedAt ?? d.createdAt), .int(1), .text(d.fieldCode), .text(d.fieldName), .text("[]"),
                    .text(d.onlineLevel)]
        }
        try await database.transaction { db in
            let before = try await BulkInsert.maxID("dossiers", on: db)
            try await BulkInsert.insert(into: "dossiers", columns: Self.seedColumns, rows: rows, on: db, batch: 400)
            try await db.raw("INSERT INTO dossier_agencies (dossier_id, agency_identifier) SELECT id, implementing_agency FROM dossiers WHERE id > \(bind: before)").run()
            try await Self.addWholeParts(after: before, db)
        }
    }

    /// One part per received dossier after `id`, at its implementing agency, as its own row
    /// stands (for dossiers loaded in bulk or stored before parts were kept).
    static func addWholeParts(after id: Int64, _ db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO dossier_steps (dossier_id, seq, agency_identifier, started_at, ended_at, due_at, status)
            SELECT id, 0, implementing_agency, received_at, end_at, due_at,
              CASE WHEN end_at IS NULL THEN '\(unsafeRaw: DossierStatus.processing.rawValue)' ELSE status END
            FROM dossiers WHERE id > \(bind: id) AND received_at IS NOT NULL AND status <> '\(unsafeRaw: DossierStatus.refused.rawValue)'
            """).run()
    }

    /// After a bulk load: each agency's daily sequence continues after the generated codes
    /// (`<agency>-<YYMMDD>-<NNNN>`), so new dossiers never collide with them.
    public func advanceSequences(_ last: [String: Int], by principal: Principal) async throws {
        let clock = clock
        try await database.transaction { db in
            let rows: [[BulkValue]] = last.map { key, value in
                let parts = key.split(separator: "|")
                return [.text(String(parts[0])), .text(String(parts[1])), .int(Int64(value))]
            }
            try await BulkInsert.insert(into: "dossier_sequences", columns: ["agency_identifier", "day", "last_value"], rows: rows, on: db)
            try await AuditLog.record(AuditEntry(principal: principal, action: "dossier.bulk-load", targetType: "dossier", targetID: "scale", requestID: nil,
                                                 change: ["sequences": String(rows.count)]), on: db, clock: clock)
        }
    }
}

extension DossierStore {
    /// How many dossiers are stored.
    public func count() async throws -> Int { try await database.read { try await $0.count("dossiers") } }
}
