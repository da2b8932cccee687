import Core
import Crypto
import Foundation
import SQLKit
import Storage

/// A signed checkpoint of the audit chain, kept outside the database: the chain head (sequence
/// and hash) at a moment, signed with a P-256 key derived from the platform's master key (which
/// never enters the database). Someone who can write the database can recompute the chain, but
/// not these: `AuditVerifier` checks the chain against them.
public struct AuditAnchor: Codable, Sendable, Equatable {
    public let seq: Int64
    public let hash: String
    /// When it was taken (ms since 1970).
    public let at: Int64
    /// The signing key (X9.63, base64), to tell which key signed it.
    public let key: String
    /// ECDSA P-256 over `message` (raw r‖s, base64).
    public let signature: String

    /// What is signed.
    var message: Data { Data("cqs-audit-anchor|\(seq)|\(hash)|\(at)".utf8) }
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

    public func anchor(seq: Int64, hash: String, at: Int64) throws -> AuditAnchor {
        let unsigned = AuditAnchor(seq: seq, hash: hash, at: at, key: publicKey, signature: "")
        let signature = try privateKey.signature(for: unsigned.message)
        return AuditAnchor(seq: seq, hash: hash, at: at, key: publicKey, signature: signature.rawRepresentation.base64EncodedString())
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
    /// Anchors the chain head when it moved since the last anchor in `file`; returns the new
    /// anchor, or nil when there was nothing new.
    @discardableResult
    public static func anchor(_ database: Database, key: AuditAnchorKey, file: AuditAnchorFile, clock: WallClock = .system) async throws
        -> AuditAnchor?
    {
        let head = try await database.read { db in
            try await db.select().columns("seq", "last_hash").from(AuditLog.head).where("id", .equal, 1).first()
        }
        guard let head else { return nil }
        let seq = try head.decode(column: "seq", as: Int64.self)
        let last = try file.read().last { key.signed($0) }
        guard seq > 0, seq != last?.seq else { return nil }
        let anchor = try key.anchor(seq: seq, hash: try head.decode(column: "last_hash", as: String.self), at: clock.millis())
        try file.append(anchor)
        return anchor
    }
}
