import Core
import SQLKit
import Storage

/// The outcome of checking the audit chain.
public struct AuditVerification: Sendable, Codable, Equatable {
    public let intact: Bool
    public let checked: Int64
    /// The sequence number of the first record that does not fit the chain.
    public let firstBrokenSeq: Int64?
    public let reason: String?
    /// Signed anchors (outside the database) the chain was checked against.
    public var anchorsChecked: Int = 0
    /// The newest anchored record; records after it are protected by the chain alone.
    public var anchoredThrough: Int64? = nil
}

/// Walks the audit log in order and recomputes every digest and hash; with anchors, also checks
/// the chain against them, so a chain rewritten and re-hashed by someone with database access,
/// or cut short, is caught: the first record after the last anchor that still matches is named.
public enum AuditVerifier {
    public static func verify(
        _ database: Database,
        anchors given: [AuditAnchor] = [],
        key: AuditAnchorKey? = nil,
        batchSize: Int = 2000
    ) async throws -> AuditVerification {
        var expectedSeq: Int64 = 1
        var prevHash = AuditRecord.genesis
        var checked: Int64 = 0
        // Only anchors this platform's key signed count; one forged line proves nothing.
        let anchors = key.map { key in given.filter(key.signed) } ?? []
        let anchored = Dictionary(anchors.map { ($0.seq, $0.hash) }, uniquingKeysWith: { first, _ in first })
        var lastGoodAnchor: Int64 = 0
        var anchorsChecked = 0
        func broken(_ seq: Int64, _ reason: String) -> AuditVerification {
            AuditVerification(
                intact: false,
                checked: checked,
                firstBrokenSeq: seq,
                reason: reason,
                anchorsChecked: anchorsChecked,
                anchoredThrough: anchors.map(\.seq).max()
            )
        }
        while true {
            let from = expectedSeq
            let batch = try await database.read { db in
                try await db.select().column("*").from(AuditLog.table)
                    .where("seq", .greaterThanOrEqual, from).orderBy("seq").limit(batchSize)
                    .all(decoding: AuditRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
            for record in batch {
                if record.seq != expectedSeq { return broken(expectedSeq, "record \(expectedSeq) is missing") }
                if record.prevHash != prevHash { return broken(record.seq, "previous-hash link does not match record \(record.seq - 1)") }
                if AuditRecord.digest(record.details) != record.changeDigest { return broken(record.seq, "change details do not match their digest") }
                if record.expectedHash != record.hash { return broken(record.seq, "record fields do not match its hash") }
                if let hash = anchored[record.seq] {
                    guard hash == record.hash else {
                        return broken(
                            lastGoodAnchor + 1,
                            "the chain was rewritten after record \(lastGoodAnchor): record \(record.seq) no longer matches its signed anchor"
                        )
                    }
                    lastGoodAnchor = record.seq
                    anchorsChecked += 1
                }
                prevHash = record.hash
                expectedSeq += 1
                checked += 1
            }
            if batch.count < batchSize { break }
        }
        let head = try await database.read { db in
            try await db.select().columns("seq", "last_hash").from(AuditLog.head).where("id", .equal, 1).first()
        }
        guard let head else { return broken(expectedSeq, "audit head is missing") }
        let headSeq = try head.decode(column: "seq", as: Int64.self)
        let headHash = try head.decode(column: "last_hash", as: String.self)
        if headSeq != checked || headHash != prevHash {
            return broken(checked + 1, "the newest records were removed: head says \(headSeq), log has \(checked)")
        }
        if let newest = anchors.map(\.seq).max(), newest > checked {
            return broken(
                checked + 1,
                "records \(checked + 1)–\(newest) were removed: a signed anchor covers record \(newest), the log ends at \(checked)"
            )
        }
        return AuditVerification(
            intact: true,
            checked: checked,
            firstBrokenSeq: nil,
            reason: nil,
            anchorsChecked: anchorsChecked,
            anchoredThrough: anchors.map(\.seq).max()
        )
    }
}
