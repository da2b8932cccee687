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
        /// Where it was received, when not at `agency` (the service centre), and where it stands.
        public var receivingAgency: String?
        public var currentAgency: String?
        public var currentStep = 0
        public var stepCount = 1
        public var extensionCount = 0
        /// Its history and its agencies' parts; without parts, a received dossier gets one whole part.
        public var events: [SeedEvent] = []
        public var parts: [SeedPart] = []

        public init(
            code: String,
            procedureCode: String,
            procedureName: String,
            fieldCode: String,
            fieldName: String,
            onlineLevel: String,
            agency: String,
            channel: Int,
            status: DossierStatus,
            applicantName: String,
            applicantPhone: String,
            subject: String,
            createdAt: Int64,
            receivedAt: Int64?,
            dueAt: Int64?,
            endAt: Int64?,
            returnedAt: Int64?,
            supplementCount: Int
        ) {
            self.code = code
            self.procedureCode = procedureCode
            self.procedureName = procedureName
            self.fieldCode = fieldCode
            self.fieldName = fieldName
            self.onlineLevel = onlineLevel
            self.agency = agency
            self.channel = channel
            self.status = status
            self.applicantName = applicantName
            self.applicantPhone = applicantPhone
            self.subject = subject
            self.createdAt = createdAt
            self.receivedAt = receivedAt
            self.dueAt = dueAt
            self.endAt = endAt
            self.returnedAt = returnedAt
            self.supplementCount = supplementCount
        }
    }

    /// A generated history entry (with the appointment, and the agency's part and its deadline, after it).
    public struct SeedEvent: Sendable {
        public var action: String
        public var toStatus: DossierStatus
        public var at: Int64
        public var dueAt: Int64?
        public var stepSeq: Int?
        public var stepDueAt: Int64?

        public init(action: String, toStatus: DossierStatus, at: Int64, dueAt: Int64?, stepSeq: Int?, stepDueAt: Int64?) {
            self.action = action
            self.toStatus = toStatus
            self.at = at
            self.dueAt = dueAt
            self.stepSeq = stepSeq
            self.stepDueAt = stepDueAt
        }
    }

    /// A generated agency's part of a dossier.
    public struct SeedPart: Sendable {
        public var agency: String
        public var startedAt: Int64
        public var endedAt: Int64?
        public var dueAt: Int64?
        public var status: DossierStatus

        public init(agency: String, startedAt: Int64, endedAt: Int64?, dueAt: Int64?, status: DossierStatus) {
            self.agency = agency
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.dueAt = dueAt
            self.status = status
        }
    }

    /// Inserts one batch of generated dossiers in one transaction.
    public func bulkInsert(_ dossiers: [SeedDossier]) async throws {
        let rows = dossiers.map { d in
            DossierRow(
                id: 0,
                code: d.code,
                procedureCode: d.procedureCode,
                procedureName: d.procedureName,
                receivingAgency: d.receivingAgency ?? d.agency,
                implementingAgency: d.agency,
                currentAgency: d.currentAgency ?? d.agency,
                currentStep: d.currentStep,
                stepCount: d.stepCount,
                assignedUserId: nil,
                assignedUsername: nil,
                channel: d.channel,
                status: d.status.rawValue,
                resumeStatus: nil,
                applicant: #"{"fullName":"\#(d.applicantName)","kind":1,"phone":"\#(d.applicantPhone)"}"#,
                applicantPhone: d.applicantPhone,
                applicantCitizenId: nil,
                subject: d.subject,
                ownerUserId: nil,
                createdAt: d.createdAt,
                receivedAt: d.receivedAt,
                dueAt: d.dueAt,
                pausedAt: nil,
                pausedDays: 0,
                supplementCount: d.supplementCount,
                extensionCount: d.extensionCount,
                finishedAt: d.endAt,
                endedAt: nil,
                returnedAt: d.returnedAt,
                updatedAt: d.endAt ?? d.receivedAt ?? d.createdAt,
                version: 1,
                fieldCode: d.fieldCode,
                fieldName: d.fieldName,
                fees: "[]",
                endAt: d.endAt,
                onlineLevel: d.onlineLevel
            )
        }
        try await database.transaction { db in
            let before = try await BulkInsert.maxID("dossiers", on: db)
            // Written from the same row type as one submission (its coding keys name the columns).
            try await BulkInsert.insert(into: "dossiers", rows: rows, on: db, batch: 400)
            try await db.raw(
                "INSERT INTO dossier_agencies (dossier_id, agency_identifier) SELECT id, implementing_agency FROM dossiers WHERE id > \(bind: before)"
            ).run()
            guard dossiers.contains(where: { !$0.events.isEmpty || !$0.parts.isEmpty }) else {
                try await Self.addWholeParts(after: before, db)
                return
            }
            let ids = Dictionary(
                uniqueKeysWithValues: try await db.select().columns("code", "id").from("dossiers").where("id", .greaterThan, before).all()
                    .map { (try $0.decode(column: "code", as: String.self), try $0.decode(column: "id", as: Int64.self)) }
            )
            var events: [NewEventRow] = []
            var parts: [PartRow] = []
            var agencies: [[BulkValue]] = []
            for d in dossiers {
                guard let id = ids[d.code] else { throw StorageError.corrupt("generated dossier \(d.code) not stored") }
                for e in d.events {
                    events.append(
                        NewEventRow(
                            dossierId: id,
                            action: e.action,
                            fromStatus: nil,
                            toStatus: e.toStatus.rawValue,
                            actorUserId: nil,
                            actor: "seed",
                            actorRole: "system",
                            agency: nil,
                            note: nil,
                            at: e.at,
                            dueAt: e.dueAt,
                            stepSeq: e.stepSeq,
                            stepDueAt: e.stepDueAt
                        )
                    )
                }
                for (seq, p) in d.parts.enumerated() {
                    parts.append(
                        PartRow(
                            dossierId: id,
                            seq: seq,
                            agencyIdentifier: p.agency,
                            startedAt: p.startedAt,
                            endedAt: p.endedAt,
                            dueAt: p.dueAt,
                            status: p.status.rawValue
                        )
                    )
                }
                for agency in Set(d.parts.map(\.agency) + [d.receivingAgency].compactMap { $0 }) where agency != d.agency {
                    agencies.append([.int(id), .text(agency)])
                }
            }
            try await BulkInsert.insert(
                into: "dossier_events",
                rows: events,
                on: db,
                batch: 400
            )
            try await BulkInsert.insert(
                into: "dossier_steps",
                rows: parts,
                on: db,
                batch: 400
            )
            try await BulkInsert.insert(into: "dossier_agencies", columns: ["dossier_id", "agency_identifier"], rows: agencies, on: db, batch: 400)
        }
    }

    /// One part per received dossier after `id`, at its implementing agency, as its own row
    /// stands (for dossiers loaded in bulk or stored before parts were kept).
    static func addWholeParts(after id: Int64, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO dossier_steps (dossier_id, seq, agency_identifier, started_at, ended_at, due_at, status)
            SELECT id, 0, implementing_agency, received_at, end_at, due_at,
              CASE WHEN end_at IS NULL THEN '\(unsafeRaw: DossierStatus.processing.rawValue)' ELSE status END
            FROM dossiers WHERE id > \(bind: id) AND received_at IS NOT NULL AND status <> '\(unsafeRaw: DossierStatus.refused.rawValue)'
            """
        ).run()
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
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "dossier.bulk-load",
                    targetType: "dossier",
                    targetID: "scale",
                    requestID: nil,
                    change: ["sequences": String(rows.count)]
                ),
                on: db,
                clock: clock
            )
        }
    }
}

extension DossierStore {
    /// How many dossiers are stored.
    public func count() async throws -> Int { try await database.read { try await $0.count("dossiers") } }
}
