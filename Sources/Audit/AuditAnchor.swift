import Core
import Crypto
import Foundation
import SQLKit
import Storage

/// One lane's head as an anchor names it: its last record's number in the lane and hash.
public struct AuditLaneHead: Codable, Sendable, Equatable {
    public let lane: Int
    public let seq: Int64
    public let hash: String

    public init(lane: Int, seq: Int64, hash: String) {
        self.lane = lane
        self.seq = seq
        self.hash = hash
    }
}

/// A signed checkpoint of the audit chain, kept outside the database: the head of every lane
/// (ordered by lane) at a moment, signed with a P-256 key derived from the platform's master key
/// (which never enters the database). Someone who can write the database can recompute a lane,
/// but not these: `AuditVerifier` checks every lane against them.
public struct AuditAnchor: Codable, Sendable, Equatable {
    public let heads: [AuditLaneHead]
    /// When it was taken (ms since 1970).
    public let at: Int64
    /// The signing key (X9.63, base64), to tell which key signed it.
    public let key: String
    /// ECDSA P-256 over `message` (raw r‖s, base64).
    public let signature: String
    /// A line written before lanes: it names the one chain's head (`seq`, `hash`), lane 0.
    let legacy: Bool

    public init(heads: [AuditLaneHead], at: Int64, key: String, signature: String) {
        self.heads = heads
        self.at = at
        self.key = key
        self.signature = signature
        legacy = false
    }

    /// How many records it covers (lanes are numbered from 1 without gaps).
    public var records: Int64 { heads.reduce(0) { $0 + $1.seq } }

    /// The heads as signed and logged: `lane:seq:hash`, comma-separated.
    public var namedHeads: String { heads.map { "\($0.lane):\($0.seq):\($0.hash)" }.joined(separator: ",") }

    /// What is signed.
    var message: Data {
        if legacy, let head = heads.first { return Data("cqs-audit-anchor|\(head.seq)|\(head.hash)|\(at)".utf8) }
        return Data("cqs-audit-anchor-v2|\(namedHeads)|\(at)".utf8)
    }

    enum CodingKeys: String, CodingKey { case heads, seq, hash, at, key, signature }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        at = try container.decode(Int64.self, forKey: .at)
        key = try container.decode(String.self, forKey: .key)
        signature = try container.decode(String.self, forKey: .signature)
        if let heads = try container.decodeIfPresent([AuditLaneHead].self, forKey: .heads) {
            self.heads = heads
            legacy = false
        } else {
            heads = [
                AuditLaneHead(lane: 0, seq: try container.decode(Int64.self, forKey: .seq), hash: try container.decode(String.self, forKey: .hash))
            ]
            legacy = true
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(key, forKey: .key)
        try container.encode(signature, forKey: .signature)
        if legacy, let head = heads.first {
            try container.encode(head.seq, forKey: .seq)
            try container.encode(head.hash, forKey: .hash)
        } else {
            try container.encode(heads, forKey: .heads)
        }
    }
}

/// Takes and checks anchors with the platform's anchoring key.
public struct AuditAnchorKey: Sendable {
    let privateKey: P256.Signing.PrivateKey

    /// The key derived (HKDF-SHA256) from the master key material, the same on every node.
    public init(masterKey: SymmetricKey) {
        let seed = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("cqs audit anchors v1".utf8), outputByteCount: 32)
        // A 32-byte scalar is a valid P-256 key but for a negligible set of values.
        privateKey = seed.withUnsafeBytes { (try? P256.Signing.PrivateKey(rawRepresentation: Data($0))) } ?? P256.Signing.PrivateKey()
    }

    public var publicKey: String { privateKey.publicKey.x963Representation.base64EncodedString() }

    public func anchor(heads: [AuditLaneHead], at: Int64) throws -> AuditAnchor {
        let unsigned = AuditAnchor(heads: heads, at: at, key: publicKey, signature: "")
        let signature = try privateKey.signature(for: unsigned.message)
        return AuditAnchor(heads: heads, at: at, key: publicKey, signature: signature.rawRepresentation.base64EncodedString())
    }

    /// Whether this key signed the anchor as it stands.
    public func signed(_ anchor: AuditAnchor) -> Bool {
        guard anchor.key == publicKey, let raw = Data(base64Encoded: anchor.signature),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
        else { return false }
        return privateKey.publicKey.isValidSignature(signature, for: anchor.message)
    }
}

/// Anchors as lines of JSON in a file outside the database (appended, synced to disk).
public struct AuditAnchorFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func append(_ anchor: AuditAnchor) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = try encoder.encode(anchor) + Data("\n".utf8)
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }

    /// Every anchor in the file, oldest first (unreadable lines are skipped: the verifier
    /// trusts only what verifies).
    public func read() throws -> [AuditAnchor] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(AuditAnchor.self, from: Data($0)) }
    }
}

extension AuditLog {
    /// Every lane's head, ordered by lane (lanes not yet written to included), or only `lane`'s.
    static func heads(_ database: Database, lane: Int? = nil) async throws -> [AuditLaneHead] {
        try await database.read { db in
            let query = db.select().columns("id", "seq", "last_hash").from(AuditLog.head)
            if let lane { query.where("id", .equal, lane) }
            return try await query.orderBy("id").all().map {
                AuditLaneHead(
                    lane: try $0.decode(column: "id", as: Int.self),
                    seq: try $0.decode(column: "seq", as: Int64.self),
                    hash: try $0.decode(column: "last_hash", as: String.self)
                )
            }
        }
    }

    /// Anchors the heads of every lane written to when one moved since the last anchor in
    /// `file`; returns the new anchor, or nil when there was nothing new.
    @discardableResult
    public static func anchor(_ database: Database, key: AuditAnchorKey, file: AuditAnchorFile, clock: WallClock = .system) async throws
        -> AuditAnchor?
    {
        let heads = try await heads(database).filter { $0.seq > 0 }
        let last = try file.read().last { key.signed($0) }
        guard !heads.isEmpty, heads != last?.heads else { return nil }
        let anchor = try key.anchor(heads: heads, at: clock.millis())
        try file.append(anchor)
        return anchor
    }
}
