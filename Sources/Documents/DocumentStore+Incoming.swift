import Audit
import Core
import DocumentExchange
import Foundation
import SQLKit
import Storage

/// Registering incoming documents (vào sổ văn bản đến): from the axis, a scan or by hand.
extension DocumentStore {
    /// Inserts a document row from column/value pairs; returns its id.
    static func insert(_ values: KeyValuePairs<String, any Encodable & Sendable>, _ db: any SQLDatabase) async throws -> Int64 {
        guard
            let row = try await db.insert(into: "documents").columns(values.map(\.key)).values(values.map { SQLBind($0.value) })
                .returning("id").first()
        else { throw StorageError.corrupt("insert returned no id") }
        return try row.decode(column: "id", as: Int64.self)
    }

    /// Registers a paper or typed-in document in the agency's incoming register (clerks).
    public func registerIncoming(_ input: NewIncoming, by principal: Principal, requestID: String?) async throws -> OfficialDocument {
        let agency = try staffAgency(principal, [.clerk], "Chỉ văn thư vào sổ văn bản đến", "Only clerks register incoming documents")
        let now = clock.now()
        let type = try DocumentRules.validate(input, today: VietnamTime.today(now))
        let readers = input.readers ?? []
        try await requireStaff(readers, of: agency, field: "readers")
        let secrecy = input.secrecy ?? .normal
        let year = VietnamTime.today(now).year
        let clock = clock
        let id = try await database.transaction { db -> Int64 in
            let number = try await Self.nextNumber(agency: agency, direction: .incoming, year: year, series: DocumentRules.series(secrecy), db)
            let id = try await Self.insert(
                [
                    "agency": agency, "direction": "in", "status": DocumentStatus.registered.rawValue, "register_number": number,
                    "register_year": year,
                    "series": DocumentRules.series(secrecy), "code_number": input.codeNumber, "code_notation": input.codeNotation,
                    "type_code": type.code,
                    "subject": input.subject, "summary": input.summary ?? "", "urgency": (input.urgency ?? .normal).rawValue,
                    "secrecy": secrecy.rawValue,
                    "counterpart": input.senderId, "counterpart_name": input.senderName, "document_date": input.documentDate.iso,
                    "arrived_at": now.epochMillis,
                    "channel": (input.channel ?? .manual).rawValue, "recipients": "[]", "approvers": "[]", "approval_step": 0, "business_type": 0,
                    "search_text": Self.searchText([
                        input.codeNumber, input.codeNotation, input.subject, input.summary, input.senderName, type.nameVi,
                    ]),
                    "created_by": principal.username, "created_at": now.epochMillis, "updated_at": now.epochMillis,
                ],
                db
            )
            try await Self.name([principal.username] + readers, on: id, db)
            try await Self.event(id, "register", actor: principal.username, note: "Số đến \(number)", now: now.epochMillis, db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.register",
                    targetType: "document",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["registerNumber": String(number), "sender": input.senderName, "subject": input.subject]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        return try await document(id, for: principal)
    }

    /// Registers a document received through the axis: its files are kept, and status 03 goes
    /// back to the sender from the same transaction (through the outbox). A package whose
    /// signature checks failed is registered only with `unverifiedReason` (the clerk's explicit
    /// confirmation); the document keeps the checks and that reason.
    public func registerFromExchange(
        _ messageID: Int64,
        secrecy: Secrecy? = nil,
        readers: [String] = [],
        unverifiedReason: String? = nil,
        by principal: Principal,
        requestID: String?
    ) async throws -> OfficialDocument {
        let agency = try staffAgency(principal, [.clerk], "Chỉ văn thư vào sổ văn bản đến", "Only clerks register incoming documents")
        try await requireStaff(readers, of: agency, field: "readers")
        let folder = workFolder.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (message, edxml) = try await exchange.openReceived(messageID, agency: agency, into: folder)
        guard ExchangeMessage.awaitsRegistration(message.statusCode) else {
            throw DomainError.conflict(
                messageVi: "Văn bản đã được xử lý (trạng thái \(message.statusCode ?? "-"))",
                messageEn: "The document was already handled"
            )
        }
        let verification = OfficialDocument.Verification(checks: message.signatures ?? [], acceptedReason: nil)
        let reason = unverifiedReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if !verification.valid && (reason ?? "").isEmpty {
            let problems = verification.checks.filter { !$0.valid }.map { "\($0.file): \($0.problems.joined(separator: "; "))" }.joined(
                separator: " | "
            )
            throw DomainError.invalid(
                "unverifiedReason",
                "Gói tin không qua được kiểm tra chữ ký (\(problems)); chỉ vào sổ khi xác nhận kèm lý do",
                "The package failed its signature checks (\(problems)); register it only with a confirmed reason"
            )
        }
        let kept = OfficialDocument.Verification(checks: verification.checks, acceptedReason: verification.valid ? nil : reason)
        var stored: [(name: String, type: String, digest: String, size: Int, signature: String?)] = []
        for attachment in edxml.attachments where !attachment.name.hasSuffix(".p7s") {
            let data = try attachment.data()
            let signature = try await edxml.attachments.first { $0.name == attachment.name + ".p7s" }.asyncFlatMap {
                try await files.put(try $0.data())
            }
            stored.append((attachment.name, attachment.contentType, try await files.put(data), data.count, signature))
        }
        let type = DocumentType.named(edxml.typeName, notation: edxml.codeNotation)
        let secrecy = secrecy ?? .normal
        let now = clock.now()
        let year = VietnamTime.today(now).year
        // An answer to one of our documents is linked to it.
        let answered = try await answeredDocument(edxml.responseFor.map(\.documentId), agency: agency)
        let clock = clock
        let storedFiles = stored
        do {
            return try await register(
                storedFiles,
                edxml: edxml,
                message: message,
                verification: kept,
                type: type,
                secrecy: secrecy,
                readers: readers,
                answered: answered,
                agency: agency,
                now: now,
                year: year,
                by: principal,
                requestID: requestID
            )
        } catch  where StorageError.isUniqueViolation(error) {
            throw DomainError.conflict(messageVi: "Văn bản đã được vào sổ", messageEn: "The document was already registered")
        }
    }

    func register(
        _ storedFiles: [(name: String, type: String, digest: String, size: Int, signature: String?)],
        edxml: EdXMLDocument,
        message: ExchangeMessage,
        verification: OfficialDocument.Verification,
        type: DocumentType,
        secrecy: Secrecy,
        readers: [String],
        answered: Int64?,
        agency: String,
        now: Date,
        year: Int,
        by principal: Principal,
        requestID: String?
    ) async throws -> OfficialDocument {
        let messageID = message.id
        let clock = clock
        let id = try await database.transaction { db -> Int64 in
            let stored = storedFiles
            let number = try await Self.nextNumber(agency: agency, direction: .incoming, year: year, series: DocumentRules.series(secrecy), db)
            let id = try await Self.insert(
                [
                    "agency": agency, "direction": "in", "status": DocumentStatus.registered.rawValue, "register_number": number,
                    "register_year": year,
                    "series": DocumentRules.series(secrecy), "code_number": edxml.codeNumber, "code_notation": edxml.codeNotation,
                    "type_code": type.code,
                    "subject": edxml.subject, "summary": edxml.content, "urgency": (Urgency(rawValue: edxml.priority) ?? .normal).rawValue,
                    "secrecy": secrecy.rawValue,
                    "counterpart": edxml.from.organId, "counterpart_name": edxml.from.organName, "document_date": edxml.promulgationDate.iso,
                    "arrived_at": message.createdAt, "channel": ArrivalChannel.exchange.rawValue, "exchange_message_id": messageID,
                    "exchange_document_id": edxml.documentId, "signer_name": edxml.signerFullName, "signer_position": edxml.signerPosition,
                    "recipients": "[]", "approvers": "[]", "approval_step": 0, "response_for": answered, "business_type": edxml.business.docType,
                    "search_text": Self.searchText([
                        edxml.codeNumber, edxml.codeNotation, edxml.subject, edxml.content, edxml.from.organName, type.nameVi,
                    ]),
                    "created_by": principal.username, "created_at": now.epochMillis, "updated_at": now.epochMillis,
                    "signature_checks": DocumentRow.json(verification.checks), "unverified_reason": verification.acceptedReason,
                ],
                db
            )
            for file in stored {
                _ = try await Self.insertFile(
                    id,
                    name: file.name,
                    contentType: file.type,
                    digest: file.digest,
                    size: file.size,
                    signature: file.signature,
                    by: principal.username,
                    now: now.epochMillis,
                    db
                )
            }
            try await Self.name([principal.username] + readers, on: id, db)
            try await Self.event(id, "register", actor: principal.username, note: "Số đến \(number)", now: now.epochMillis, db)
            // A revocation, update or replacement marks the registered original.
            if edxml.business.docType != 0, let original = edxml.business.documentId,
                let originalID = try await db.select().column("id").from("documents").where("agency", .equal, agency).where("direction", .equal, "in")
                    .where("exchange_document_id", .equal, original).first()?.decode(column: "id", as: Int64.self)
            {
                try await db.update("documents").set("superseded_by", to: id).set("updated_at", to: now.epochMillis).where("id", .equal, originalID)
                    .run()
                try await Self.event(
                    originalID,
                    DocumentRules.businessAction(edxml.business.docType),
                    actor: principal.username,
                    note: "\(edxml.codeNumber)/\(edxml.codeNotation)",
                    now: now.epochMillis,
                    db
                )
            }
            try await ExchangeStore.recordStatus(
                messageID,
                code: .accepted,
                description: "Đã vào sổ, số đến \(number)",
                actor: principal.username,
                on: db,
                now: now.epochMillis
            )
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.register",
                    targetType: "document",
                    targetID: String(id),
                    requestID: requestID,
                    change: [
                        "registerNumber": String(number), "exchangeMessage": String(messageID), "documentId": edxml.documentId,
                        "signaturesValid": verification.valid ? "true" : "false", "unverifiedReason": verification.acceptedReason ?? "",
                    ]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        return try await document(id, for: principal)
    }

    /// Marks the document registered from a received copy when its sender revokes, updates or
    /// replaces it (`ExchangeStore.senderChanges`, in the exchange's transaction): the document
    /// keeps what it was registered as, shows the change, and its history says who and why.
    public static func recordSenderChange(_ change: SenderChange, on db: any SQLDatabase) async throws {
        let rows = try await db.select().column("id").from("documents").where("agency", .equal, change.agency).where("direction", .equal, "in")
            .where("exchange_message_id", .equal, change.messageID).all()
        let note = ([change.reason] + change.changes).filter { !$0.isEmpty }.joined(separator: " — ")
        for row in rows {
            let id = try row.decode(column: "id", as: Int64.self)
            try await db.update("documents").set("sender_change", to: change.businessType).set("sender_change_note", to: note)
                .set("updated_at", to: change.at).where("id", .equal, id).run()
            try await event(id, DocumentRules.businessAction(change.businessType), actor: change.actor, note: note, now: change.at, db)
        }
    }

    /// Refuses a received document (status 02 with the reason, back to the sender).
    public func refuseFromExchange(_ messageID: Int64, reason: String, by principal: Principal, requestID: String?) async throws {
        _ = try staffAgency(principal, [.clerk, .leader], "Chỉ văn thư, lãnh đạo từ chối văn bản", "Only clerks and leaders refuse documents")
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError.invalid("reason", "Cần lý do từ chối", "A reason is required")
        }
        let message = try await exchange.message(messageID, for: principal)
        guard message.direction == .incoming, ExchangeMessage.awaitsRegistration(message.statusCode) else {
            throw DomainError.conflict(messageVi: "Văn bản đã được xử lý", messageEn: "The document was already handled")
        }
        _ = try await exchange.updateStatus(messageID, code: .refused, description: reason, by: principal, requestID: requestID)
    }

    /// Our outgoing document a received one answers, by its edXML DocumentId.
    func answeredDocument(_ documentIDs: [String], agency: String) async throws -> Int64? {
        guard !documentIDs.isEmpty else { return nil }
        return try await database.read { db in
            try await db.select().column("id").from("documents").where("agency", .equal, agency).where("direction", .equal, "out")
                .where("exchange_document_id", .in, documentIDs).first()?.decode(column: "id", as: Int64.self)
        }
    }
}
