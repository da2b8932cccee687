import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Generated official documents for scale data sets (`cqs seed --scale`): issued documents at
/// the sender and registered ones at the recipient, numbered per register, sequences advanced.
extension DocumentStore {
    public struct SeedDocument: Sendable {
        public var agency: String
        public var direction: DocumentDirection
        public var status: DocumentStatus
        public var registerNumber: Int
        public var year: Int
        public var codeNumber: String
        public var codeNotation: String
        public var typeCode: String
        public var subject: String
        public var counterpart: String
        public var counterpartName: String
        public var date: LocalDate
        public var at: Int64
        public var exchangeDocumentId: String
        public var exchangeMessageId: Int64?
        public var deadline: LocalDate?
        public var finishedAt: Int64?
        public var signer: String?
        public init(
            agency: String,
            direction: DocumentDirection,
            status: DocumentStatus,
            registerNumber: Int,
            year: Int,
            codeNumber: String,
            codeNotation: String,
            typeCode: String,
            subject: String,
            counterpart: String,
            counterpartName: String,
            date: LocalDate,
            at: Int64,
            exchangeDocumentId: String,
            exchangeMessageId: Int64? = nil,
            deadline: LocalDate? = nil,
            finishedAt: Int64? = nil,
            signer: String? = nil
        ) {
            self.agency = agency
            self.direction = direction
            self.status = status
            self.registerNumber = registerNumber
            self.year = year
            self.codeNumber = codeNumber
            self.codeNotation = codeNotation
            self.typeCode = typeCode
            self.subject = subject
            self.counterpart = counterpart
            self.counterpartName = counterpartName
            self.date = date
            self.at = at
            self.exchangeDocumentId = exchangeDocumentId
            self.exchangeMessageId = exchangeMessageId
            self.deadline = deadline
            self.finishedAt = finishedAt
            self.signer = signer
        }
    }

    /// A generated row of `documents`: each column named once, beside its value.
    struct GeneratedDocumentRow: Encodable {
        let agency: String
        let direction: String
        let status: String
        let registerNumber: Int
        let registerYear: Int
        let series = "regular"
        let codeNumber: String
        let codeNotation: String
        let typeCode: String
        let subject: String
        let summary = ""
        let urgency = 0
        let secrecy = 0
        let counterpart: String?
        let counterpartName: String?
        let documentDate: String
        let arrivedAt: Int64?
        let issuedAt: Int64?
        let channel: String?
        let exchangeMessageId: Int64?
        let exchangeDocumentId: String
        let signer: String?
        let recipients: String
        let approvers = "[]"
        let approvalStep = 0
        let deadline: String?
        let finishedAt: Int64?
        let businessType = 0
        let searchText: String
        let createdBy = "seed"
        let createdAt: Int64
        let updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case agency, direction, status
            case registerNumber = "register_number"
            case registerYear = "register_year"
            case series
            case codeNumber = "code_number"
            case codeNotation = "code_notation"
            case typeCode = "type_code"
            case subject, summary, urgency, secrecy
            case counterpart
            case counterpartName = "counterpart_name"
            case documentDate = "document_date"
            case arrivedAt = "arrived_at"
            case issuedAt = "issued_at"
            case channel
            case exchangeMessageId = "exchange_message_id"
            case exchangeDocumentId = "exchange_document_id"
            case signer, recipients, approvers
            case approvalStep = "approval_step"
            case deadline
            case finishedAt = "finished_at"
            case businessType = "business_type"
            case searchText = "search_text"
            case createdBy = "created_by"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    public func bulkInsert(_ documents: [SeedDocument]) async throws {
        let rows = documents.map { d in
            let type = DocumentType.find(d.typeCode) ?? DocumentType.all[0]
            let incoming = d.direction == .incoming
            return GeneratedDocumentRow(
                agency: d.agency,
                direction: d.direction.rawValue,
                status: d.status.rawValue,
                registerNumber: d.registerNumber,
                registerYear: d.year,
                codeNumber: d.codeNumber,
                codeNotation: d.codeNotation,
                typeCode: type.code,
                subject: d.subject,
                counterpart: incoming ? d.counterpart : nil,
                counterpartName: incoming ? d.counterpartName : nil,
                documentDate: d.date.iso,
                arrivedAt: incoming ? d.at : nil,
                issuedAt: incoming ? nil : d.at,
                channel: incoming ? ArrivalChannel.exchange.rawValue : nil,
                exchangeMessageId: d.exchangeMessageId,
                exchangeDocumentId: d.exchangeDocumentId,
                signer: d.signer,
                recipients: incoming ? "[]" : DocumentRow.json([OfficialDocument.Recipient(organId: d.counterpart, name: d.counterpartName)]),
                deadline: d.deadline?.iso,
                finishedAt: d.finishedAt,
                searchText: Self.searchText([
                    d.codeNumber, d.codeNotation, "\(d.codeNumber)/\(d.codeNotation)", d.subject, d.counterpartName, type.nameVi,
                ]),
                createdAt: d.at,
                updatedAt: d.finishedAt ?? d.at
            )
        }
        try await database.transaction { db in
            try await BulkInsert.insert(into: "documents", rows: rows, on: db, batch: 300)
        }
    }

    /// After a bulk load: each register continues after the generated numbers.
    public func advanceSequences(_ last: [String: Int], by principal: Principal) async throws {
        let clock = clock
        try await database.transaction { db in
            let rows: [[BulkValue]] = last.map { key, value in
                let parts = key.split(separator: "|").map(String.init)
                return [.text(parts[0]), .text(parts[1]), .int(Int64(parts[2]) ?? 0), .text("regular"), .int(Int64(value))]
            }
            try await BulkInsert.insert(
                into: "document_sequences",
                columns: ["agency", "direction", "year", "series", "last_value"],
                rows: rows,
                on: db
            )
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.bulk-load",
                    targetType: "document",
                    targetID: "scale",
                    requestID: nil,
                    change: ["registers": String(rows.count)]
                ),
                on: db,
                clock: clock
            )
        }
    }
}
