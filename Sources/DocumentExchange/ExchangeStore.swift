import Audit
import Core
import Delivery
import Directory
import Foundation
import SQLKit
import Signatures
import Storage

/// The province's document axis: sends a document as one edXML package per recipient,
/// delivers inside the platform directly and outside through the national axis (outbox), keeps
/// idempotent inboxes (one document per DocumentId and recipient), and carries statuses back.
public struct ExchangeStore: Sendable {
    public static let axisTopic = "national-axis"
    let database: Database
    let directory: AgencyDirectory
    let certificates: CertificateAuthority
    let files: ContentStore
    let workFolder: URL
    let clock: WallClock
    /// Told when a sender revokes, updates or replaces a document received here.
    public let senderChanges = SenderChangeListeners()

    public init(
        database: Database,
        directory: AgencyDirectory,
        certificates: CertificateAuthority,
        files: ContentStore,
        workFolder: URL,
        clock: WallClock = .system
    ) {
        self.database = database
        self.directory = directory
        self.certificates = certificates
        self.files = files
        self.workFolder = workFolder
        self.clock = clock
    }

    /// What the national-axis worker sends: a stored package for a recipient.
    public struct AxisDelivery: Codable, Sendable {
        public let packageSHA256: String
        public let recipient: String
        public let kind: String  // "document" or "status"
    }

    // MARK: Sending

    /// Sends a document from the caller's agency (clerks and leaders) to every recipient.
    public func send(_ input: OutgoingDocument, by principal: Principal, requestID: String?) async throws -> [ExchangeMessage] {
        let sender = try await sendingAgency(of: principal)
        guard !input.recipients.isEmpty else {
            throw DomainError.invalid("recipients", "Cần ít nhất một nơi nhận", "At least one recipient is required")
        }
        let now = clock.now()
        let today = input.promulgationDate ?? VietnamTime.today(now)
        let from = EdXMLOrganization(
            organId: sender.identifier,
            organizationInCharge: sender.name,
            organName: sender.name,
            organAdd: sender.address ?? "",
            email: sender.email ?? "",
            telephone: sender.phone ?? ""
        )
        try Self.validate(input, from: from, today: today, now: now, by: principal)
        let canSign = try await certificates.signingCertificate(of: sender.identifier) != nil
        let (attachments, signingAudits) = try await signedAttachments(
            of: input,
            as: sender.identifier,
            canSign: canSign,
            by: principal,
            requestID: requestID
        )
        let header = OutgoingHeader(input: input, from: from, today: today, now: now, principal: principal)
        let packages = try await packages(header, attachments: attachments, signed: canSign, as: sender.identifier)
        let sent = try await recordSending(header, packages, from: sender.identifier, signingAudits: signingAudits, requestID: requestID)
        // Recipients inside the platform receive their package at once.
        for package in packages where package.internal {
            // Stored moments ago by this request: neither hashed again on reading nor on keeping it.
            _ = try await receiveDocument(
                try await files.mapped(package.digest, verify: false),
                storedAs: package.digest,
                by: .system("axis"),
                requestID: requestID
            )
        }
        return try await database.read { db in try await sent.asyncMap { try await Self.load($0, db) } }
    }

    /// The principal's agency, when the principal may send for it (clerks and leaders).
    func sendingAgency(of principal: Principal) async throws -> Agency {
        guard let agencyID = principal.agency, !principal.roles.isDisjoint(with: [.clerk, .leader]),
            let sender = try await directory.agency(agencyID)
        else {
            throw DomainError.forbidden(
                messageVi: "Chỉ văn thư, lãnh đạo được gửi văn bản của cơ quan",
                messageEn: "Only clerks and leaders send documents for their agency"
            )
        }
        return sender
    }

    /// Checked before anything is signed or stored: a refused document leaves nothing behind.
    static func validate(_ input: OutgoingDocument, from: EdXMLOrganization, today: LocalDate, now: Date, by principal: Principal) throws {
        let unsigned = input.files.enumerated().map {
            EdXMLAttachment(contentId: "cid:\($0.offset + 1)", contentType: $0.element.contentType, name: $0.element.name, source: .data(Data()))
        }
        for recipient in input.recipients {
            let to = EdXMLOrganization(organId: recipient.organId, organName: recipient.name ?? recipient.organId)
            let errors = EdXMLValidator.validate(
                document(input, from: from, to: to, today: today, now: now, by: principal, attachments: unsigned),
                today: today
            )
            if !errors.isEmpty { throw DomainError.invalid(errors) }
        }
    }

    /// Every file, encoded once, with its CMS signature beside it: the one it came with, or one
    /// made with the agency's certificate when it has one (its audit recorded with the sending).
    func signedAttachments(
        of input: OutgoingDocument,
        as agencyID: String,
        canSign: Bool,
        by principal: Principal,
        requestID: String?
    ) async throws -> (attachments: [EdXMLAttachment], audits: [AuditEntry]) {
        var attachments: [EdXMLAttachment] = []
        var audits: [AuditEntry] = []
        for (index, file) in input.files.enumerated() {
            // Encoded once here, not for the signature digest and again for each recipient's package.
            attachments.append(
                EdXMLAttachment(
                    contentId: "cid:\(index + 1)",
                    contentType: file.contentType,
                    name: file.name,
                    source: .base64Lines(EdXMLAttachment.lines(file.content))
                )
            )
            var signature = file.signature
            if signature == nil, canSign {
                let made = try await certificates.signature(of: file.content, as: agencyID, by: principal, requestID: requestID)
                signature = Data(made.signature)
                audits.append(made.audit)
            }
            if let signature {
                attachments.append(
                    EdXMLAttachment(
                        contentId: "cid:\(index + 1).p7s",
                        contentType: "application/pkcs7-signature",
                        name: file.name + ".p7s",
                        description: "CMS cid:\(index + 1)",
                        source: .data(signature)
                    )
                )
            }
        }
        return (attachments, audits)
    }

