import Core
import Foundation
import Logging
import SQLKit
import ServiceLifecycle
import Storage

/// A job that runs every `interval` once across the cluster: only the leader runs it, and only
/// after claiming the round in `scheduled_runs` (the last run's time moves forward in one
/// statement, so even two nodes that both believe they lead cannot run the same round). A new
/// leader goes on with the schedule where the old one left it; a restart does not run a job
/// early. A failure is logged and the next round comes as planned.
public struct ScheduledJob: Service {
    public let name: String
    let interval: Duration
    let database: Database
    let leadership: Leadership
    let gate: ReadinessGate
    let logger: Logger
    let clock: WallClock
    /// Also run when the node shuts down gracefully while leading (the audit anchor).
    let atShutdown: Bool
    let task: @Sendable () async throws -> Void
    static let table = "scheduled_runs"

    public init(
        name: String,
        interval: Duration,
        database: Database,
        leadership: Leadership,
        gate: ReadinessGate,
        logger: Logger,
        clock: WallClock = .system,
        atShutdown: Bool = false,
        task: @escaping @Sendable () async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.database = database
        self.leadership = leadership
        self.gate = gate
        self.logger = logger
        self.clock = clock
        self.atShutdown = atShutdown
        self.task = task
    }

    /// How often the leader looks whether a round is due.
    var checkEvery: Duration { min(interval, .seconds(5)) }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await gate.wait()
            while !Task.isCancelled {
                if leadership.isLeader, await claimRound() { await once() }
                try? await Task.sleep(for: checkEvery)
            }
        }
        if atShutdown, leadership.isLeader { await once() }
    }

    /// Takes the round due now, if any: true when this node is to run it.
    public func claimRound() async -> Bool {
        let now = clock.millis()
        let due = now - Int64(interval.components.seconds * 1000) + 1
        let (name, node) = (name, leadership.node)
        do {
            return try await database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO scheduled_runs (name, last_run_at, node) VALUES (\(bind: name), \(bind: now), \(bind: node))
                    ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at, node = excluded.node
                    WHERE scheduled_runs.last_run_at < \(bind: due)
                    RETURNING name
                    """
                ).first() != nil
            }
        } catch {
            logger.warning("\(name): could not claim its round", metadata: ["error": "\(error)"])
            return false
        }
    }

    func once() async {
        do { try await task() } catch is CancellationError {} catch {
            logger.error("\(name) failed", metadata: ["error": "\(error)"])
        }
    }
}
