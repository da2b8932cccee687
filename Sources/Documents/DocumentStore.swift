import Audit
import Core
import Directory
import DocumentExchange
import Foundation
import Identity
import SQLKit
import Signatures
import Storage

/// Document management (quản lý văn bản và điều hành) of every agency: incoming and outgoing
/// registers, assignments, approval chains, issuing through the axis, search and statistics.
public struct DocumentStore: Sendable {
    /// Outbox topic for issued documents still to be sent to some recipient.
    public static let dispatchTopic = "documents-dispatch"
    let database: Database
    let directory: AgencyDirectory
    let accounts: AccountStore
    let calendar: CalendarStore
    let exchange: ExchangeStore
    let certificates: CertificateAuthority
    let files: ContentStore
    let workFolder: URL
    let clock: WallClock
    public let maxFileSize: Int

    public init(
        database: Database,
        directory: AgencyDirectory,
        accounts: AccountStore,
        calendar: CalendarStore,
        exchange: ExchangeStore,
        certificates: CertificateAuthority,
        files: ContentStore,
        workFolder: URL,
        maxFileSize: Int = 50 * 1_048_576,
        clock: WallClock = .system
    ) {
        self.database = database
        self.directory = directory
        self.accounts = accounts
        self.calendar = calendar
        self.exchange = exchange
        self.certificates = certificates
        self.files = files
        self.workFolder = workFolder
        self.maxFileSize = maxFileSize
        self.clock = clock
    }

    static let notFound = DomainError.notFound(what: "document")

    // MARK: Reading

    /// A document with its files, assignments, history and (outgoing) deliveries, for those who
    /// may see it. Every read of a secret document is audited.
    public func document(_ id: Int64, for principal: Principal, requestID: String? = nil) async throws -> OfficialDocument {
        var document = try await visible(id, for: principal)
        if document.secrecy.isSecret { try await auditRead(document, principal: principal, requestID: requestID, what: "document") }
        (document.files, document.assignments, document.events) = try await database.read { db in
            (
                try await Self.files(of: id, db),
                try await db.select().column("*").from("document_assignments").where("document_id", .equal, id).orderBy("id")
                    .all(decoding: AssignmentRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.assignment),
                try await db.select().columns("action", "actor", "note", "at").from("document_events").where("document_id", .equal, id)
                    .orderBy("id").all(decoding: DocumentEvent.self)
            )
        }
        if document.direction == .outgoing, let documentID = document.exchangeDocumentId {
            let sent = try await exchange.sent(documentID: documentID, agency: document.agency)
            document.deliveries = document.recipients.map { recipient in
                let message = sent.first { $0.counterpart == recipient.organId }
                return .init(
                    organId: recipient.organId,
                    name: message?.counterpartName ?? recipient.name ?? recipient.organId,
                    statusCode: message?.statusCode,
                    statuses: message?.events?.map(\.code) ?? []
                )
            }
        }
        return document
    }

    /// The document if the principal may see it (else not found, so its existence is not revealed).
    func visible(_ id: Int64, for principal: Principal) async throws -> OfficialDocument {
        let (row, named) = try await database.read { db -> (DocumentRow?, Bool) in
            let row = try await DocumentRow.load(id, db)
            return (row, try await Self.isNamed(id, principal.username, db))
        }
        guard let row, DocumentRules.maySee(secrecy: row.secrecyValue, agency: row.agency, principal: principal, named: named) else {
            throw Self.notFound
        }
        return row.document
    }

    /// A file of a document (the newest version unless `fileID` names one).
    public func file(_ fileID: Int64, of id: Int64, for principal: Principal, requestID: String? = nil) async throws -> (DocumentFile, Data) {
        let document = try await visible(id, for: principal)
        guard let file = try await database.read({ db in try await Self.files(of: id, db).first { $0.id == fileID } }) else { throw Self.notFound }
        if document.secrecy.isSecret { try await auditRead(document, principal: principal, requestID: requestID, what: "file \(file.name)") }
        return (file, try await files.get(file.sha256))
    }

