import Core
import Foundation
import SQLKit

/// Files addressed by the SHA-256 of their content: the same bytes are stored once, a stored
/// file never changes, and a reference proves its integrity.
///
/// Where the files live (`Placement`): in a folder (SQLite's default; on a shared file system
/// for several nodes), or in the database (PostgreSQL's default: every node sees every file), in
/// 1 MiB chunks written in one transaction (a file is whole or absent) and read back chunk by
/// chunk, so a large file is never held in memory on its way in or out. With the database, the
/// folder is this node's cache of what it has read or written: a file is fetched once, verified,
/// and served from the cache after.
public struct ContentStore: Sendable {
    /// Where the files live.
    public enum Placement: String, Sendable { case directory, database }

    public let root: URL
    public let placement: Placement
    let database: Database?
    static let chunkSize = 1 << 20
    static let filesTable = "content_files"
    static let chunksTable = "content_chunks"

    /// A store in a folder only.
    public init(root: URL) throws {
        try self.init(root: root, placement: .directory, database: nil)
    }

    /// A store in `placement`; `root` is the folder (or the cache, for the database).
    public init(root: URL, placement: Placement, database: Database?) throws {
        precondition(placement == .directory || database != nil, "a database placement needs the database")
        self.root = root
        self.placement = placement
        self.database = placement == .database ? database : nil
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Where a digest's file is (or would be) in the folder.
    public func path(_ digest: String) -> URL {
        root.appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }

    /// Stores `data` durably and returns its SHA-256 (hex).
    @discardableResult
    public func put(_ data: Data) async throws -> String {
        let digest = Digest.sha256Hex(data)
        // The same bytes again (a scan uploaded twice): nothing to write.
        if try await contains(digest) { return digest }
        let scratch = scratchFile()
        try write(data, to: scratch)
        return try await put(fileAt: scratch, sha256: digest, checked: true)
    }

    /// Stores a file written elsewhere (e.g. a package streamed to disk), moved into the store
    /// after flushing it; returns its SHA-256 (hex). The file must be on the store's file system
    /// (see `scratchFile()`). `sha256` is the digest the writer computed over the very bytes it
    /// wrote (the file is then not read again for it).
    @discardableResult
    public func put(fileAt source: URL, sha256: String? = nil) async throws -> String {
        try await put(fileAt: source, sha256: sha256, checked: false)
    }

    /// `checked`: the caller has just found the digest absent from the store.
    func put(fileAt source: URL, sha256: String?, checked: Bool) async throws -> String {
        let digest = try sha256 ?? Digest.sha256Hex(fileAt: source)
        do {
            if let database {
                let absent = try await checked ? true : !Self.isUploaded(digest, database)
                if absent { try await Self.upload(source, digest: digest, to: database) }
            }
            try keep(source, as: digest)
        } catch {
            try? FileManager.default.removeItem(at: source)
            throw error
        }
        return digest
    }

    /// A scratch file beside the store, on its file system, for `put(fileAt:)`.
    public func scratchFile() -> URL { root.appendingPathComponent(".tmp-\(UUID().uuidString)") }

    /// The content of a digest mapped from its file (for large files: pages stay file-backed),
    /// verified against it unless the caller stored it itself moments ago (`verify: false`).
    public func mapped(_ digest: String, verify: Bool = true) async throws -> Data {
        try await read(digest, options: .alwaysMapped, verify: verify)
    }

    /// The content of a digest, verified against it.
    public func get(_ digest: String) async throws -> Data { try await read(digest, options: []) }

    /// Whether the store holds `digest` (in the database, or the folder).
    public func contains(_ digest: String) async throws -> Bool {
        if let database { return try await Self.isUploaded(digest, database) }
        return FileManager.default.fileExists(atPath: path(digest).path)
    }

    func read(_ digest: String, options: Data.ReadingOptions, verify: Bool = true) async throws -> Data {
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit }) else { throw StorageError.corrupt("bad digest") }
        var verify = verify
        if let database, !FileManager.default.fileExists(atPath: path(digest).path) {
            try await download(digest, from: database)
            verify = false  // checked as it arrived
        }
        let data = try Data(contentsOf: path(digest), options: options)
        guard !verify || Digest.sha256Hex(data) == digest else { throw StorageError.corrupt("content of \(digest) changed") }
        return data
    }

    /// Moves a flushed file into the folder under its digest (kept if already there).
    func keep(_ source: URL, as digest: String) throws {
        let target = path(digest)
        if FileManager.default.fileExists(atPath: target.path) {
            try? FileManager.default.removeItem(at: source)
            return
        }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let handle = try FileHandle(forUpdating: source)
        try handle.synchronize()
        try handle.close()
        if rename(source.path, target.path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }

    func write(_ data: Data, to file: URL) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
    }

    // MARK: The database placement

    static func isUploaded(_ digest: String, _ database: Database) async throws -> Bool {
        try await database.read { db in
            try await db.select().column("sha256").from(filesTable).where("sha256", .equal, digest).first() != nil
        }
    }

    /// Writes a file's chunks and its row in one transaction, reading it 1 MiB at a time (a
    /// file another node stored meanwhile is left as it is).
    static func upload(_ file: URL, digest: String, to database: Database) async throws {
        let size = try (FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
        try await database.transaction { db in
            let claimed = try await db.raw(
                """
                INSERT INTO content_files (sha256, size, created_at) VALUES (\(bind: digest), \(bind: size), \(bind: Date().epochMillis))
                ON CONFLICT (sha256) DO NOTHING RETURNING sha256
                """
            ).first()
            guard claimed != nil else { return }  // another node stored it meanwhile
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            var part = 0
            while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
                try await db.insert(into: chunksTable).columns("sha256", "part", "data").values(SQLBind(digest), SQLBind(part), SQLBind(chunk)).run()
                part += 1
            }
        }
    }

    /// Fetches a file chunk by chunk into the cache, verifying it before it is kept.
    func download(_ digest: String, from database: Database) async throws {
        let scratch = scratchFile()
        guard FileManager.default.createFile(atPath: scratch.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        do {
            guard try await Self.isUploaded(digest, database) else { throw CocoaError(.fileNoSuchFile) }
            let handle = try FileHandle(forWritingTo: scratch)
            var hasher = Digest.Stream()
            for part in 0... {
                let chunk = try await database.read { db in
                    try await db.select().column("data").from(Self.chunksTable).where("sha256", .equal, digest).where("part", .equal, part)
                        .first()?.decode(column: "data", as: Data.self)
                }
                guard let chunk else { break }
                hasher.update(chunk)
                try handle.write(contentsOf: chunk)
                if chunk.count < Self.chunkSize { break }
            }
            try handle.close()
            guard hasher.finalize() == digest else { throw StorageError.corrupt("content of \(digest) changed") }
            try keep(scratch, as: digest)
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    /// Copies every file of the folder into the database (moving a deployment from folder to
    /// database placement); returns how many were added.
    public func uploadFolder() async throws -> Int {
        guard let database else { return 0 }
        var added = 0
        for relative in try Backup.storedFiles(under: root) {
            let file = root.appendingPathComponent(relative)
            let digest = file.lastPathComponent
            guard digest.count == 64, try await !Self.isUploaded(digest, database) else { continue }
            guard try Digest.sha256Hex(fileAt: file) == digest else { throw StorageError.corrupt("content of \(digest) changed") }
            try await Self.upload(file, digest: digest, to: database)
            added += 1
        }
        return added
    }
}
