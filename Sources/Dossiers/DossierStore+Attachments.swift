import Audit
import Core
import Foundation
import SQLKit
import Storage

extension DossierStore {
    /// Attaches a file. Its type is recognised from its content (PDF, JPEG, PNG, DOCX); the name
    /// is sanitised; the bytes are stored once by SHA-256 outside the database.
    /// Applicants attach while the dossier waits for them (submitted, supplement requested);
    /// the receiving desk while it is open; the processing agency attaches the result.
    public func attach(_ data: Data, fileName: String, documentName: String, kind: Attachment.Kind, to code: String,
                       by principal: Principal, requestID: String?) async throws -> Attachment {
        guard data.count <= maxAttachmentSize else {
            throw DomainError.invalid("file", "Tệp vượt quá \(maxAttachmentSize / 1_048_576) MB", "The file exceeds \(maxAttachmentSize / 1_048_576) MB")
        }
        guard !data.isEmpty, let type = FileType.detect(data) else {
            throw DomainError.invalid("file", "Chỉ nhận tệp PDF, JPEG, PNG hoặc DOCX", "Only PDF, JPEG, PNG or DOCX files are accepted")
        }
        let document = documentName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !document.isEmpty, document.count <= 300 else {
            throw DomainError.invalid("document", "Cần tên thành phần hồ sơ (tối đa 300 ký tự)", "The document name is required (at most 300 characters)")
        }
        let name = FileType.sanitizedName(fileName, type: type)
        let digest = try files.put(data)
        let now = clock.millis()
        let clock = clock
        return try await database.transaction { db in
            guard let row = try await DossierRow.load(code: code, db),
                  DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal) else { throw Self.notFound }
            let actor = DossierVisibility.actor(row, principal: principal)
            let status = row.statusValue
            let allowed: Bool
            switch kind {
            case .submission, .supplement:
                let waitingForApplicant = status == .submitted || status == .supplementRequested
                allowed = (actor.isOwner && waitingForApplicant) || (actor.atReceivingAgency && principal.roles.contains(.counterOfficer) && !status.isFinal)
            case .result:
                allowed = actor.atCurrentAgency && !principal.roles.isDisjoint(with: [.processingOfficer, .leader, .counterOfficer])
                    && (status == .approved || status == .rejected || status == .resultReady)
            }
            guard allowed else {
                throw DomainError.forbidden(messageVi: "Không thể đính kèm tệp vào hồ sơ ở trạng thái này", messageEn: "You cannot attach files to this dossier now")
            }
            guard let inserted = try await db.insert(into: "dossier_attachments")
                .columns("dossier_id", "kind", "document_name", "file_name", "media_type", "size", "sha256", "uploaded_by", "at")
                .values(SQLBind(row.id), SQLBind(kind.rawValue), SQLBind(document), SQLBind(name), SQLBind(type.mediaType), SQLBind(data.count),
                        SQLBind(digest), SQLBind(principal.username), SQLBind(now))
                .returning("id").first() else { throw StorageError.corrupt("insert returned no id") }
            let id = try inserted.decode(column: "id", as: Int64.self)
            try await AuditLog.record(AuditEntry(principal: principal, action: "dossier.attach", targetType: "dossier", targetID: code, requestID: requestID,
                                                 change: ["file": name, "sha256": digest, "kind": kind.rawValue, "document": document]), on: db, clock: clock)
            return Attachment(id: id, kind: kind, documentName: document, fileName: name, mediaType: type.mediaType, size: data.count,
                              sha256: digest, uploadedBy: principal.username, at: now)
        }
    }

    /// A file of a dossier, for those who may read the dossier.
    public func file(_ id: Int64, of code: String, for principal: Principal) async throws -> (Attachment, Data) {
        let attachment = try await database.read { db -> Attachment? in
            guard let row = try await DossierRow.load(code: code, db),
                  DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal) else { return nil }
            return try await Self.attachments(of: row.id, db).first { $0.id == id }
        }
        guard let attachment else { throw DomainError.notFound(what: "file \(id)") }
        return (attachment, try files.get(attachment.sha256))
    }
}
