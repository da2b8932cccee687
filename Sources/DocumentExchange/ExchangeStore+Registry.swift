import Core
import Delivery
import Foundation
import SQLKit
import Storage

/// What document management needs from the axis: the received document itself, the statuses it
/// reports (written in the caller's transaction, carried to the sender through the outbox) and
/// the state of what it sent.
extension ExchangeStore {
    /// Outbox topic carrying statuses recorded by document management to the other side.
    public static let statusTopic = "exchange-status"

    struct StatusPropagation: Codable, Sendable {
        let messageID: Int64
        let code: String
        let description: String
        let actor: String
    }

    /// Records a status on message `id` inside the caller's transaction and queues it for the
    /// counterpart (delivered by `deliverStatus`).
    public static func recordStatus(_ id: Int64, code: EdXMLStatus.Code, description: String, actor: String, on db: any SQLDatabase, now: Int64)
        async throws
    {
        let text = EdXMLStatus.description(description, of: code.rawValue)
        try await event(db, message: id, code: code.rawValue, description: text, actor: actor, now: now)
        try await Outbox.enqueue(
            topic: statusTopic,
            key: "\(id)#\(code.rawValue)#\(now)",
            orderingKey: String(id),
            value: StatusPropagation(messageID: id, code: code.rawValue, description: text, actor: actor),
            on: db,
            now: now
        )
    }

    /// Carries one queued status to its counterpart (the outbox worker's handler).
    public func deliverStatus(_ message: OutboxMessage) async throws {
        let status = try JSONDecoder().decode(StatusPropagation.self, from: Data(message.payload.utf8))
        try await propagate(code: status.code, description: status.description, from: status.messageID, actor: status.actor)
    }

    /// A received message of `agency`, decoded from the package as it arrived, its attachments
    /// written under `folder`.
    public func openReceived(_ id: Int64, agency: String, into folder: URL) async throws -> (ExchangeMessage, EdXMLDocument) {
        let message = try await database.read { db in try await Self.load(id, db) }
        guard message.agency == agency, message.direction == .incoming else { throw DomainError.notFound(what: "document \(id)") }
        let digests = try await packageDigests(id)
        let sha = digests.received ?? digests.sent
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var document = try EdXMLDecoder(attachmentsFolder: folder).decodeReceived(
            from: try await files.mapped(sha),
            today: VietnamTime.today(clock.now()).adding(days: 1)
        ).document
        document.attachments = WrappedAttachment.unwrapped(document.attachments)
        return (message, document)
    }

    /// What `agency` sent under `documentID`: one message per recipient, with its timeline.
    public func sent(documentID: String, agency: String) async throws -> [ExchangeMessage] {
        try await database.read { db in
            let ids = try await db.select().column("id").from("exchange_messages").where("document_id", .equal, documentID)
                .where("direction", .equal, "out").where("agency", .equal, agency).orderBy("id").all().map {
                    try $0.decode(column: "id", as: Int64.self)
                }
            return try await ids.asyncMap { try await Self.load($0, db) }
        }
    }

    /// Received documents of the caller's agency still waiting to be registered or refused.
    public func awaitingRegistration(for principal: Principal, limit: Int = 200) async throws -> [ExchangeMessage] {
        guard let agency = principal.agency, principal.roles.contains(where: \.isStaffRole) else { return [] }
        return try await database.read { db in
            try await db.select().column("*").from("exchange_messages").where("agency", .equal, agency).where("direction", .equal, "in")
                .where("status_code", .equal, EdXMLStatus.Code.arrived.rawValue).orderBy("id", .descending).limit(limit)
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.message)
        }
    }
}
