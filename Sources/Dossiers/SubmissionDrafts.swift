import Core
import Foundation
import SQLKit
import Storage

/// A file kept from a refused submission, in the slot of the procedure's document it is for.
public struct DraftFile: Sendable, Equatable {
    public let slot: Int
    public let documentName: String
    public let fileName: String
    public let size: Int
}

extension DossierStore {
    /// How long the files of a refused submission are kept for the next try.
    static let draftLifetime: Int64 = 24 * 3600 * 1000

    /// Keeps the files of a submission the applicant must correct, so that they need not be
    /// chosen again: each file whose type is accepted (the others were refused and are dropped),
    /// in its slot, under a new random token that only `owner` can use. Drafts older than a day
    /// are removed on the way.
    public func keepDraft(_ files: [Int: NewAttachment], owner: Principal) async throws -> String? {
        var accepted: [(Int, StoredFile)] = []
        for (slot, file) in files where !file.data.isEmpty {
            if let stored = try? await store(file) { accepted.append((slot, stored)) }
        }
        guard !accepted.isEmpty else { return nil }
        let kept = accepted
        let token = Self.draftToken()
        let now = clock.millis()
        try await database.transaction { db in
            try await db.delete(from: "dossier_drafts").where("created_at", .lessThan, now - Self.draftLifetime).run()
            for (slot, file) in kept {
                try await db.insert(into: "dossier_drafts")
                    .columns("token_hash", "slot", "owner", "document_name", "file_name", "size", "sha256", "created_at")
                    .values(
                        SQLBind(Digest.sha256Hex(token)),
                        SQLBind(slot),
                        SQLBind(Self.draftOwner(owner)),
                        SQLBind(file.documentName),
                        SQLBind(file.fileName),
                        SQLBind(file.size),
                        SQLBind(file.digest),
                        SQLBind(now)
                    )
                    .run()
            }
        }
        return token
    }

    /// The files kept under `token` for `owner` (none for anyone else, or once expired).
    public func draftFiles(_ token: String?, owner: Principal) async throws -> [DraftFile] {
        try await draftRows(token, owner: owner).map { DraftFile(slot: $0.slot, documentName: $0.documentName, fileName: $0.fileName, size: $0.size) }
    }

    /// The kept files' contents by slot, read back from the content store (and verified).
    public func draftAttachments(_ token: String?, owner: Principal) async throws -> [Int: NewAttachment] {
        var found: [Int: NewAttachment] = [:]
        for row in try await draftRows(token, owner: owner) {
            found[row.slot] = NewAttachment(data: try await files.get(row.sha256), fileName: row.fileName, documentName: row.documentName)
        }
        return found
    }

    /// Forgets a draft (its submission went through).
    public func dropDraft(_ token: String?) async throws {
        guard let token, !token.isEmpty else { return }
        try await database.transaction { db in
            try await db.delete(from: "dossier_drafts").where("token_hash", .equal, Digest.sha256Hex(token)).run()
        }
    }

    struct DraftRow: Decodable {
        let slot: Int
        let documentName: String
        let fileName: String
        let size: Int
        let sha256: String
    }

    func draftRows(_ token: String?, owner: Principal) async throws -> [DraftRow] {
        guard let token, !token.isEmpty, token.count <= 100 else { return [] }
        let since = clock.millis() - Self.draftLifetime
        return try await database.read { db in
            try await db.select().columns("slot", "document_name", "file_name", "size", "sha256").from("dossier_drafts")
                .where("token_hash", .equal, Digest.sha256Hex(token)).where("owner", .equal, Self.draftOwner(owner))
                .where("created_at", .greaterThanOrEqual, since).orderBy("slot")
                .all(decoding: DraftRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    static func draftOwner(_ principal: Principal) -> String { principal.userID.map { "user:\($0)" } ?? "name:\(principal.username)" }

    static func draftToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined(separator: "-")
    }
}
