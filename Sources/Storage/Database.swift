import Core
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The engines the platform runs on.
public enum EngineKind: String, Sendable { case sqlite, postgres }

/// The one entry point to storage: SQLKit connections over SQLite or PostgreSQL with the same
/// code, transactions, and a pool sized by configuration. Runs as a lifecycle service.
public final class Database: Service, Sendable {
    public let kind: EngineKind
    public let url: DatabaseURL
    /// PostgreSQL only: the schema named in `search_path` (tests use one each).
    public let schema: String?
    let logger: Logger
    private let backend: Backend
    /// PostgreSQL only: how dedicated connections (cache listener, leadership) connect.
    let connectionConfiguration: PostgresConnection.Configuration?
    /// The caches to clear when another node (or this one) announces a change.
    public let invalidation = CacheInvalidation()
    /// Opens once the cache listener listens (PostgreSQL): from then on other nodes' changes are heard.
    public let listening = ReadinessGate()
    /// A streaming-replication standby for read-only work (`readReplica`), if configured.
    public let replica: Database?
    /// How far the standby has replayed, checked at most every 200 ms (see `ReplicaProgress`).
    let replicaProgress = ReplicaProgress()
    private let writeLock = AsyncLock()
    /// The clock of the outage probes of requests waiting for a PostgreSQL connection.
    private let ticker = ProbeTicker(interval: probeInterval / 2)

    enum Backend: Sendable {
        case sqlite(SQLitePool)
        case postgres(PostgresClient)
    }

