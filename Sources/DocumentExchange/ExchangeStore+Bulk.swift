import Core
import Foundation
import SQLKit
import Storage

/// Generated exchange history for scale data sets (`cqs seed --scale`): both sides of each
/// document and their status timelines. Generated messages carry no package body.
extension ExchangeStore {
    public struct SeedExchange: Sendable {
        public let documentId: String
        public let sender: String, senderName: String
        public let recipient: String, recipientName: String
        public let subject: String
        public let code: String
        /// The furthest status reached at the recipient: 01, 03, 04, 05 or 06.
        public let finalStatus: String
        public let sentAt: Int64
        public init(
            documentId: String,
            sender: String,
            senderName: String,
            recipient: String,
            recipientName: String,
            subject: String,
            code: String,
            finalStatus: String,
            sentAt: Int64
        ) {
            self.documentId = documentId
            self.sender = sender
            self.senderName = senderName
            self.recipient = recipient
            self.recipientName = recipientName
            self.subject = subject
            self.code = code
            self.finalStatus = finalStatus
            self.sentAt = sentAt
        }
    }

    /// Inserts the messages and their timelines; returns the received messages' ids by DocumentId.
    public func bulkSeed(_ exchanges: [SeedExchange]) async throws -> [String: Int64] {
        let placeholder = try await files.put(Data("<!-- generated history: no package body -->".utf8))
        return try await database.transaction { db in
            let before = try await BulkInsert.maxID("exchange_messages", on: db)
            var rows: [NewMessageRow] = []
            rows.reserveCapacity(exchanges.count * 2)
            for e in exchanges {
                for (direction, agency, counterpart, name) in [
                    ("out", e.sender, e.recipient, e.recipientName), ("in", e.recipient, e.sender, e.senderName),
                ] {
                    rows.append(
                        NewMessageRow(
                            documentId: e.documentId,
                            direction: direction,
                            agency: agency,
                            counterpart: counterpart,
                            counterpartName: name,
                            subject: e.subject,
                            code: e.code,
                            businessType: 0,
                            packageSHA256: placeholder,
                            signatures: nil,
                            receivedSHA256: nil,
                            warnings: nil,
                            documentDate: nil,
                            typeName: nil,
                            signer: nil,
                            statusCode: e.finalStatus,
                            createdAt: e.sentAt,
                            updatedAt: e.sentAt + 5 * 3_600_000
                        )
                    )
                }
            }
            // Written by the row type one sending or receipt inserts with.
            try await BulkInsert.insert(into: "exchange_messages", rows: rows, on: db)
            // Timelines, one status an hour: 00 (sent, sender only), then 01 … the final status on both sides.
            try await db.raw(
                """
                INSERT INTO exchange_events (message_id, code, description, actor, at)
                SELECT id, '00', 'Đã gửi', 'seed', created_at FROM exchange_messages WHERE id > \(bind: before) AND direction = 'out'
                """
            ).run()
            for (offset, code) in ["01", "03", "04", "05", "06"].enumerated() {
                try await db.raw(
                    """
                    INSERT INTO exchange_events (message_id, code, description, actor, at)
                    SELECT id, \(bind: code), \(bind: EdXMLStatus.description("", of: code)), 'seed', created_at + \(bind: Int64(offset) * 3_600_000)
                    FROM exchange_messages WHERE id > \(bind: before) AND status_code >= \(bind: code)
                    """
                ).run()
            }
            var received: [String: Int64] = [:]
            for row in try await db.raw("SELECT id, document_id FROM exchange_messages WHERE id > \(bind: before) AND direction = 'in'").all() {
                received[try row.decode(column: "document_id", as: String.self)] = try row.decode(column: "id", as: Int64.self)
            }
            return received
        }
    }
}
