import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization

/// Which node of a cluster runs the scheduled jobs. On PostgreSQL the leader is the node that
/// holds a session advisory lock on a dedicated connection: the lock lives exactly as long as
/// that session, so when the leader dies (even by SIGKILL) or loses the database, PostgreSQL
/// frees it and another node takes it at its next try (every `retry`, a second by default). The
/// leader checks its session every `retry` too and steps down as soon as a check fails. On
/// SQLite the one node is always the leader.
public final class Leadership: Service, Sendable {
    let database: Database
    let logger: Logger
    let retry: Duration
    /// This node's name in the logs and the schedule's bookkeeping.
    public let node: String
    private let leading = Atomic<Bool>(false)

    public init(database: Database, logger: Logger, retry: Duration = .seconds(1), node: String = Leadership.defaultNodeName) {
        self.database = database
        self.logger = logger
        self.retry = retry
        self.node = node
        if database.kind == .sqlite { leading.store(true, ordering: .relaxed) }
    }

    /// The host name and process id.
    public static var defaultNodeName: String { "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)" }

    /// Whether this node leads now.
    public var isLeader: Bool { leading.load(ordering: .relaxed) }

    public func run() async throws {
        guard database.kind == .postgres else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown { await self.campaign() }
        step(down: "shutting down", level: .info)
    }

    /// Tries for the lock until cancelled; while holding it, keeps checking the session.
    public func campaign() async {
        let key = database.advisoryKey("leader")
        while !Task.isCancelled {
            do {
                try await database.withDedicatedConnection { connection in
                    while !Task.isCancelled {
                        if isLeader {
                            _ = try await connection.query("SELECT 1", logger: logger).get()
                        } else if try await Self.tryLock(key, connection, logger) {
                            leading.store(true, ordering: .relaxed)
                            logger.notice("this node leads the scheduled jobs", metadata: ["node": "\(node)"])
                        }
                        try await Task.sleep(for: retry)
                    }
                }
            } catch {
                if Task.isCancelled { break }
                step(down: "\(error)")
            }
            try? await Task.sleep(for: retry)
        }
        step(down: "stopped", level: .info)
    }

    static func tryLock(_ key: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }

    private func step(down reason: String, level: Logger.Level = .warning) {
        guard leading.exchange(false, ordering: .relaxed) else { return }
        logger.log(level: level, "this node no longer leads the scheduled jobs", metadata: ["node": "\(node)", "reason": "\(reason)"])
    }
}
