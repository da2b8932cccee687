import Core
import SQLKit
import Storage

/// The outcome of checking the audit chain.
public struct AuditVerification: Sendable, Codable, Equatable {
    public let intact: Bool
    /// Records checked, over every lane.
    public let checked: Int64
    /// The lane and the number in it of the first record that does not fit its chain.
    public let firstBrokenLane: Int?
    public let firstBrokenSeq: Int64?
    public let reason: String?
    /// Lane heads named by signed anchors (outside the database) that the chain matched.
    public var anchorsChecked: Int = 0
    /// How many records the newest anchor covers; records after it are protected by the chain alone.
    public var anchoredThrough: Int64? = nil
}

/// Walks every lane of the audit log in order and recomputes every digest and hash; with
/// anchors, also checks each lane against them, so a lane rewritten and re-hashed by someone
/// with database access, or cut short, is caught: the first record after the lane's last
/// anchored record that still matches is named.
public enum AuditVerifier {
    public static func verify(
        _ database: Database,
        anchors given: [AuditAnchor] = [],
        key: AuditAnchorKey? = nil,
        batchSize: Int = 2000
    ) async throws -> AuditVerification {
        // Only anchors this platform's key signed count; one forged line proves nothing.
        let anchors = key.map { key in given.filter(key.signed) } ?? []
        var walk = LaneWalk(anchors: anchors)
        let heads = try await AuditLog.heads(database)
        let laneNumbers = Set(heads.map(\.lane))
        if let stray = try await lanesWritten(database).first(where: { !laneNumbers.contains($0) }) {
            return walk.broken(stray, 1, "lane \(stray) has records but no head: its head row was removed")
        }
        for head in heads {
            if let verdict = try await walk.check(lane: head.lane, database, batchSize: batchSize) { return verdict }
        }
        for anchored in anchors.flatMap(\.heads) where !laneNumbers.contains(anchored.lane) {
            return walk.broken(anchored.lane, 1, "lane \(anchored.lane) was removed: a signed anchor names it")
        }
        return walk.verdict(intact: true)
    }

    static func lanesWritten(_ database: Database) async throws -> [Int] {
        try await database.read { db in
            try await db.select().distinct().column("lane").from(AuditLog.table).all().map { try $0.decode(column: "lane", as: Int.self) }
        }
    }
}

/// The verifier's walk through the lanes, one after another, with the anchors' heads by lane.
struct LaneWalk {
    let anchors: [AuditAnchor]
    /// Anchored hash by lane and number in the lane.
    let anchored: [Int: [Int64: String]]
    var checked: Int64 = 0
    var anchorsChecked = 0

    init(anchors: [AuditAnchor]) {
        self.anchors = anchors
        var anchored: [Int: [Int64: String]] = [:]
        for head in anchors.flatMap(\.heads) where anchored[head.lane]?[head.seq] == nil { anchored[head.lane, default: [:]][head.seq] = head.hash }
        self.anchored = anchored
    }

    func verdict(intact: Bool, lane: Int? = nil, seq: Int64? = nil, reason: String? = nil) -> AuditVerification {
        AuditVerification(
            intact: intact,
            checked: checked,
            firstBrokenLane: lane,
            firstBrokenSeq: seq,
            reason: reason,
            anchorsChecked: anchorsChecked,
            anchoredThrough: anchors.map(\.records).max()
        )
    }

    func broken(_ lane: Int, _ seq: Int64, _ reason: String) -> AuditVerification { verdict(intact: false, lane: lane, seq: seq, reason: reason) }

    /// Checks one lane's records against each other, its head and the anchors; nil when it is intact.
    mutating func check(lane: Int, _ database: Database, batchSize: Int) async throws -> AuditVerification? {
        let anchoredHere = anchored[lane] ?? [:]
        let name = lane == 0 ? "record" : "lane \(lane) record"
        var expectedSeq: Int64 = 1
        var prevHash = AuditRecord.genesis
        var lastGoodAnchor: Int64 = 0
        while true {
            let from = expectedSeq
            let batch = try await database.read { db in
                try await db.select().column("*").from(AuditLog.table).where("lane", .equal, lane)
                    .where("lane_seq", .greaterThanOrEqual, from).orderBy("lane_seq").limit(batchSize)
                    .all(decoding: AuditRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
            }
            for record in batch {
                let seq = record.laneSeq
                if seq != expectedSeq { return broken(lane, expectedSeq, "\(name) \(expectedSeq) is missing") }
                if record.prevHash != prevHash { return broken(lane, seq, "previous-hash link does not match \(name) \(seq - 1)") }
                if AuditRecord.digest(record.details) != record.changeDigest { return broken(lane, seq, "change details do not match their digest") }
                if record.expectedHash != record.hash { return broken(lane, seq, "record fields do not match its hash") }
                if let hash = anchoredHere[seq] {
                    guard hash == record.hash else {
                        return broken(
                            lane,
                            lastGoodAnchor + 1,
                            "the chain was rewritten after \(name) \(lastGoodAnchor): \(name) \(seq) no longer matches its signed anchor"
                        )
                    }
                    lastGoodAnchor = seq
                    anchorsChecked += 1
                }
                prevHash = record.hash
                expectedSeq += 1
                checked += 1
            }
            if batch.count < batchSize { break }
        }
        let count = expectedSeq - 1
        // The head as it is now, read right after the walk (as writers keep appending, a head
        // read before it would be behind the records the walk saw).
        guard let head = try await AuditLog.heads(database, lane: lane).first else {
            return broken(lane, count + 1, "the head of lane \(lane) was removed")
        }
        if head.seq != count || head.hash != prevHash {
            return broken(lane, count + 1, "the newest records were removed: the head of lane \(lane) says \(head.seq), the lane has \(count)")
        }
        if let newest = anchoredHere.keys.max(), newest > count {
            return broken(
                lane,
                count + 1,
                "\(name)s \(count + 1)–\(newest) were removed: a signed anchor covers \(name) \(newest), the lane ends at \(count)"
            )
        }
        return nil
    }
}
