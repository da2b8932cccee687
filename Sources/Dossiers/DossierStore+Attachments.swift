import Audit
import Core
import Foundation
import Procedures
import SQLKit
import Storage

extension DossierStore {
    /// Attaches a file. Its type is recognised from its content (PDF, JPEG, PNG, DOCX); the name
    /// is sanitised; the bytes are stored once by SHA-256 outside the database (an unreferenced
    /// stored file is harmless: the record is what makes it part of a dossier).
    /// Applicants attach while the dossier waits for them (submitted, supplement requested);
    /// the receiving desk while it is open; the processing agency attaches the result.
    public func attach(
        _ data: Data,
        fileName: String,
        documentName: String,
        kind: Attachment.Kind,
        to code: String,
        by principal: Principal,
        requestID: String?
    ) async throws -> Attachment {
        let stored = try await store(NewAttachment(data: data, fileName: fileName, documentName: documentName))
        let now = clock.millis()
        let clock = clock
        return try await database.transaction { db in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            guard DossierRules.mayAttach(kind, by: DossierVisibility.actor(row, principal: principal), status: row.statusValue) else {
                throw DomainError.forbidden(
                    messageVi: "Không thể đính kèm tệp vào hồ sơ ở trạng thái này",
                    messageEn: "You cannot attach files to this dossier now"
                )
            }
            return try await Self.insert(
                [stored],
                kind: kind,
                dossierID: row.id,
                code: code,
                by: principal,
                requestID: requestID,
                now: now,
                clock: clock,
                db
            )[0]
        }
    }

    /// A checked file whose bytes are already stored.
    struct StoredFile: Sendable {
        let documentName: String
        let fileName: String
        let type: FileType
        let size: Int
        let digest: String
    }

    /// What is wrong with the files of a new dossier (size, type by content), each named as the
    /// field of its document (`documents[i]`), all of them at once.
    static func fileProblems(_ attachments: [NewAttachment], procedure: Procedure, maxSize: Int) -> [ValidationError] {
        attachments.filter { !$0.data.isEmpty }.compactMap { file -> ValidationError? in
            do {
                _ = try FileType.accept(file.data, name: file.fileName, maxSize: maxSize)
                return nil
            } catch DomainError.invalid(let found) {
                guard let first = found.first else { return nil }
                let slot = procedure.documents.firstIndex { $0.name == file.documentName }
                return ValidationError(field: slot.map { "documents[\($0)]" } ?? "file", messageVi: first.messageVi, messageEn: first.messageEn)
            } catch {
                return nil
            }
        }
    }

    /// Checks a file (size, type by content, names) and stores its bytes; nothing is recorded yet.
    func store(_ file: NewAttachment) async throws -> StoredFile {
        let accepted = try FileType.accept(file.data, name: file.fileName, maxSize: maxAttachmentSize)
        let document = file.documentName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !document.isEmpty, document.count <= 300 else {
            throw DomainError.invalid(
                "document",
                "Cần tên thành phần hồ sơ (tối đa 300 ký tự)",
                "The document name is required (at most 300 characters)"
            )
        }
        let digest = try await files.put(file.data)
        return StoredFile(documentName: document, fileName: accepted.name, type: accepted.type, size: file.data.count, digest: digest)
    }

    /// A new row of `dossier_attachments`, each column named once by its coding key.
    struct NewAttachmentRow: Encodable {
        let dossierId: Int64
        let kind: String
        let documentName: String
        let fileName: String
        let mediaType: String
        let size: Int
        let sha256: String
        let uploadedBy: String
        let at: Int64

        enum CodingKeys: String, CodingKey {
            case dossierId = "dossier_id"
            case kind
            case documentName = "document_name"
            case fileName = "file_name"
            case mediaType = "media_type"
            case size, sha256
            case uploadedBy = "uploaded_by"
            case at
        }
    }

    /// Records stored files in one statement, with one audit record each; returns them in order.
    static func insert(
        _ files: [StoredFile],
        kind: Attachment.Kind,
        dossierID: Int64,
        code: String,
        by principal: Principal,
        requestID: String?,
        now: Int64,
        clock: WallClock,
        _ db: any SQLDatabase
    ) async throws -> [Attachment] {
        guard !files.isEmpty else { return [] }
        let rows = files.map {
            NewAttachmentRow(
                dossierId: dossierID,
                kind: kind.rawValue,
                documentName: $0.documentName,
                fileName: $0.fileName,
                mediaType: $0.type.mediaType,
                size: $0.size,
                sha256: $0.digest,
                uploadedBy: principal.username,
                at: now
            )
        }
        let insert = try db.insert(into: "dossier_attachments").models(rows)
        // Row ids are given in insertion order on both engines; RETURNING's own order is not promised.
        let ids = try await insert.returning("id").all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
        guard ids.count == files.count else { throw StorageError.corrupt("insert returned \(ids.count) ids for \(files.count) files") }
        for file in files {
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "dossier.attach",
                    targetType: "dossier",
                    targetID: code,
                    requestID: requestID,
                    change: ["file": file.fileName, "sha256": file.digest, "kind": kind.rawValue, "document": file.documentName]
                ),
                on: db,
                clock: clock
            )
        }
        return zip(ids, files).map { id, file in
            Attachment(
                id: id,
                kind: kind,
                documentName: file.documentName,
                fileName: file.fileName,
                mediaType: file.type.mediaType,
                size: file.size,
                sha256: file.digest,
                uploadedBy: principal.username,
                at: now
            )
        }
    }

    /// A file of a dossier, for those who may read the dossier.
    public func file(_ id: Int64, of code: String, for principal: Principal) async throws -> (Attachment, Data) {
        let attachment = try await database.read { db -> Attachment? in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { return nil }
            return try await Self.attachments(of: row.id, db).first { $0.id == id }
        }
        guard let attachment else { throw DomainError.notFound(what: "file \(id)") }
        return (attachment, try await files.get(attachment.sha256))
    }
}
