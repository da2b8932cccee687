import Core
import Foundation

/// Files kept outside the database, addressed by the SHA-256 of their content: the same bytes
/// are stored once, a stored file never changes, and a reference proves its integrity.
public struct ContentStore: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func path(_ digest: String) -> URL {
        root.appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }

    /// Stores `data` durably (written to a temporary file, flushed, then renamed into place)
    /// and returns its SHA-256 (hex).
    @discardableResult
    public func put(_ data: Data) throws -> String {
        let digest = Digest.sha256Hex(data)
        let target = path(digest)
        if FileManager.default.fileExists(atPath: target.path) { return digest }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = root.appendingPathComponent(".tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: temporary)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, target.path) != 0 { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return digest
    }

    /// Stores a file written elsewhere (e.g. a package streamed to disk) by moving it in after
    /// flushing it; returns its SHA-256 (hex). The file must be on the same file system.
    /// `sha256` is the digest the writer computed over the very bytes it wrote (the file is then
    /// not read again).
    @discardableResult
    public func put(fileAt source: URL, sha256: String? = nil) throws -> String {
        let digest = try sha256 ?? Digest.sha256Hex(fileAt: source)
        let target = path(digest)
        if FileManager.default.fileExists(atPath: target.path) {
            try? FileManager.default.removeItem(at: source)
            return digest
        }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let handle = try FileHandle(forUpdating: source)
        try handle.synchronize()
        try handle.close()
        if rename(source.path, target.path) != 0 { throw CocoaError(.fileWriteUnknown) }
        return digest
    }

    /// A scratch file beside the store, on its file system, for `put(fileAt:)`.
    public func scratchFile() -> URL { root.appendingPathComponent(".tmp-\(UUID().uuidString)") }

    /// The content of a digest mapped from its file (for large files: pages stay file-backed),
    /// verified against it unless the caller stored it itself moments ago (`verify: false`).
    public func mapped(_ digest: String, verify: Bool = true) throws -> Data { try read(digest, options: .alwaysMapped, verify: verify) }

    /// The content of a digest, verified against it.
    public func get(_ digest: String) throws -> Data { try read(digest, options: []) }

    func read(_ digest: String, options: Data.ReadingOptions, verify: Bool = true) throws -> Data {
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit }) else { throw StorageError.corrupt("bad digest") }
        let data = try Data(contentsOf: path(digest), options: options)
        guard !verify || Digest.sha256Hex(data) == digest else { throw StorageError.corrupt("content of \(digest) changed") }
        return data
    }
}
