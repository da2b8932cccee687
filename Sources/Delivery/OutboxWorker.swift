import Core
import Foundation
import Logging
import SQLKit
import ServiceLifecycle
import Storage

/// Delivers one topic's messages in order per ordering key (a dossier, a document and its
/// recipient): a failure holds back that key's later messages and schedules a retry with
/// exponential backoff, while other keys go on. A message is marked delivered only after its
/// handler succeeded, so a crash re-sends at most the messages in flight (receivers dedupe by
/// their keys).
public struct OutboxWorker: Service {
    /// Retry timing: `base × 2^(attempts-1)`, capped; after `maxAttempts` the message fails.
    public struct Backoff: Sendable {
        public var base: TimeInterval
        public var cap: TimeInterval
        public var maxAttempts: Int
        public init(base: TimeInterval = 5, cap: TimeInterval = 3600, maxAttempts: Int = 25) {
            self.base = base
            self.cap = cap
            self.maxAttempts = maxAttempts
        }
        public func delay(afterAttempts attempts: Int) -> TimeInterval { min(cap, base * pow(2, Double(max(0, attempts - 1)))) }
    }

    public typealias Handler = @Sendable (OutboxMessage) async throws -> Void

    let database: Database
    let topic: String
    let handler: Handler
    let backoff: Backoff
    let pollInterval: Duration
    let clock: WallClock
    let logger: Logger
    let gate: ReadinessGate

    /// - Parameter gate: the worker starts delivering once the gate opens (after migrations).
    public init(
        database: Database,
        topic: String,
        backoff: Backoff = Backoff(),
        pollInterval: Duration = .seconds(1),
        clock: WallClock = .system,
        logger: Logger,
        gate: ReadinessGate = ReadinessGate(open: true),
        handler: @escaping Handler
    ) {
        self.database = database
        self.topic = topic
        self.handler = handler
        self.backoff = backoff
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
        self.gate = gate
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await gate.wait()
            while !Task.isCancelled {
                do {
                    let delivered = try await deliverDue()
                    if delivered == 0 { try await Task.sleep(for: pollInterval) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("outbox worker error", metadata: ["topic": "\(topic)", "error": "\(error)"])
                    try? await Task.sleep(for: pollInterval)
                }
            }
        }
    }

    /// How long a claimed batch is left to its worker (longer than its handlers' timeouts).
    public static let lease: Duration = .seconds(60)
    /// How many messages one claim takes (a batch is handled within its lease).
    static let claimBatch = 10

    /// Delivers the messages due now: for each ordering key, its oldest message still waiting
    /// (pending, or parked as failed), if it is due. A failure reschedules that message and holds
    /// back only the later messages of its key; other keys go on. After `maxAttempts` the
    /// message is parked (`failed`, its reason kept) until an administrator retries it.
    /// Messages are claimed in small batches until `limit` were tried, none is due or one failed.
    /// Returns how many were delivered.
    @discardableResult
    public func deliverDue(limit: Int = 100) async throws -> Int {
        var (tried, delivered) = (0, 0)
        while tried < limit {
            let now = clock.millis()
            let wanted = min(Self.claimBatch, limit - tried)
            let batch = try await claimDue(now: now, limit: wanted)
            tried += batch.count
            var failed = false
            for message in batch {
                do {
                    try await handler(message)
                    try await markDelivered(message)
                    delivered += 1
                } catch is CancellationError where Task.isCancelled {
                    throw CancellationError()
                } catch {
                    try await reschedule(message, after: error, now: now)
                    failed = true
                }
            }
            // A short batch took all that was due; after a failure, retries wait for the next round.
            if batch.count < wanted || failed { break }
        }
        return delivered
    }

    /// Claims, for a lease, up to `limit` messages that head their ordering key and are due: in
    /// one statement, so that workers of several nodes take disjoint batches (PostgreSQL skips
    /// the rows another worker is claiming, `FOR UPDATE SKIP LOCKED`; SQLite has one writer). If
    /// this process dies, its messages are due again when the lease ends.
    func claimDue(now: Int64, limit: Int) async throws -> [OutboxMessage] {
        let leaseEnd = now + Int64(Self.lease.components.seconds * 1000)
        let waiting = [OutboxMessage.Status.pending.rawValue, OutboxMessage.Status.failed.rawValue]
        let skipLocked: SQLQueryString = database.kind == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
        let topic = topic
        return try await database.transaction { db in
            try await db.raw(
                """
                UPDATE \(ident: Outbox.table) SET next_attempt_at = \(bind: leaseEnd) WHERE id IN (
                  SELECT m.id FROM \(ident: Outbox.table) m
                  WHERE m.topic = \(bind: topic) AND m.status = \(bind: OutboxMessage.Status.pending.rawValue) AND m.next_attempt_at <= \(bind: now)
                    AND NOT EXISTS (SELECT 1 FROM \(ident: Outbox.table) e WHERE e.topic = m.topic AND e.ordering_key = m.ordering_key
                                    AND e.id < m.id AND e.status IN (\(binds: waiting)))
                  ORDER BY m.id LIMIT \(bind: limit) \(skipLocked))
                RETURNING \(unsafeRaw: Outbox.selected.joined(separator: ", "))
                """
            ).all(decoding: OutboxMessage.self, keyDecodingStrategy: .convertFromSnakeCase).sorted { $0.id < $1.id }
        }
    }

    func markDelivered(_ message: OutboxMessage) async throws {
        try await database.transaction { db in
            try await db.update(Outbox.table).set("status", to: OutboxMessage.Status.delivered.rawValue)
                .set("delivered_at", to: clock.millis()).set("attempts", to: message.attempts + 1).set("last_error", to: String?.none)
                .where("id", .equal, message.id).run()
        }
    }

    /// After a failed attempt: retried later with backoff, or parked once attempts run out.
    func reschedule(_ message: OutboxMessage, after error: any Error, now: Int64) async throws {
        let attempts = message.attempts + 1
        let parked = attempts >= backoff.maxAttempts
        let next = now + Int64(backoff.delay(afterAttempts: attempts) * 1000)
        let reason = String(String(describing: error).prefix(500))
        try await database.transaction { db in
            try await db.update(Outbox.table).set("attempts", to: attempts).set("next_attempt_at", to: next).set("last_error", to: reason)
                .set("status", to: (parked ? OutboxMessage.Status.failed : .pending).rawValue)
                .where("id", .equal, message.id).run()
        }
        logger.notice(
            parked ? "delivery parked" : "delivery failed",
            metadata: ["topic": "\(topic)", "id": "\(message.id)", "attempts": "\(attempts)", "error": "\(reason)"]
        )
    }
}
