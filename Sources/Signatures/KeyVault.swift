import Crypto
import Foundation

/// Encrypts private keys at rest with AES-256-GCM under a master key that never enters the
/// database: from `CQS_PKI_MASTER_KEY` (base64, 32 bytes) or a file created once (mode 0600).
public struct KeyVault: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// The vault whose master key is at `path`, created there if absent.
    public static func file(_ path: String) throws -> KeyVault {
        if let data = FileManager.default.contents(atPath: path), let decoded = Data(base64Encoded: data), decoded.count == 32 {
            return KeyVault(key: SymmetricKey(data: decoded))
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0) }.base64EncodedData()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: encoded, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return KeyVault(key: key)
    }

    public static func base64(_ text: String) throws -> KeyVault {
        guard let data = Data(base64Encoded: text), data.count == 32 else { throw CocoaError(.coderInvalidValue) }
        return KeyVault(key: SymmetricKey(data: data))
    }

    /// A key for another purpose derived from the master key (HKDF-SHA256): it lives outside
    /// the database too, and is the same on every node.
    public func derivedKey(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("cqs \(purpose)".utf8), outputByteCount: 32)
    }

    public func seal(_ plaintext: String) throws -> String {
        try AES.GCM.seal(Data(plaintext.utf8), using: key).combined!.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw CocoaError(.coderInvalidValue) }
        return String(decoding: try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key), as: UTF8.self)
    }
}
