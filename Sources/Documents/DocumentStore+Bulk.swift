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

    public func bulkInsert(_ documents: [SeedDocument]) async throws {
        func optional(_ value: Int64?) -> BulkValue { value.map(BulkValue.int) ?? .null }
        let rows: [[BulkValue]] = documents.map { d in
            let type = DocumentType.find(d.typeCode) ?? DocumentType.all[0]
            let incoming = d.direction == .incoming
            let recipients = incoming ? "[]" : DocumentRow.json([OfficialDocument.Recipient(organId: d.counterpart, name: d.counterpartName)])
            return [
                .text(d.agency), .text(d.direction.rawValue), .text(d.status.rawValue), .int(Int64(d.registerNumber)), .int(Int64(d.year)),
                .text("regular"),
                .text(d.codeNumber), .text(d.codeNotation), .text(type.code), .text(d.subject), .text(""), .int(0), .int(0),
                incoming ? .text(d.counterpart) : .null, incoming ? .text(d.counterpartName) : .null, .text(d.date.iso),
                incoming ? .int(d.at) : .null, incoming ? .null : .int(d.at), incoming ? .text(ArrivalChannel.exchange.rawValue) : .null,
                optional(d.exchangeMessageId), .text(d.exchangeDocumentId), d.signer.map(BulkValue.text) ?? .null, .text(recipients), .text("[]"),
                .int(0),
                d.deadline.map { .text($0.iso) } ?? .null, optional(d.finishedAt), .int(0),
                .text(
                    Self.searchText([d.codeNumber, d.codeNotation, "\(d.codeNumber)/\(d.codeNotation)", d.subject, d.counterpartName, type.nameVi])
                ),
                .text("seed"), .int(d.at), .int(d.finishedAt ?? d.at),
            ]
        }
        try await database.transaction { db in
            try await BulkInsert.insert(
                into: "documents",
                columns: [
                    "agency", "direction", "status", "register_number", "register_year", "series", "code_number", "code_notation", "type_code",
                    "subject", "summary",
                    "urgency", "secrecy", "counterpart", "counterpart_name", "document_date", "arrived_at", "issued_at", "channel",
                    "exchange_message_id",
                    "exchange_document_id", "signer", "recipients", "approvers", "approval_step", "deadline", "finished_at", "business_type",
                    "search_text",
                    "created_by", "created_at", "updated_at",
                ],
                rows: rows,
                on: db,
                batch: 300
            )
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