    func auditRead(_ document: OfficialDocument, principal: Principal, requestID: String?, what: String) async throws {
        let clock = clock
        try await database.transaction { db in
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.read-secret",
                    targetType: "document",
                    targetID: String(document.id),
                    requestID: requestID,
                    change: ["read": what, "secrecy": document.secrecy.nameVi]
                ),
                on: db,
                clock: clock
            )
        }
    }

    // MARK: Shared steps (inside a transaction)

    static func files(of id: Int64, _ db: any SQLDatabase) async throws -> [DocumentFile] {
        try await db.select().columns("id", "name", "content_type", "sha256", "size", "version", "signature_sha256", "uploaded_by", "created_at")
            .from("document_files").where("document_id", .equal, id).orderBy("id").all(
                decoding: FileRow.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
            .map(\.file)
    }

    static func isNamed(_ id: Int64, _ username: String, _ db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("username").from("document_readers").where("document_id", .equal, id).where("username", .equal, username).first()
            != nil
    }

    static func name(_ usernames: [String], on id: Int64, _ db: any SQLDatabase) async throws {
        for username in Set(usernames) where !username.isEmpty {
            try await db.insert(into: "document_readers").columns("document_id", "username").values(SQLBind(id), SQLBind(username))
                .ignoringConflicts(with: ["document_id", "username"]).run()
        }
    }

    static func event(_ id: Int64, _ action: String, actor: String, note: String = "", now: Int64, _ db: any SQLDatabase) async throws {
        try await db.insert(into: "document_events").columns("document_id", "action", "actor", "note", "at")
            .values(SQLBind(id), SQLBind(action), SQLBind(actor), SQLBind(note), SQLBind(now)).run()
    }

    /// The next number of a register (per agency, direction, year and series), taken in the
    /// caller's transaction: concurrent takers wait on the row, so numbers have no gaps or repeats.
    static func nextNumber(agency: String, direction: DocumentDirection, year: Int, series: String, _ db: any SQLDatabase) async throws -> Int {
        try await db.insert(into: "document_sequences").columns("agency", "direction", "year", "series", "last_value")
            .values(SQLBind(agency), SQLBind(direction.rawValue), SQLBind(year), SQLBind(series), SQLBind(0))
            .ignoringConflicts(with: ["agency", "direction", "year", "series"]).run()
        guard
            let row = try await db.update("document_sequences").set("last_value", to: SQLRaw("last_value + 1"))
                .where("agency", .equal, agency).where("direction", .equal, direction.rawValue).where("year", .equal, year).where(
                    "series",
                    .equal,
                    series
                )
                .returning("last_value").first()
        else { throw StorageError.corrupt("document sequence missing") }
        return try row.decode(column: "last_value", as: Int.self)
    }

    /// Text the search matches (diacritics and case folded).
    static func searchText(_ parts: [String?]) -> String { TextFolding.fold(parts.compactMap { $0 }.joined(separator: " ")) }

    /// Checks usernames belong to staff of `agency`.
    func requireStaff(_ usernames: [String], of agency: String, field: String) async throws {
        for username in usernames {
            guard let account = try await accounts.account(username: username), account.agencyIdentifier == agency else {
                throw DomainError.invalid(field, "\"\(username)\" không phải cán bộ của cơ quan", "\"\(username)\" is not staff of this agency")
            }
        }
    }

    /// The agency of a staff principal who holds one of `roles`.
    func staffAgency(_ principal: Principal, _ roles: Set<Role>, _ vi: String, _ en: String) throws -> String {
        guard let agency = principal.agency, !principal.roles.isDisjoint(with: roles) else {
            throw DomainError.forbidden(messageVi: vi, messageEn: en)
        }
        return agency
    }

    /// Checks and stores a file's bytes (PDF, JPEG, PNG or DOCX, by content).
    func storeFile(_ data: Data, name: String) async throws -> (name: String, type: FileType, digest: String) {
        let accepted = try FileType.accept(data, name: name, maxSize: maxFileSize)
        return (accepted.name, accepted.type, try await files.put(data))
    }

    static func insertFile(
        _ id: Int64,
        name: String,
        contentType: String,
        digest: String,
        size: Int,
        signature: String? = nil,
        by username: String,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws -> Int {
        let previous =
            try await db.select().column(SQLFunction("max", args: SQLIdentifier("version")), as: "v").from("document_files")
            .where("document_id", .equal, id).where("name", .equal, name).first()?.decode(column: "v", as: Int?.self) ?? 0
        try await db.insert(into: "document_files")
            .columns("document_id", "name", "content_type", "sha256", "size", "version", "signature_sha256", "uploaded_by", "created_at")
            .values(
                SQLBind(id),
                SQLBind(name),
                SQLBind(contentType),
                SQLBind(digest),
                SQLBind(size),
                SQLBind(previous + 1),
                SQLBind(signature),
                SQLBind(username),
                SQLBind(now)
            ).run()
        return previous + 1
    }

    /// Adds a file (a scan to a registered incoming document, or a new version to a draft).
    public func attach(_ data: Data, name: String, to id: Int64, by principal: Principal, requestID: String?) async throws -> DocumentFile {
        let document = try await visible(id, for: principal)
        guard DocumentRules.mayAttach(to: document, principal: principal) else {
            throw DomainError.forbidden(
                messageVi: "Không thể thêm tệp vào văn bản này lúc này",
                messageEn: "You cannot add files to this document now"
            )
        }
        let stored = try await storeFile(data, name: name)
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let version = try await Self.insertFile(
                id,
                name: stored.name,
                contentType: stored.type.mediaType,
                digest: stored.digest,
                size: data.count,
                by: principal.username,
                now: now,
                db
            )
            try await Self.event(id, "file", actor: principal.username, note: "\(stored.name) (v\(version))", now: now, db)
            try await db.update("documents").set("updated_at", to: now).where("id", .equal, id).run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.file",
                    targetType: "document",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["file": stored.name, "sha256": stored.digest, "version": String(version)]
                ),
                on: db,
                clock: clock
            )
        }
        guard let file = try await database.read({ db in try await Self.files(of: id, db).last }) else { throw Self.notFound }
        return file
    }
}