    /// What every recipient's package of one sending shares.
    struct OutgoingHeader: Sendable {
        let input: OutgoingDocument
        let from: EdXMLOrganization
        let today: LocalDate
        let now: Date
        let principal: Principal
    }

    /// One recipient's package, stored (`digest`); `internal` when the recipient is an agency here.
    struct BuiltPackage: Sendable {
        let recipient: EdXMLOrganization
        let `internal`: Bool
        let digest: String
        let documentID: String
    }

    /// One package per recipient, signed (when the agency can) and stored.
    func packages(_ header: OutgoingHeader, attachments: [EdXMLAttachment], signed: Bool, as agencyID: String) async throws -> [BuiltPackage] {
        var built: [BuiltPackage] = []
        for recipient in header.input.recipients {
            let known = try await directory.agency(recipient.organId)
            let to = EdXMLOrganization(organId: recipient.organId, organName: known?.name ?? recipient.name ?? recipient.organId)
            let document = Self.document(
                header.input,
                from: header.from,
                to: to,
                today: header.today,
                now: header.now,
                by: header.principal,
                attachments: attachments
            )
            let signature = signed ? try await certificates.signPackage(document, today: header.today, as: agencyID) : nil
            let digest = try await storePackage(document, today: header.today, signature: signature)
            built.append(BuiltPackage(recipient: to, internal: known != nil, digest: digest, documentID: document.documentId))
        }
        return built
    }

