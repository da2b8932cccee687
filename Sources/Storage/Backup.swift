import Core
import Foundation
import Logging
import SQLKit

/// What a backup holds, with a SHA-256 of every part: the database (an SQLite snapshot, or a
/// `pg_dump` archive), every attachment, and the row count of every table at backup time.
public struct BackupManifest: Codable, Sendable, Equatable {
    public var format = 1
    public let createdAt: Int64
    public let engine: String
    public let databaseFile: String
    public let databaseSHA256: String
    /// Attachment path (relative to the content store) → SHA-256.
    public let files: [String: String]
    public let tables: [String: Int]
}

/// `cqs backup` and `cqs restore`: a consistent copy of the database and the attachment store,
/// verified by checksums before anything is restored.
public enum Backup {
    static let manifestName = "manifest.json"

    /// Writes a backup of `database` (at `url`, optionally one PostgreSQL schema) and of the
    /// content store under `filesRoot` into the empty or new folder `folder`.
    public static func create(_ database: Database, url: DatabaseURL, schema: String?, filesRoot: URL, to folder: URL) async throws -> BackupManifest
    {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        guard try manager.contentsOfDirectory(atPath: folder.path).isEmpty else {
            throw StorageError.backup("the backup folder \(folder.path) is not empty")
        }
        let tables = try await counts(database)
        let databaseFile: String
        switch url {
        case .sqlite:
            databaseFile = "database.sqlite"
            let target = folder.appendingPathComponent(databaseFile).path
            // A consistent snapshot while the server may be running.
            try await database.read { db in try await db.raw("VACUUM INTO \(bind: target)").run() }
        case .postgres(let host, let port, let user, let password, let name, _):
            databaseFile = "database.pgdump"
            var arguments = [
                "--format=custom", "--no-owner", "--no-privileges", "-h", host, "-p", String(port), "-U", user, "-d", name,
                "-f", folder.appendingPathComponent(databaseFile).path,
            ]
            if let schema { arguments += ["-n", schema] }
            try run("pg_dump", arguments, password: password)
        }
        var files: [String: String] = [:]
        let copies = folder.appendingPathComponent("files")
        for relative in try storedFiles(under: filesRoot) {
            let source = filesRoot.appendingPathComponent(relative)
            let target = copies.appendingPathComponent(relative)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try manager.copyItem(at: source, to: target)
            files[relative] = try Digest.sha256Hex(fileAt: target)
        }
        let manifest = BackupManifest(
            createdAt: Date().epochMillis,
            engine: url.engine,
            databaseFile: databaseFile,
            databaseSHA256: try Digest.sha256Hex(fileAt: folder.appendingPathComponent(databaseFile)),
            files: files,
            tables: tables
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: folder.appendingPathComponent(manifestName), options: .atomic)
        return manifest
    }

    /// Checks every checksum of a backup; returns its manifest or names the first damaged part.
    public static func verify(_ folder: URL) throws -> BackupManifest {
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: folder.appendingPathComponent(manifestName)))
        guard try Digest.sha256Hex(fileAt: folder.appendingPathComponent(manifest.databaseFile)) == manifest.databaseSHA256 else {
            throw StorageError.backup("\(manifest.databaseFile) does not match its checksum")
        }
        for (relative, sha) in manifest.files {
            guard try Digest.sha256Hex(fileAt: folder.appendingPathComponent("files").appendingPathComponent(relative)) == sha else {
                throw StorageError.backup("files/\(relative) does not match its checksum")
            }
        }
        return manifest
    }

    /// Restores a verified backup over the database at `url` and the content store (the server
    /// must be stopped). Afterwards the row counts are compared with the backup's.
    public static func restore(from folder: URL, url: DatabaseURL, schema: String?, filesRoot: URL, logger: Logger) async throws -> BackupManifest {
        let manifest = try verify(folder)
        guard manifest.engine == url.engine else { throw StorageError.backup("a \(manifest.engine) backup cannot be restored into \(url.engine)") }
        let manager = FileManager.default
        switch url {
        case .sqlite(let path):
            for suffix in ["-wal", "-shm"] { try? manager.removeItem(atPath: path + suffix) }
            let staged = path + ".restoring"
            try? manager.removeItem(atPath: staged)
            try manager.copyItem(atPath: folder.appendingPathComponent(manifest.databaseFile).path, toPath: staged)
            // rename(2) replaces the file in one step.
            guard rename(staged, path) == 0 else { throw StorageError.backup("cannot replace \(path) (errno \(errno))") }
        case .postgres(let host, let port, let user, let password, let name, _):
            var arguments = [
                "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "-h", host, "-p", String(port), "-U", user, "-d",
                name,
            ]
            if let schema { arguments += ["-n", schema] }
            try run("pg_restore", arguments + [folder.appendingPathComponent(manifest.databaseFile).path], password: password)
        }
        let copies = folder.appendingPathComponent("files")
        for relative in manifest.files.keys.sorted() {
            let target = filesRoot.appendingPathComponent(relative)
            if manager.fileExists(atPath: target.path), (try? Digest.sha256Hex(fileAt: target)) == manifest.files[relative] { continue }
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: target)
            try manager.copyItem(at: copies.appendingPathComponent(relative), to: target)
        }
        let restored = try Database(url: url, poolSize: 1, schema: schema, logger: logger)
        let counts: [String: Int] = try await restored.withRunning { db in try await Self.counts(db) }
        guard counts == manifest.tables else {
            let differing = manifest.tables.keys.filter { counts[$0] != manifest.tables[$0] }.sorted()
            throw StorageError.backup("row counts differ after restore: \(differing.joined(separator: ", "))")
        }
        return manifest
    }

    /// Row counts of every table of the current schema.
    static func counts(_ database: Database) async throws -> [String: Int] {
        try await database.read { db in
            let names: [String]
            switch database.kind {
            case .sqlite:
                names = try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                    .map { try $0.decode(column: "name", as: String.self) }
            case .postgres:
                names = try await db.raw(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                ).all()
                    .map { try $0.decode(column: "table_name", as: String.self) }
            }
            var counts: [String: Int] = [:]
            for name in names {
                counts[name] = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: name)").first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return counts
        }
    }

    /// Regular files under the content store, as relative paths (scratch files left out).
    static func storedFiles(under root: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [String] = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix), !url.lastPathComponent.hasPrefix(".tmp-") else { continue }
            found.append(String(path.dropFirst(prefix.count)))
        }
        return found.sorted()
    }

    /// Runs a PostgreSQL client tool, the password in its environment (never on the command line).
    static func run(_ tool: String, _ arguments: [String], password: String?) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StorageError.backup("\(tool) failed (\(process.terminationStatus)): \(String(decoding: message, as: UTF8.self).prefix(500))")
        }
    }
}

extension DatabaseURL {
    /// `sqlite` or `postgres`.
    public var engine: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }
}