    /// - Parameters:
    ///   - poolSize: the maximum number of connections.
    ///   - schema: PostgreSQL only: the `search_path` (tests use one schema each).
    ///   - readURL: PostgreSQL only: a standby that takes read-only work (`readReplica`).
    ///   - role: the `application_name` its PostgreSQL connections carry (seen in `pg_stat_activity`).
    public init(
        url: DatabaseURL,
        readURL: DatabaseURL? = nil,
        poolSize: Int = 8,
        schema: String? = nil,
        role: String = "cqs",
        logger: Logger
    ) throws {
        self.url = url
        self.schema = schema
        if let readURL, case .postgres = url, case .postgres = readURL {
            replica = try Database(url: readURL, poolSize: poolSize, schema: schema, role: role + "-standby-reads", logger: logger)
        } else {
            replica = nil
        }
        self.logger = logger
        switch url {
        case .sqlite(let path):
            kind = .sqlite
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            backend = .sqlite(SQLitePool(path: path, maxConnections: poolSize, logger: logger))
            connectionConfiguration = nil
        case .postgres(let host, let port, let username, let password, let database, let requireTLS):
            kind = .postgres
            var config = PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
            )
            config.options.maximumConnections = max(1, poolSize)
            config.options.connectTimeout = .seconds(5)
            let startup = [("application_name", role)] + (schema.map { [("search_path", $0)] } ?? [])
            config.options.additionalStartupParameters = startup
            backend = .postgres(PostgresClient(configuration: config, backgroundLogger: logger))
            var dedicated = PostgresConnection.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: requireTLS ? .require(try .init(configuration: .makeClientConfiguration())) : .disable
            )
            dedicated.options.connectTimeout = .seconds(5)
            dedicated.options.additionalStartupParameters = startup
            connectionConfiguration = dedicated
        }
    }

    /// Runs the pool until cancelled or shut down gracefully (required for PostgreSQL).
    public func run() async throws {
        switch backend {
        case .postgres(let client):
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    if let replica = self.replica { group.addTask { await replica.runUntilCancelled() } }
                    await client.run()
                }
            }
        case .sqlite:
            try? await gracefulShutdown()
            await close()
        }
    }

    /// Runs `body` with the pool running around it (for CLI commands and tests).
    public func withRunning<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite:
            do {
                let value = try await body(self)
                await close()
                return value
            } catch {
                await close()
                throw error
            }
        case .postgres(let client):
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await client.run()
                    return nil
                }
                if let replica {
                    group.addTask {
                        await replica.runUntilCancelled()
                        return nil
                    }
                }
                defer { group.cancelAll() }
                return try await body(self)
            }
        }
    }

    /// Runs the pool until the task is cancelled (a second node in tests, beside `withRunning`).
    public func runUntilCancelled() async {
        switch backend {
        case .postgres(let client): await client.run()
        case .sqlite: break
        }
    }

    /// Closes SQLite connections (PostgreSQL closes when its `run` is cancelled). Runs in a
    /// task of its own: the caller's task may already be cancelled at shutdown, and a cancelled
    /// close would leave connections open (sqlite-nio asserts on that).
    public func close() async {
        if case .sqlite(let pool) = backend { await Task { await pool.close() }.value }
    }

    /// Runs `body` on one leased connection, outside any explicit transaction (reads).
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let pool):
            let connection = try await pool.acquire()
            do {
                let value = try await body(connection.sql())
                await pool.release(connection)
                return value
            } catch {
                await pool.release(connection)
                throw error
            }
        case .postgres(let client):
            do {
                return try await Self.leasing(client, url: url, ticker: ticker, logger: logger, body)
            } catch let error as PSQLError where StorageError.isConnectionFailure(error) {
                throw StorageError.unavailable
            }
        }
    }

    /// How often a request's database work is watched (see `leasing`).
    public static let probeInterval: Duration = .seconds(2)

    /// Whether something accepts TCP connections at host:port within a second.
    static func reachable(host: String, port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(1))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Runs `body` in one transaction: all its writes commit together or none do. On SQLite
    /// writers are serialised in-process and the transaction takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so it never fails half-way on a busy database.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            return try await writeLock.withLock {
                try await self.read { db in try await Self.inTransaction(db, begin: "BEGIN IMMEDIATE", body) }
            }
        case .postgres:
            return try await read { db in try await Self.inTransaction(db, begin: "BEGIN", body) }
        }
    }

    private static func inTransaction<T: Sendable>(
        _ db: any SQLDatabase,
        begin: String,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    )
        async throws -> T
    {
        try await db.raw(SQLQueryString(begin)).run()
        do {
            let scope = TransactionScope(db)
            let value = try await body(scope)
            try await scope.writeBatches()
            try await db.raw("COMMIT").run()
            return value
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Runs `body` on a connection of its own, outside the pool, closed afterwards (PostgreSQL
    /// only): for work that holds a connection for long (listening, a session advisory lock).
    public func withDedicatedConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let connectionConfiguration else { throw StorageError.unavailable }
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: connectionConfiguration,
            id: Int.random(in: 1...Int.max),
            logger: logger
        ).get()
        do {
            let value = try await body(connection)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` while holding the cluster-wide lock `name` (PostgreSQL: a session advisory lock
    /// on a dedicated connection, freed when it closes; SQLite: one node, no lock needed): for
    /// start-up work that several nodes starting at once must not do together (seeding).
    public func exclusively<T: Sendable>(_ name: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard kind == .postgres else { return try await body() }
        let key = advisoryKey(name)
        return try await withDedicatedConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(key))", logger: self.logger).get()
            return try await body()
        }
    }

    /// The PostgreSQL advisory-lock key of the cluster-wide lock `name` in this schema (tests
    /// share a server, each in its own schema).
    public func advisoryKey(_ name: String) -> Int64 {
        Int64(bitPattern: UInt64(Digest.sha256Hex("cqs lock \(name) \(schema ?? "")").prefix(16), radix: 16) ?? 1)
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    public func ping() async -> Bool {
        do {
            return try await read { db in
                try await db.raw("SELECT 1 AS ok").first() != nil
            }
        } catch {
            return false
        }
    }

    /// Pool occupancy (SQLite pool; PostgreSQL reports its configured size only).
    public func poolStats() async -> PoolStats? {
        if case .sqlite(let pool) = backend { return await pool.stats }
        return nil
    }
}

extension SQLDatabase {
    /// The engine behind a connection (a transaction's included), for the few statements that differ.
    public var engineKind: EngineKind { dialect.name == "postgresql" ? .postgres : .sqlite }
}
