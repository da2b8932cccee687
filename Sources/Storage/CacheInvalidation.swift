import Foundation
import Logging
import PostgresNIO
import SQLKit
import ServiceLifecycle
import Synchronization

/// Tells every node of a cluster that cached reference data changed. A store registers what to
/// clear under a name ("agencies", "procedures"…) and, in the transaction of each write, calls
/// `Database.cacheChanged(_:on:)`: on PostgreSQL a `NOTIFY` that every node's listener receives
/// when the transaction commits (and never if it rolls back); on SQLite (one node) nothing more
/// is needed, as the store clears its own cache after the write.
public final class CacheInvalidation: Sendable {
    private let handlers = Mutex<[String: [@Sendable () -> Void]]>([:])
    private let received = Atomic<Int>(0)

    public init() {}

    /// Registers what to clear when `name` changes (on this node or another).
    public func register(_ name: String, clear: @escaping @Sendable () -> Void) {
        handlers.withLock { $0[name, default: []].append(clear) }
    }

    /// Clears what is registered under `name`.
    public func clear(_ name: String) {
        for clear in handlers.withLock({ $0[name] ?? [] }) { clear() }
    }

    /// Clears everything (after the listener lost its connection: notifications may have been missed).
    public func clearAll() {
        for clear in handlers.withLock({ $0.values.flatMap { $0 } }) { clear() }
    }

    /// How many notifications arrived (for tests and metrics).
    public var notificationsReceived: Int { received.load(ordering: .relaxed) }

    func notified(_ name: String) {
        received.add(1, ordering: .relaxed)
        clear(name)
    }
}

extension Database {
    /// The PostgreSQL channel of this database's cache notices (one per schema, so test schemas
    /// sharing a server do not disturb each other).
    var cacheChannel: String { "cqs_cache" + (schema.map { "_" + $0 } ?? "") }

    /// Announces, inside the caller's transaction, that the cache `name` is stale: delivered to
    /// every node when the transaction commits. On SQLite the caller's own clear suffices.
    public func cacheChanged(_ name: String, on db: any SQLDatabase) async throws {
        guard kind == .postgres else { return }
        try await db.raw("SELECT pg_notify(\(bind: cacheChannel), \(bind: name))").run()
    }

    /// Announces outside any transaction (after loading reference data in bulk).
    public func cacheChanged(_ name: String) async throws {
        guard kind == .postgres else { return }
        try await read { db in try await self.cacheChanged(name, on: db) }
    }
}

/// Listens for cache notices on a dedicated PostgreSQL connection and clears what they name.
/// When the connection drops it clears every cache (notices may have been missed) and listens
/// again after a second. Does nothing on SQLite.
public struct CacheListener: Service {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        guard database.kind == .postgres else {
            try? await gracefulShutdown()
            return
        }
        let invalidation = database.invalidation
        let channel = database.cacheChannel
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await database.withDedicatedConnection { connection in
                        try await connection.listen(on: channel) { notices in
                            invalidation.clearAll()
                            await database.listening.open()
                            for try await notice in notices { invalidation.notified(notice.payload) }
                        }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("cache listener lost its connection; caches cleared", metadata: ["error": "\(error)"])
                }
                invalidation.clearAll()
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
