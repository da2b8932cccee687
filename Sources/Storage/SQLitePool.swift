import Logging
import NIOCore
import NIOPosix
import SQLiteKit

/// A small pool of SQLite connections to one file in WAL mode. Readers run in parallel; the
/// `Database` serialises writers so that no writer waits on SQLite's busy handler in-process.
actor SQLitePool {
    let path: String
    let maxConnections: Int
    let logger: Logger
    let threadPool: NIOThreadPool
    private var idle: [SQLiteConnection] = []
    private var open = 0
    private var leased = 0
    private var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
    private var closed = false

    init(path: String, maxConnections: Int, logger: Logger) {
        self.path = path
        self.maxConnections = max(1, maxConnections)
        self.logger = logger
        // One thread more than connections so a blocked statement never starves the others.
        self.threadPool = NIOThreadPool(numberOfThreads: self.maxConnections + 1)
        self.threadPool.start()
    }

    var stats: PoolStats { PoolStats(inUse: leased, idle: idle.count, max: maxConnections) }

    func acquire() async throws -> SQLiteConnection {
        if closed { throw StorageError.closed }
        if let connection = idle.popLast() {
            leased += 1
            return connection
        }
        if open < maxConnections {
            open += 1
            do {
                let connection = try await makeConnection()
                if closed {
                    // The pool closed while this connection was opening.
                    try? await connection.close()
                    open -= 1
                    throw StorageError.closed
                }
                leased += 1
                return connection
            } catch {
                open -= 1
                throw error
            }
        }
        let connection = try await withCheckedThrowingContinuation { waiters.append($0) }
        return connection
    }

    func release(_ connection: SQLiteConnection) async {
        if closed {
            leased -= 1
            open -= 1
            try? await connection.close()
            return
        }
        if let waiter = waiters.first {
            waiters.removeFirst()
            waiter.resume(returning: connection)
        } else {
            leased -= 1
            idle.append(connection)
        }
    }

    /// Closes every connection: idle ones now, leased ones as they come back (waiting up to
    /// five seconds for them), then stops the pool's threads. Safe to call twice.
    func close() async {
        if closed { return }
        closed = true
        for waiter in waiters { waiter.resume(throwing: StorageError.closed) }
        waiters.removeAll()
        let connections = idle
        idle.removeAll()
        for connection in connections { try? await connection.close() }
        open -= connections.count
        for _ in 0..<500 where open > 0 { try? await Task.sleep(for: .milliseconds(10)) }
        try? await threadPool.shutdownGracefully()
    }

    private func makeConnection() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path),
            threadPool: threadPool,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            // A 16 MB page cache per connection (the default 2 MB re-read hot tables from the OS on every search).
            for pragma in [
                "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 10000",
                "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL", "PRAGMA cache_size = -16000",
            ] {
                _ = try await connection.query(pragma, [])
            }
        } catch {
            // Closed from a task of its own: a cancelled close would leave it open (sqlite-nio asserts).
            await Task { try? await connection.close() }.value
            throw error
        }
        return connection
    }
}

/// Connection pool occupancy, for `/metrics`.
public struct PoolStats: Sendable, Equatable {
    public let inUse: Int
    public let idle: Int
    public let max: Int
}
