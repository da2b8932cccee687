import Audit
import Core
import Delivery
import DocumentExchange
import Foundation
import SQLKit
import Signatures
import Storage

/// Outgoing documents (văn bản đi): drafts, the approval chain, issuing with a number and
/// notation, signing, and sending through the axis.
extension DocumentStore {
    /// Creates a draft in the drafter's agency (staff).
    public func createDraft(_ input: NewOutgoing, by principal: Principal, requestID: String?) async throws -> OfficialDocument {
        let agency = try staffAgency(
            principal,
            [.processingOfficer, .clerk, .leader],
            "Chỉ cán bộ soạn văn bản đi",
            "Only staff draft outgoing documents"
        )
        let type = try DocumentRules.validate(input)
        let chain = DocumentRules.chain(approvers: input.approvers ?? [], signer: input.signer)
        try await requireStaff(chain, of: agency, field: "approvers")
        guard let signer = try await accounts.account(username: input.signer), signer.roles.contains(.leader) else {
            throw DomainError.invalid("signer", "Người ký phải là lãnh đạo của cơ quan", "The signer must be a leader of the agency")
        }
        let readers = input.readers ?? []
        try await requireStaff(readers, of: agency, field: "readers")
        if let unit = input.draftingUnit, !unit.isEmpty, try await !directory.hasDepartment(unit, in: agency) {
            throw DomainError.invalid("draftingUnit", "Đơn vị soạn thảo không thuộc cơ quan", "The drafting unit is not a department of the agency")
        }
        if let answered = input.responseFor {
            let original = try await visible(answered, for: principal)
            guard original.direction == .incoming else {
                throw DomainError.invalid("responseFor", "Chỉ trả lời văn bản đến", "Only incoming documents are answered")
            }
        }
        if let originalID = input.originalId {
            let original = try await visible(originalID, for: principal)
            guard original.direction == .outgoing, original.status == .issued, original.supersededBy == nil else {
                throw DomainError.invalid(
                    "originalId",
                    "Văn bản gốc phải là văn bản đi đã ban hành",
                    "The original must be an issued outgoing document"
                )
            }
        }
        let secrecy = input.secrecy ?? .normal
        var recipients: [OfficialDocument.Recipient] = []
        for recipient in input.recipients {
            recipients.append(
                .init(organId: recipient.organId, name: try await recipient.name.asyncOr { try await directory.agency(recipient.organId)?.name })
            )
        }
        let now = clock.millis()
        let clock = clock
        let named = recipients
        let id = try await database.transaction { db -> Int64 in
            let recipients = named
            let id = try await Self.insert(
                [
                    "agency": agency, "direction": "out", "status": DocumentStatus.draft.rawValue, "series": DocumentRules.series(secrecy),
                    "type_code": type.code,
                    "subject": input.subject, "summary": input.summary ?? "", "urgency": (input.urgency ?? .normal).rawValue,
                    "secrecy": secrecy.rawValue,
                    "drafting_unit": input.draftingUnit, "signer": input.signer, "signer_name": signer.fullName,
                    "signer_position": input.signerPosition,
                    "recipients": DocumentRow.json(recipients), "approvers": DocumentRow.json(chain), "approval_step": 0,
                    "response_for": input.responseFor, "business_type": input.businessType ?? 0, "original_id": input.originalId,
                    "search_text": Self.searchText([input.subject, input.summary, type.nameVi] + recipients.map(\.name)),
                    "created_by": principal.username, "created_at": now, "updated_at": now,
                ],
                db
            )
            try await Self.name([principal.username] + chain + readers, on: id, db)
            try await Self.event(id, "draft", actor: principal.username, now: now, db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.draft",
                    targetType: "document",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["subject": input.subject, "signer": input.signer]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        return try await document(id, for: principal)
    }

    /// What issuing needs decided before any number is taken: the files and their signatures.
    struct SignedFiles: Sendable {
        let files: [DocumentFile]
        let signatures: [String]
    }

    /// Signs the newest version of every file with the signer's certificate (or, when the signer
    /// has none, the agency's). Nothing is recorded yet.
    func signFiles(of document: OfficialDocument, by principal: Principal, requestID: String?) async throws -> SignedFiles {
        let all = try await database.read { db in try await Self.files(of: document.id, db) }
        let newest = Dictionary(grouping: all, by: \.name).compactMap { $0.value.max { $0.version < $1.version } }.sorted { $0.id < $1.id }
        guard !newest.isEmpty else {
            throw DomainError.conflict(messageVi: "Văn bản chưa có tệp nội dung", messageEn: "The document has no content file")
        }
        var owner = document.signer ?? ""
        if try await certificates.signingCertificate(of: owner) == nil { owner = document.agency }
        guard try await certificates.signingCertificate(of: owner) != nil else {
            throw DomainError.conflict(
                messageVi: "Người ký và cơ quan chưa có chứng thư ký số còn hiệu lực",
                messageEn: "Neither the signer nor the agency has a valid signing certificate"
            )
        }
        var signatures: [String] = []
        for file in newest {
            let (signature, _) = try await certificates.sign(try await files.get(file.sha256), as: owner, by: principal, requestID: requestID)
            signatures.append(try await files.put(Data(signature)))
        }
        return SignedFiles(files: newest, signatures: signatures)
    }

    /// Issues an approved document: takes the next number of the outgoing register, writes the
    /// notation (Decree 30/2020), records the signatures, and queues it for sending.
    func issue(_ document: OfficialDocument, note: String, by principal: Principal, requestID: String?) async throws {
        guard let agency = try await directory.agency(document.agency) else { throw Self.notFound }
        let signed = try await signFiles(of: document, by: principal, requestID: requestID)
        let type = DocumentType.find(document.typeCode) ?? DocumentType.all[0]
        let now = clock.now()
        let today = VietnamTime.today(now)
        let clock = clock
        try await database.transaction { db in
            // Claimed first (a conditional update locks the row): of two clerks issuing at once, the
            // second waits, finds it issued, and takes no number.
            guard
                try await db.update("documents").set("status", to: DocumentStatus.issued.rawValue).where("id", .equal, document.id)
                    .where("status", .equal, DocumentStatus.approved.rawValue).returning("id").first() != nil,
                let row = try await DocumentRow.load(document.id, db)
            else {
                throw DomainError.conflict(messageVi: "Văn bản đã được ban hành", messageEn: "The document was already issued")
            }
            let number = try await Self.nextNumber(agency: agency.identifier, direction: .outgoing, year: today.year, series: row.series, db)
            let codeNumber = DocumentRules.formatNumber(number)
            let notation = DocumentRules.notation(type: type, issuer: agency.shortName, draftingUnit: row.draftingUnit)
            let documentID = EdXML.documentId(organId: agency.identifier, date: today, number: codeNumber, notation: notation)
            try await db.update("documents").set("status", to: DocumentStatus.issued.rawValue).set("register_number", to: number)
                .set("register_year", to: today.year).set("code_number", to: codeNumber).set("code_notation", to: notation)
                .set("document_date", to: today.iso).set("issued_at", to: now.epochMillis).set("exchange_document_id", to: documentID)
                .set("search_text", to: Self.searchText([codeNumber, notation, "\(codeNumber)/\(notation)", row.searchText]))
                .set("updated_at", to: now.epochMillis).where("id", .equal, document.id).run()
            for (file, signature) in zip(signed.files, signed.signatures) {
                try await db.update("document_files").set("signature_sha256", to: signature).where("id", .equal, file.id).run()
            }
            if document.businessType != 0, let original = document.originalId {
                try await db.update("documents").set("superseded_by", to: document.id).set("updated_at", to: now.epochMillis).where(
                    "id",
                    .equal,
                    original
                ).run()
                try await Self.event(
                    original,
                    DocumentRules.businessAction(document.businessType),
                    actor: principal.username,
                    note: "\(codeNumber)/\(notation)",
                    now: now.epochMillis,
                    db
                )
            }
            try await Self.name([principal.username], on: document.id, db)
            try await Self.event(
                document.id,
                "issue",
                actor: principal.username,
                note: note.isEmpty ? "Số \(codeNumber)/\(notation)" : note,
                now: now.epochMillis,
                db
            )
            try await Outbox.enqueue(topic: Self.dispatchTopic, key: String(document.id), value: ["id": document.id], on: db, now: now.epochMillis)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.issue",
                    targetType: "document",
                    targetID: String(document.id),
                    requestID: requestID,
                    change: ["code": "\(codeNumber)/\(notation)", "documentId": documentID]
                ),
                on: db,
                clock: clock
            )
        }
    }