    /// One transaction: a message and its "sent" event per recipient, the axis deliveries for
    /// recipients outside, the signing audits and the sending's audit. Returns the messages' ids.
    func recordSending(
        _ header: OutgoingHeader,
        _ packages: [BuiltPackage],
        from agency: String,
        signingAudits: [AuditEntry],
        requestID: String?
    ) async throws -> [Int64] {
        let clock = clock
        let (input, now, principal) = (header.input, header.now.epochMillis, header.principal)
        let documentID = packages.last?.documentID ?? ""
        return try await database.transaction { db -> [Int64] in
            for audit in signingAudits { try await AuditLog.record(audit, on: db, clock: clock) }
            var ids: [Int64] = []
            for package in packages {
                let id = try await Self.insert(
                    db,
                    documentID: documentID,
                    direction: .outgoing,
                    agency: agency,
                    counterpart: package.recipient.organId,
                    counterpartName: package.recipient.organName,
                    subject: input.subject,
                    code: "\(input.codeNumber)/\(input.codeNotation)",
                    businessType: input.businessType ?? 0,
                    digest: package.digest,
                    now: now
                )
                guard let id else {
                    throw DomainError.conflict(
                        messageVi: "Văn bản \(documentID) đã được gửi tới \(package.recipient.organId)",
                        messageEn: "\(documentID) was already sent to \(package.recipient.organId)"
                    )
                }
                try await Self.event(db, message: id, code: Self.sentCode, description: "Đã gửi", actor: principal.username, now: now)
                ids.append(id)
                if !package.internal {
                    try await Outbox.enqueue(
                        topic: Self.axisTopic,
                        key: "\(documentID)#\(package.recipient.organId)",
                        orderingKey: "\(documentID)#\(package.recipient.organId)",
                        value: AxisDelivery(packageSHA256: package.digest, recipient: package.recipient.organId, kind: "document"),
                        on: db,
                        now: now
                    )
                }
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "exchange.send",
                    targetType: "document",
                    targetID: documentID,
                    requestID: requestID,
                    change: ["recipients": packages.map(\.recipient.organId).joined(separator: ","), "subject": input.subject]
                ),
                on: db,
                clock: clock
            )
            return ids
        }
    }

    /// The edXML message of an outgoing document for one recipient.
    static func document(
        _ input: OutgoingDocument,
        from: EdXMLOrganization,
        to: EdXMLOrganization,
        today: LocalDate,
        now: Date,
        by principal: Principal,
        attachments: [EdXMLAttachment]
    ) -> EdXMLDocument {
        EdXMLDocument(
            from: from,
            to: [to],
            codeNumber: input.codeNumber,
            codeNotation: input.codeNotation,
            place: "Đồng Nai",
            promulgationDate: today,
            type: input.typeName == "Công văn" ? 2 : 1,
            typeDetail: 0,
            typeName: input.typeName,
            subject: input.subject,
            content: input.content ?? "",
            signerCompetence: "",
            signerPosition: input.signerPosition ?? "",
            signerFullName: input.signerFullName ?? "",
            toPlaces: [],
            priority: input.priority ?? 0,
            sphereOfPromulgation: "",
            typerNotation: "",
            direction: false,
            appendixes: [],
            responseFor: input.responseFor ?? [],
            steeringType: input.steeringType ?? 0,
            traces: [EdXMLTrace(organId: from.organId, timestamp: EdXML.timestamp(now))],
            business: EdXMLBusiness(
                docType: input.businessType ?? 0,
                reason: input.reason ?? "Văn bản mới",
                paper: 0,
                department: principal.agency ?? "",
                staff: principal.username,
                email: "",
                mobile: "",
                documentId: input.originalDocumentId
            ),
            attachments: attachments
        )
    }

    // MARK: Receiving

    /// Receives a raw package (from the national axis, or from a sender inside the platform, whose
    /// package is already in the content store under `storedAs`).
    /// A document already received by this recipient is acknowledged without a second copy.
    /// Status messages update the sender's timeline.
    @discardableResult
    public func receive(_ package: Data, storedAs: String? = nil, by principal: Principal, requestID: String?) async throws -> ExchangeMessage {
        // Status messages are small and carry their code in the header: no need to scan a whole document package.
        if package.prefix(64 * 1024).range(of: Data("<edXML:StatusCode>".utf8)) != nil {
            return try await receiveStatus(try EdXMLDecoder(attachmentsFolder: nil).decodeStatus(from: package))
        }
        let id = try await receiveDocument(package, storedAs: storedAs, by: principal, requestID: requestID)
        return try await database.read { db in try await Self.load(id, db) }
    }

    /// Receives a document package; returns the id of the incoming message of its first recipient
    /// of ours (new or already there). Every agency of this platform among `To` gets its own copy;
    /// recipients elsewhere are left to the axis. The package is read liberally (what it breaks
    /// is kept as warnings) and verified first; only then is it matched with what each recipient
    /// already has from that sender under its DocumentId (`duplicate`).
    func receiveDocument(_ package: Data, storedAs: String? = nil, by principal: Principal, requestID: String?) async throws -> Int64 {
        let folder = workFolder.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: folder) }
        let received = try Self.decodeReceived(package, today: VietnamTime.today(clock.now()), folder: folder)
        let decoded = received.document
        var recipients: [EdXMLOrganization] = []
        for to in decoded.to where try await directory.exists(to.organId) && !recipients.contains(where: { $0.organId == to.organId }) {
            recipients.append(to)
        }
        guard !recipients.isEmpty else {
            throw DomainError.invalid(
                "edXML/MessageHeader/To/OrganId",
                "Không nơi nhận nào thuộc nền tảng này (\(decoded.to.map(\.organId).joined(separator: ", ")))",
                "No recipient is an agency of this platform (\(decoded.to.map(\.organId).joined(separator: ", ")))"
            )
        }
        let checks = try await signatureChecks(package, decoded)
        // Kept byte for byte as it arrived (still under the sender's signature); the copy with
        // this hop's trace is derived when asked for (`package(_:for:)`), not written for every document.
        let original = try await storedAs.asyncOrElse { try await files.put(package) }
        let signatures = String(decoding: try JSONEncoder().encode(checks), as: UTF8.self)
        let warnings =
            received.warnings.isEmpty
            ? nil
            : String(decoding: try JSONEncoder().encode(received.warnings.map { "\($0.field): \($0.messageVi) / \($0.messageEn)" }), as: UTF8.self)
        var ids: [Int64] = []
        for recipient in recipients {
            ids.append(
                try await receiveCopy(
                    decoded,
                    for: recipient.organId,
                    digest: original,
                    checks: checks,
                    signatures: signatures,
                    warnings: warnings,
                    by: principal,
                    requestID: requestID
                )
            )
        }
        return ids[0]
    }

    /// One recipient's copy of a received document.
    func receiveCopy(
        _ document: EdXMLDocument,
        for recipient: String,
        digest original: String,
        checks: [ExchangeMessage.SignatureCheck],
        signatures: String,
        warnings: String?,
        by principal: Principal,
        requestID: String?
    ) async throws -> Int64 {
        if let original = try await businessMessage(
            document,
            for: recipient,
            digest: original,
            checks: checks,
            signatures: signatures,
            warnings: warnings,
            by: principal,
            requestID: requestID
        ) {
            return original
        }
        if let existing = try await duplicate(
            of: document,
            recipient: recipient,
            digest: original,
            checks: checks,
            signatures: signatures,
            by: principal,
            requestID: requestID
        ) {
            return existing
        }
        let documentID = document.documentId
        let now = clock.now()
        let clock = clock
        // A sender inside the platform sees the arrival in the same transaction.
        let senderInside = try await directory.exists(document.from.organId)
        let id = try await database.transaction { db -> Int64 in
            guard
                let id = try await Self.insert(
                    db,
                    documentID: documentID,
                    direction: .incoming,
                    agency: recipient,
                    counterpart: document.from.organId,
                    counterpartName: document.from.organName,
                    subject: document.subject,
                    code: "\(document.codeNumber)/\(document.codeNotation)",
                    businessType: document.business.docType,
                    digest: original,
                    now: now.epochMillis,
                    signatures: signatures,
                    received: original,
                    details: Received(
                        warnings: warnings,
                        date: document.promulgationDate.iso,
                        typeName: document.typeName,
                        signer: Self.signer(of: document)
                    )
                )
            else {
                throw DomainError.conflict(messageVi: "Văn bản đã nhận", messageEn: "Already received")
            }
            try await Self.event(
                db,
                message: id,
                code: EdXMLStatus.Code.arrived.rawValue,
                description: "Đã đến",
                actor: principal.username,
                now: now.epochMillis
            )
            if senderInside,
                let sent = try await Self.findID(
                    db,
                    documentID: documentID,
                    direction: .outgoing,
                    agency: document.from.organId,
                    counterpart: recipient
                )
            {
                try await Self.event(
                    db,
                    message: sent,
                    code: EdXMLStatus.Code.arrived.rawValue,
                    description: "Đã đến",
                    actor: principal.username,
                    now: now.epochMillis
                )
            }
            // Revoke, update or replace: the original received copies are marked (ours name one in
            // Bussiness/DocumentId, the SDK's replacements list them in ReplacementInfoList).
            let originals = ([document.business.documentId].compactMap { $0 } + document.business.replacedDocumentIds).filter { $0 != documentID }
            if document.business.docType != 0, !originals.isEmpty {
                try await markOriginals(originals, of: document, for: recipient, by: principal, now: now.epochMillis, db)
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "exchange.receive",
                    targetType: "document",
                    targetID: documentID,
                    requestID: requestID,
                    change: ["recipient": recipient, "sender": document.from.organId]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        if !senderInside {
            try await propagate(
                code: EdXMLStatus.Code.arrived.rawValue,
                description: "Đã đến",
                route: Route(
                    documentId: documentID,
                    direction: .incoming,
                    agency: recipient,
                    counterpart: document.from.organId,
                    code: "\(document.codeNumber)/\(document.codeNotation)"
                ),
                actor: principal.username
            )
        }
        return id
    }

    /// Streams a package to a scratch file and moves it into the content store (attachments are
    /// copied from their sources chunk by chunk, never the whole package in memory).
    func storePackage(_ document: EdXMLDocument, today: LocalDate, signature: EdXMLSignature? = nil) async throws -> String {
        let scratch = files.scratchFile()
        do {
            return try await files.put(fileAt: scratch, sha256: try EdXMLEncoder.encode(document, today: today, signature: signature, to: scratch))
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    /// Packages up to this size have their attachments decoded into memory, larger ones to files.
    static let decodedInMemory = 32 << 20

    /// Decodes a document package, its attachments in memory when it is small enough, else into
    /// files under `folder` (which the caller removes).
    static func decodeReceived(_ package: Data, today: LocalDate, folder: URL) throws -> EdXMLDecoder.Received {
        try EdXMLDecoder(attachmentsFolder: package.count <= decodedInMemory ? nil : folder).decodeReceived(from: package, today: today)
    }

    /// The package's XML signature, then the CMS signature that comes with each file; every
    /// signer must belong to the sending agency.
    func signatureChecks(_ package: Data, _ document: EdXMLDocument) async throws -> [ExchangeMessage.SignatureCheck] {
        let sender = document.from.organId
        var checks: [ExchangeMessage.SignatureCheck] = [try await packageCheck(package, sender: sender)]
        for attachment in document.attachments where !attachment.name.hasSuffix(".p7s") {
            guard let signature = document.attachments.first(where: { $0.name == attachment.name + ".p7s" }) else {
                checks.append(.init(file: attachment.name, valid: false, signer: nil, problems: ["Không có chữ ký số / not signed"]))
                continue
            }
            // A file the SDK zipped is signed as the file inside (the wrapped bytes are tried too).
            var report = try await certificates.verify(try signature.data(), content: try attachment.data(), sender: sender)
            if !report.valid, let inner = WrappedAttachment.unwrap(attachment) {
                let unwrapped = try await certificates.verify(try signature.data(), content: try inner.data(), sender: sender)
                if unwrapped.valid || report.contentIntact == false { report = unwrapped }
            }
            checks.append(.init(file: attachment.name, valid: report.valid, signer: report.signer, problems: report.problems))
        }
        return checks
    }

    /// The check of a received package's XML signature, listed first among the signature checks:
    /// XML-DSig core validation of what the signature covers (`XMLSignatureInspector`), the
    /// signer's certificate path, and that the signer belongs to `sender`.
    public func packageCheck(_ package: Data, sender: String) async throws -> ExchangeMessage.SignatureCheck {
        let name = Self.packageCheckName
        let inspected: XMLSignatureInspector.Found?
        do { inspected = try XMLSignatureInspector.inspect(package) } catch let error as XMLScanError {
            throw DomainError.invalid("edXML", "XML không hợp lệ: \(error)", "Malformed XML: \(error)")
        }
        guard let found = inspected else {
            return .init(file: name, valid: false, signer: nil, problems: ["Gói tin không có chữ ký XML / package not signed"])
        }
        var problems = found.problems
        guard let algorithm = found.algorithm, !found.signedInfo.isEmpty else {
            return .init(file: name, valid: false, signer: nil, problems: problems, warnings: found.warnings)
        }
        let report = try await certificates.verifyRaw(
            found.value,
            over: found.signedInfo,
            algorithm: algorithm,
            certificatesDER: found.certificatesDER,
            sender: sender
        )
        let intact = found.actualDigest != nil && found.actualDigest == found.claimedDigest
        if found.actualDigest != nil && !intact { problems.insert("Nội dung gói tin đã bị thay đổi / package content changed", at: 0) }
        problems += report.problems
        return .init(
            file: name,
            valid: report.valid && intact && found.problems.isEmpty,
            signer: report.signer,
            problems: problems,
            warnings: found.warnings.isEmpty ? nil : found.warnings
        )
    }

    /// The national axis SDK's revocation or update: the same DocumentId as a document this
    /// recipient already received from that sender, with BussinessDocType 1 or 2. It is recorded
    /// on the original (status 11/12 and an event with the reason and what changed; the package
    /// kept and audited), not as a clashing second copy. An update of a copy not yet registered
    /// replaces its content (unless the update fails checks the original passed), so the clerk
    /// registers the document as it now stands; a registered one is marked (`senderChanges`).
    /// Nil when the package is not such a message.
    func businessMessage(
        _ document: EdXMLDocument,
        for recipient: String,
        digest: String,
        checks: [ExchangeMessage.SignatureCheck],
        signatures: String,
        warnings: String?,
        by principal: Principal,
        requestID: String?
    ) async throws -> Int64? {
        let type = document.business.docType
        guard [1, 2].contains(type), document.business.documentId == nil || document.business.documentId == document.documentId else { return nil }
        // The original copy, and whether this very package was already recorded on it (the axis retrying).
        let found = try await database.read { db -> (original: ExchangeMessage, recorded: Bool)? in
            guard
                let row = try await db.select().columns("id", "received_sha256").from("exchange_messages").where(
                    "document_id",
                    .equal,
                    document.documentId
                )
                .where("direction", .equal, "in").where("agency", .equal, recipient).where("counterpart", .equal, document.from.organId).first(),
                try row.decode(column: "received_sha256", as: String?.self) != digest
            else { return nil }
            let id = try row.decode(column: "id", as: Int64.self)
            let recorded =
                try await db.select().column("id").from("exchange_events").where("message_id", .equal, id)
                .where("package_sha256", .equal, digest).first() != nil
            return (try await Self.load(id, db), recorded)
        }
        guard let found else { return nil }
        let original = found.original
        let id = original.id
        if found.recorded { return id }
        guard original.businessType != type else { return nil }
        let changes = type == 2 ? Self.changes(from: original, to: document) : []
        let pending = ExchangeMessage.awaitsRegistration(original.statusCode)
        let originalValid = !(original.signatures ?? []).isEmpty && (original.signatures ?? []).allSatisfy(\.valid)
        let apply = type == 2 && pending && document.business.informationChanged != false && (checks.allSatisfy(\.valid) || !originalValid)
        let now = clock.millis()
        let clock = clock
        let actor = document.business.staff.isEmpty ? principal.username : document.business.staff
        let description = Self.changeDescription(document.business, changes: changes, applied: apply, pending: pending)
        try await database.transaction { db in
            try await Self.event(db, message: id, code: "1\(type)", description: description, actor: actor, now: now, package: digest)
            // Updated before anyone registered it: its content is the update's, and it still
            // awaits registration (01, over the event's status), as it now stands.
            if apply {
                try await db.update("exchange_messages").set("package_sha256", to: digest).set("received_sha256", to: digest).set(
                    "signatures",
                    to: signatures
                )
                .set("warnings", to: warnings).set("subject", to: document.subject).set("code", to: "\(document.codeNumber)/\(document.codeNotation)")
                .set("counterpart_name", to: document.from.organName).set("document_date", to: document.promulgationDate.iso)
                .set("type_name", to: document.typeName).set("signer", to: Self.signer(of: document)).set(
                    "status_code",
                    to: EdXMLStatus.Code.arrived.rawValue
                )
                .where("id", .equal, id).run()
            }
            try await senderChanges.tell(
                SenderChange(
                    messageID: id,
                    agency: recipient,
                    businessType: type,
                    reason: document.business.reason,
                    changes: changes,
                    actor: actor,
                    at: now
                ),
                on: db
            )
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: type == 1 ? "exchange.receive.revoke" : "exchange.receive.update",
                    targetType: "document",
                    targetID: document.documentId,
                    requestID: requestID,
                    change: [
                        "recipient": recipient, "sender": document.from.organId, "package": digest, "reason": document.business.reason,
                        "applied": apply ? "true" : "false",
                    ]
                ),
                on: db,
                clock: clock
            )
        }
        return id
    }

    /// The event text of a revocation or update: the reason, what changed, and the receivers the
    /// SDK lists (their ReceiverType codes as given).
    static func changeDescription(_ business: EdXMLBusiness, changes: [String], applied: Bool, pending: Bool) -> String {
        let (vi, en) =
            business.docType == 1 ? ("Bên gửi thu hồi văn bản", "revoked by the sender") : ("Bên gửi cập nhật văn bản", "updated by the sender")
        var parts = ["\(vi) / \(en): \(business.reason)"]
        if !changes.isEmpty { parts.append(changes.joined(separator: "; ")) }
        if business.docType == 2 && !applied {
            parts.append(
                pending
                    ? "bản cập nhật không thay bản đã nhận (chữ ký không hợp lệ) / not applied: the update failed its signature checks"
                    : "văn bản đã vào sổ giữ nguyên / the registered document is kept as registered"
            )
        }
        if business.receiversChanged == true || !business.receiverChanges.isEmpty {
            parts.append(
                "Nơi nhận thay đổi / receivers changed: " + business.receiverChanges.map { "\($0.organId) (\($0.type))" }.joined(separator: ", ")
            )
        }
        return parts.joined(separator: " — ")
    }

    /// The fields an update changes on a received copy, "name: old → new".
    static func changes(from original: ExchangeMessage, to document: EdXMLDocument) -> [String] {
        let pairs: [(String, String?, String)] = [
            ("Số, ký hiệu / code", original.code, "\(document.codeNumber)/\(document.codeNotation)"),
            ("Trích yếu / subject", original.subject, document.subject),
            ("Ngày / date", original.documentDate.map(EdXML.date), EdXML.date(document.promulgationDate)),
            ("Loại / type", original.typeName, document.typeName),
            ("Người ký / signer", original.signer, signer(of: document)),
        ]
        return pairs.filter { $0.1 != nil && $0.1 != $0.2 }.map { "\($0.0): \($0.1 ?? "") → \($0.2)" }
    }

    /// "Competence Position FullName" as a received document names its signer.
    static func signer(of document: EdXMLDocument) -> String {
        [document.signerCompetence, document.signerPosition, document.signerFullName].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Marks the copies this recipient received of the documents a revocation, update or
    /// replacement names (our convention's Bussiness/DocumentId, the SDK's ReplacementInfoList).
    func markOriginals(
        _ originals: [String],
        of document: EdXMLDocument,
        for recipient: String,
        by principal: Principal,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        let type = document.business.docType
        let ids = try await db.select().column("id").from("exchange_messages").where("document_id", .in, originals).where("direction", .equal, "in")
            .where("agency", .equal, recipient).all().map { try $0.decode(column: "id", as: Int64.self) }
        guard !ids.isEmpty else { return }
        try await db.update("exchange_messages").set("status_code", to: "1\(min(type, 3))").set("updated_at", to: now).where("id", .in, ids).run()
        for id in ids {
            try await senderChanges.tell(
                SenderChange(
                    messageID: id,
                    agency: recipient,
                    businessType: type,
                    reason: document.business.reason,
                    changes: ["\(document.codeNumber)/\(document.codeNotation) (\(document.documentId))"],
                    actor: principal.username,
                    at: now
                ),
                on: db
            )
        }
    }

    /// What this recipient already has from the sender under the same DocumentId, now that the
    /// new package is verified: the same package again is acknowledged with the record it made;
    /// a verified package replaces an earlier copy that failed its checks and is still only
    /// "arrived" (a tampered copy never blocks the genuine one); any other different package
    /// under that DocumentId is refused as a conflict (audited) and never answered with another record.
    func duplicate(
        of document: EdXMLDocument,
        recipient: String,
        digest: String,
        checks: [ExchangeMessage.SignatureCheck],
        signatures: String,
        by principal: Principal,
        requestID: String?
    ) async throws -> Int64? {
        let sender = document.from.organId
        guard
            let row = try await database.read({ db in
                try await db.select().columns("id", "received_sha256", "signatures", "status_code").from("exchange_messages")
                    .where("document_id", .equal, document.documentId).where("direction", .equal, "in").where("agency", .equal, recipient)
                    .where("counterpart", .equal, sender).first()
            })
        else { return nil }
        let id = try row.decode(column: "id", as: Int64.self)
        let earlierDigest = try row.decode(column: "received_sha256", as: String?.self)
        if earlierDigest == digest { return id }
        let earlier =
            try row.decode(column: "signatures", as: String?.self).flatMap {
                try? JSONDecoder().decode([ExchangeMessage.SignatureCheck].self, from: Data($0.utf8))
            } ?? []
        let earlierValid = !earlier.isEmpty && earlier.allSatisfy(\.valid)
        // Written differently but canonically the same, under the same signature: the same package.
        if earlierValid, checks.allSatisfy(\.valid), let earlierDigest,
            try sameSignature(try await files.mapped(earlierDigest), try await files.mapped(digest))
        {
            return id
        }
        let onlyArrived = try row.decode(column: "status_code", as: String?.self) == EdXMLStatus.Code.arrived.rawValue
        let now = clock.millis()
        let clock = clock
        if checks.allSatisfy(\.valid) && !earlierValid && onlyArrived {
            try await database.transaction { db in
                try await db.update("exchange_messages").set("package_sha256", to: digest).set("received_sha256", to: digest).set(
                    "signatures",
                    to: signatures
                )
                .set("subject", to: document.subject).set("code", to: "\(document.codeNumber)/\(document.codeNotation)")
                .set("counterpart_name", to: document.from.organName).set("business_type", to: document.business.docType).where("id", .equal, id)
                .run()
                try await Self.event(
                    db,
                    message: id,
                    code: EdXMLStatus.Code.arrived.rawValue,
                    description: "Bản đã kiểm tra chữ ký thay bản trước không hợp lệ / a verified copy replaced an invalid one",
                    actor: principal.username,
                    now: now
                )
                try await AuditLog.record(
                    AuditEntry(
                        principal: principal,
                        action: "exchange.receive.replace",
                        targetType: "document",
                        targetID: document.documentId,
                        requestID: requestID,
                        change: ["recipient": recipient, "sender": sender, "package": digest]
                    ),
                    on: db,
                    clock: clock
                )
            }
            return id
        }
        try await database.transaction { db in
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "exchange.receive.conflict",
                    targetType: "document",
                    targetID: document.documentId,
                    requestID: requestID,
                    change: [
                        "recipient": recipient, "sender": sender, "package": digest,
                        "valid": checks.allSatisfy(\.valid) ? "true" : "false",
                    ]
                ),
                on: db,
                clock: clock
            )
        }
        throw DomainError.conflict(
            messageVi: "Đã nhận một gói tin khác với cùng DocumentId \(document.documentId) từ \(sender)",
            messageEn: "A different package with DocumentId \(document.documentId) was already received from \(sender)"
        )
    }

    /// Whether two packages carry the same XML signature value (both already verified).
    func sameSignature(_ a: Data, _ b: Data) throws -> Bool {
        guard let first = try XMLSignatureInspector.inspect(a), let second = try XMLSignatureInspector.inspect(b) else { return false }
        return first.value == second.value && first.claimedDigest == second.claimedDigest
    }

    /// The name the package's own signature check carries among the file checks.
    public static let packageCheckName = "edXML"

    /// The codes each side issues: the sender sends (00), recalls (13) and revokes or updates
    /// (11, 12); the recipient answers with the others.
    /// The platform's own code for a package it sent (edXML statuses begin at 01).
    static let sentCode = "00"
    /// The codes the sending side gives (sent, its recall and update notices) and those its recipients give.
    static let senderCodes = [sentCode, "11", "12", EdXMLStatus.Code.recalled.rawValue]
    static let recipientsCodes = EdXMLStatus.Code.allCases.filter { $0 != .recalled }.map(\.rawValue)

    /// A status from the axis takes its place in the timeline by its own `Timestamp` (the moment
    /// of receipt when it has none, or one in the future); a late one does not move the current
    /// status backwards.
    func receiveStatus(_ status: EdXMLStatus) async throws -> ExchangeMessage {
        let now = clock.millis()
        let given = EdXML.parseTimestamp(status.timestamp).map(\.epochMillis).flatMap { $0 <= now + 300_000 ? $0 : nil } ?? now
        let code = status.code.rawValue
        return try await database.transaction { db in
            // The status is about a document we sent (to the status's sender), or one we received (a recall).
            let target = try await Self.findID(
                db,
                documentID: status.responseFor.documentId,
                direction: .outgoing,
                agency: status.responseFor.organId,
                counterpart: status.from.organId
            )
            let recalled = try await db.select().column("id").from("exchange_messages").where("document_id", .equal, status.responseFor.documentId)
                .where("direction", .equal, "in").where("counterpart", .equal, status.from.organId).first()?.decode(column: "id", as: Int64.self)
            guard let id = target ?? recalled else { throw DomainError.notFound(what: "document \(status.responseFor.documentId)") }
            // Statuses are ordered among those the other side issued, by their own Timestamp; none
            // can precede what this side last did (a peer's clock behind ours is taken as that
            // moment: the SDK's samples are dated years before anything is sent).
            let own = target == nil ? Self.recipientsCodes : Self.senderCodes
            let ownLatest =
                try await db.select().column(SQLFunction("MAX", args: SQLColumn("at")), as: "latest").from("exchange_events")
                .where("message_id", .equal, id).where("code", .in, own).first()?.decode(column: "latest", as: Int64?.self) ?? nil
            let stamped = max(given, ownLatest ?? given)
            // The same status again (a retry of the axis) is already in the timeline.
            let repeated =
                try await db.select().column("id").from("exchange_events").where("message_id", .equal, id).where("code", .equal, code)
                .where("at", .equal, stamped).first() != nil
            guard !repeated else { return try await Self.load(id, db) }
            try await db.insert(into: "exchange_events").columns("message_id", "code", "description", "actor", "at")
                .values(
                    SQLBind(id),
                    SQLBind(code),
                    SQLBind(EdXMLStatus.description(status.description, of: code)),
                    SQLBind(status.staff),
                    SQLBind(stamped)
                ).run()
            // A late status (older than one already recorded) stays in the timeline only.
            try await db.raw(
                """
                UPDATE exchange_messages SET status_code = \(bind: code), updated_at = \(bind: now) WHERE id = \(bind: id)
                AND NOT EXISTS (SELECT 1 FROM exchange_events WHERE message_id = \(bind: id) AND at > \(bind: stamped)
                                AND code NOT IN (\(binds: own)))
                """
            ).run()
            return try await Self.load(id, db)
        }
    }

    // MARK: Statuses

    /// Records a status on a message of the caller's agency and carries it to the other side:
    /// recipients report 02–06 (and 15/16 to a recall); senders recall with 13.
    public func updateStatus(_ id: Int64, code: EdXMLStatus.Code, description: String, by principal: Principal, requestID: String?) async throws
        -> ExchangeMessage
    {
        let message = try await database.read { db in try await Self.load(id, db) }
        guard message.agency == principal.agency, principal.roles.contains(where: \.isStaffRole) else {
            throw DomainError.notFound(what: "document \(id)")
        }
        let allowed: Set<EdXMLStatus.Code> =
            message.direction == .incoming ? [.refused, .accepted, .assigned, .processing, .finished, .recallAgreed, .recallRefused] : [.recalled]
        guard allowed.contains(code) else {
            throw DomainError.conflict(
                messageVi: "Trạng thái \(code.rawValue) không dùng cho văn bản \(message.direction == .incoming ? "đến" : "đi")",
                messageEn: "Status \(code.rawValue) does not apply to \(message.direction == .incoming ? "an incoming" : "an outgoing") document"
            )
        }
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            try await Self.event(db, message: id, code: code.rawValue, description: description, actor: principal.username, now: now)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "exchange.status",
                    targetType: "document",
                    targetID: message.documentId,
                    requestID: requestID,
                    change: ["code": code.rawValue]
                ),
                on: db,
                clock: clock
            )
        }
        try await propagate(code: code.rawValue, description: description, from: id, actor: principal.username)
        return try await database.read { db in try await Self.load(id, db) }
    }

    /// Which document a status is about, between which two agencies (what carrying it needs).
    struct Route {
        let documentId: String, direction: ExchangeMessage.Direction, agency: String, counterpart: String, code: String
    }

    /// Carries a status of message `id` to its counterpart: directly inside the platform, as an
    /// edXML status message through the national axis otherwise.
    func propagate(code: String, description: String, from id: Int64, actor: String) async throws {
        let message = try await database.read { db in try await Self.load(id, db) }
        try await propagate(
            code: code,
            description: description,
            route: Route(
                documentId: message.documentId,
                direction: message.direction,
                agency: message.agency,
                counterpart: message.counterpart,
                code: message.code
            ),
            actor: actor
        )
    }

    func propagate(code: String, description: String, route message: Route, actor: String) async throws {
        let now = clock.now()
        if try await directory.exists(message.counterpart) {
            let otherDirection: ExchangeMessage.Direction = message.direction == .incoming ? .outgoing : .incoming
            try await database.transaction { db in
                guard
                    let other = try await Self.findID(
                        db,
                        documentID: message.documentId,
                        direction: otherDirection,
                        agency: message.counterpart,
                        counterpart: message.agency
                    )
                else { return }
                try await Self.event(db, message: other, code: code, description: description, actor: actor, now: now.epochMillis)
            }
            return
        }
        guard let ours = try await directory.agency(message.agency), let codeValue = EdXMLStatus.Code(rawValue: code) else { return }
        let parts = message.documentId.split(separator: ",")
        let status = EdXMLStatus(
            from: EdXMLOrganization(organId: ours.identifier, organName: ours.name),
            responseFor: EdXMLResponseFor(
                organId: message.direction == .incoming ? message.counterpart : message.agency,
                code: message.code,
                promulgationDate: parts.count > 1 ? EdXML.parseDate(String(parts[1])) ?? VietnamTime.today(now) : VietnamTime.today(now),
                documentId: message.documentId
            ),
            department: "",
            staff: actor,
            email: "",
            mobile: "",
            code: codeValue,
            description: description,
            timestamp: EdXML.timestamp(now)
        )
        let digest = try await files.put(try EdXMLEncoder.encode(status))
        try await database.transaction { db in
            try await Outbox.enqueue(
                topic: Self.axisTopic,
                key: "\(message.documentId)#\(message.counterpart)#status#\(code)",
                orderingKey: "\(message.documentId)#\(message.counterpart)",
                value: AxisDelivery(packageSHA256: digest, recipient: message.counterpart, kind: "status"),
                on: db,
                now: now.epochMillis
            )
        }
    }

    // MARK: Reading

    public func inbox(for principal: Principal, page: PageRequest) async throws -> Page<ExchangeMessage> {
        guard let agency = principal.agency, principal.roles.contains(where: \.isStaffRole) else {
            throw DomainError.forbidden(messageVi: "Chỉ cán bộ xem văn bản đến", messageEn: "Only staff see incoming documents")
        }
        let after = try page.afterKey()
        let rows = try await database.read { db in
            let query = db.select().column("*").from("exchange_messages").where("agency", .equal, agency).where("direction", .equal, "in")
            if let after { query.where("id", .lessThan, after) }
            return try await query.orderBy("id", .descending).limit(page.limit + 1).all(
                decoding: Row.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
        }
        return Page(fetched: rows, limit: page.limit, key: \.id, transform: \.message)
    }

    /// A message with its timeline, for staff of its agency.
    public func message(_ id: Int64, for principal: Principal) async throws -> ExchangeMessage {
        let message = try await database.read { db in try await Self.load(id, db) }
        guard message.agency == principal.agency || principal.roles.contains(.systemAdmin) else { throw DomainError.notFound(what: "document \(id)") }
        return message
    }

    /// The raw edXML package of a message: as sent, or, for a received document, with this
    /// platform's trace added (derived from the package as it arrived, with the arrival time), or
    /// with `asReceived` byte for byte as it arrived, under the sender's signature.
    public func package(_ id: Int64, for principal: Principal, asReceived: Bool = false) async throws -> Data {
        let message = try await self.message(id, for: principal)
        let (sent, received) = try await packageDigests(message.id)
        if asReceived {
            guard let received else { throw DomainError.notFound(what: "received package") }
            return try await files.get(received)
        }
        guard message.direction == .incoming, let received else { return try await files.get(sent) }
        let folder = workFolder.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: folder) }
        let today = VietnamTime.today(clock.now()).adding(days: 1)
        let arrived = try await files.mapped(received)
        var document = try Self.decodeReceived(arrived, today: today, folder: folder).document
        document.traces.append(
            EdXMLTrace(organId: message.agency, timestamp: EdXML.timestamp(Date(timeIntervalSince1970: Double(message.createdAt) / 1000)))
        )
        return try EdXMLEncoder.encode(document, today: today, validating: false)
    }

    /// The content-store digests of a message's packages: as sent or first stored, and as received.
    func packageDigests(_ id: Int64) async throws -> (sent: String, received: String?) {
        let row = try await database.read { db in
            try await db.select().columns("package_sha256", "received_sha256").from("exchange_messages").where("id", .equal, id).first()
        }
        guard let row else { throw DomainError.notFound(what: "document \(id)") }
        return (try row.decode(column: "package_sha256", as: String.self), try row.decode(column: "received_sha256", as: String?.self))
    }

    /// Loads a stored package for the national-axis worker.
    public func storedPackage(_ delivery: AxisDelivery) async throws -> Data { try await files.mapped(delivery.packageSHA256) }

    // MARK: Rows

    struct Row: Decodable, Sendable {
        let id: Int64, documentId: String, direction: String, agency: String, counterpart: String, counterpartName: String
        let subject: String, code: String, businessType: Int, statusCode: String?, createdAt: Int64, signatures: String?, warnings: String?
        let documentDate: String?, typeName: String?, signer: String?

        var message: ExchangeMessage {
            ExchangeMessage(
                id: id,
                documentId: documentId,
                direction: ExchangeMessage.Direction(rawValue: direction) ?? .incoming,
                agency: agency,
                counterpart: counterpart,
                counterpartName: counterpartName,
                subject: subject,
                code: code,
                businessType: businessType,
                statusCode: statusCode,
                createdAt: createdAt,
                events: nil,
                signatures: signatures.flatMap { try? JSONDecoder().decode([ExchangeMessage.SignatureCheck].self, from: Data($0.utf8)) },
                warnings: warnings.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) },
                documentDate: documentDate.flatMap { LocalDate(iso: $0) },
                typeName: typeName,
                signer: signer
            )
        }
    }

    static func insert(
        _ db: any SQLDatabase,
        documentID: String,
        direction: ExchangeMessage.Direction,
        agency: String,
        counterpart: String,
        counterpartName: String,
        subject: String,
        code: String,
        businessType: Int,
        digest: String,
        now: Int64,
        signatures: String? = nil,
        received: String? = nil,
        details: Received? = nil
    ) async throws -> Int64? {
        try await db.insert(into: "exchange_messages")
            .model(
                NewMessageRow(
                    documentId: documentID,
                    direction: direction.rawValue,
                    agency: agency,
                    counterpart: counterpart,
                    counterpartName: counterpartName,
                    subject: subject,
                    code: code,
                    businessType: businessType,
                    packageSHA256: digest,
                    signatures: signatures,
                    receivedSHA256: received,
                    warnings: details?.warnings,
                    documentDate: details?.date,
                    typeName: details?.typeName,
                    signer: details?.signer,
                    createdAt: now,
                    updatedAt: now
                ),
                nilEncodingStrategy: .asNil
            )
            .ignoringConflicts(with: ["document_id", "direction", "agency", "counterpart"])
            .returning("id").first()?.decode(column: "id", as: Int64.self)
    }

    /// A new row of `exchange_messages`, each column named once by its coding key.
    struct NewMessageRow: Encodable {
        let documentId: String
        let direction: String
        let agency: String
        let counterpart: String
        let counterpartName: String
        let subject: String
        let code: String
        let businessType: Int
        let packageSHA256: String
        let signatures: String?
        let receivedSHA256: String?
        let warnings: String?
        let documentDate: String?
        let typeName: String?
        let signer: String?
        /// The last status (only generated histories start with one).
        var statusCode: String? = nil
        let createdAt: Int64
        let updatedAt: Int64

        enum CodingKeys: String, CodingKey {
            case statusCode = "status_code"
            case documentId = "document_id"
            case direction, agency, counterpart
            case counterpartName = "counterpart_name"
            case subject, code
            case businessType = "business_type"
            case packageSHA256 = "package_sha256"
            case signatures
            case receivedSHA256 = "received_sha256"
            case warnings
            case documentDate = "document_date"
            case typeName = "type_name"
            case signer
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    /// What a received message records besides the common columns.
    struct Received {
        let warnings: String?, date: String, typeName: String, signer: String
    }

    static func event(_ db: any SQLDatabase, message: Int64, code: String, description: String, actor: String, now: Int64, package: String? = nil)
        async throws
    {
        try await db.insert(into: "exchange_events").columns("message_id", "code", "description", "actor", "at", "package_sha256")
            .values(
                SQLBind(message),
                SQLBind(code),
                SQLBind(EdXMLStatus.description(description, of: code)),
                SQLBind(actor),
                SQLBind(now),
                SQLBind(package)
            ).run()
        try await db.update("exchange_messages").set("status_code", to: code).set("updated_at", to: now).where("id", .equal, message).run()
    }

    /// The id of the message of `agency` about a document, with that counterpart and direction.
    static func findID(_ db: any SQLDatabase, documentID: String, direction: ExchangeMessage.Direction, agency: String, counterpart: String)
        async throws -> Int64?
    {
        try await db.select().column("id").from("exchange_messages").where("document_id", .equal, documentID)
            .where("direction", .equal, direction.rawValue).where("agency", .equal, agency).where("counterpart", .equal, counterpart)
            .first()?.decode(column: "id", as: Int64.self)
    }

    static func load(_ id: Int64, _ db: any SQLDatabase) async throws -> ExchangeMessage {
        guard
            let row = try await db.select().column("*").from("exchange_messages").where("id", .equal, id)
                .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        else { throw DomainError.notFound(what: "document \(id)") }
        var message = row.message
        message.events = try await db.select().columns("code", "description", "actor", "at").from("exchange_events").where("message_id", .equal, id)
            .orderBy("at").orderBy("id").all(decoding: ExchangeMessage.Event.self)
        return message
    }
}