    /// Sends an issued document to every recipient that does not have it yet (idempotent: the
    /// axis keeps one message per DocumentId and recipient). Run right after issuing and by the
    /// outbox worker, so a crash in between still sends it.
    public func dispatch(_ id: Int64, requestID: String? = nil) async throws {
        guard let row = try await database.read({ db in try await DocumentRow.load(id, db) }) else { throw Self.notFound }
        let document = row.document
        guard document.status == .issued, let documentID = document.exchangeDocumentId, let issued = document.documentDate,
            let number = document.codeNumber, let notation = document.codeNotation
        else { return }
        let done = Set(try await exchange.sent(documentID: documentID, agency: document.agency).map(\.counterpart))
        let missing = document.recipients.filter { !done.contains($0.organId) }
        guard !missing.isEmpty else { return }
        let stored = try await database.read { db in
            try await db.select().columns("name", "content_type", "sha256", "signature_sha256").from("document_files").where(
                "document_id",
                .equal,
                id
            )
            .where("signature_sha256", .isNot, SQLLiteral.null).orderBy("id").all()
        }
        let files = try await stored.asyncMap { row in
            OutgoingDocument.File(
                name: try row.decode(column: "name", as: String.self),
                contentType: try row.decode(column: "content_type", as: String.self),
                content: try await self.files.get(try row.decode(column: "sha256", as: String.self)),
                signature: try await self.files.get(try row.decode(column: "signature_sha256", as: String.self))
            )
        }
        let type = DocumentType.find(document.typeCode) ?? DocumentType.all[0]
        let (responseFor, originalDocumentID) = try await database.read { db -> ([EdXMLResponseFor], String?) in
            var responseFor: [EdXMLResponseFor] = []
            if let answered = document.responseFor, let original = try await DocumentRow.load(answered, db), let from = original.counterpart {
                let date = original.documentDate.flatMap { LocalDate(iso: $0) } ?? issued
                responseFor.append(
                    EdXMLResponseFor(
                        organId: from,
                        code: "\(original.codeNumber ?? "")/\(original.codeNotation ?? "")",
                        promulgationDate: date,
                        documentId: original.exchangeDocumentId
                            ?? EdXML.documentId(
                                organId: from,
                                date: date,
                                number: original.codeNumber ?? "",
                                notation: original.codeNotation ?? ""
                            )
                    )
                )
            }
            let original = try await document.originalId.asyncFlatMap { try await DocumentRow.load($0, db)?.exchangeDocumentId }
            return (responseFor, original)
        }
        let sender = Principal(userID: nil, username: document.signer ?? "system", roles: [.clerk], agency: document.agency)
        _ = try await exchange.send(
            OutgoingDocument(
                codeNumber: number,
                codeNotation: notation,
                typeName: type.nameVi,
                subject: document.subject,
                content: document.summary,
                signerPosition: document.signerPosition,
                signerFullName: document.signerName,
                priority: document.urgency.rawValue,
                recipients: missing.map {
                    OutgoingDocument.Recipient(organId: $0.organId, name: $0.name)
                },
                files: files,
                businessType: document.businessType == 0 ? nil : document.businessType,
                originalDocumentId: originalDocumentID,
                reason: document.businessType == 0 ? nil : document.summary,
                promulgationDate: issued,
                responseFor: responseFor
            ),
            by: sender,
            requestID: requestID
        )
    }
}
