import Core
import Foundation
import Logging
import SQLKit
import ServiceLifecycle
import Storage

/// Delivers one topic's messages in order: oldest first, one at a time; a failure stops the
/// batch (later messages must not overtake it) and schedules a retry with exponential backoff.
/// A message is marked delivered only after its handler succeeded, so a crash re-sends at
/// most the message in flight (receivers dedupe by its key).
public struct OutboxWorker: Service {
    /// Retry timing: `base × 2^(attempts-1)`, capped; after `maxAttempts` the message fails.
    public struct Backoff: Sendable {
        public var base: TimeInterval
        public var cap: TimeInterval
        public var maxAttempts: Int
        public init(base: TimeInterval = 5, cap: TimeInterval = 3600, maxAttempts: Int = 25) {
            self.base = base; self.cap = cap; self.maxAttempts = maxAttempts
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
    public init(database: Database, topic: String, backoff: Backoff = Backoff(), pollInterval: Duration = .seconds(1),
                clock: WallClock = .system, logger: Logger, gate: ReadinessGate = ReadinessGate(open: true), handler: @escaping Handler) {
        self.database = database; self.topic = topic; self.handler = handler; self.backoff = backoff
        self.pollInterval = pollInterval; self.clock = clock; self.logger = logger; self.gate = gate
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

    /// How long a claimed message is left to its worker (longer than any handler's timeout).
    public static let lease: Duration = .seconds(30)

    /// Delivers the messages due now, in order, until one fails. Returns how many were delivered.
    @discardableResult
    public func deliverDue(limit: Int = 100) async throws -> Int {
        let now = clock.millis()
        let topic = topic
        let due = try await database.read { db in
            try await db.select().columns("id", "topic", "dedupe_key", "payload", "status", "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at")
                .from(Outbox.table).where("topic", .equal, topic).where("status", .equal, OutboxMessage.Status.pending.rawValue)
                .orderBy("id").limit(limit).all(decoding: OutboxMessage.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        var delivered = 0
        for message in due {
            // Order matters (a dossier's changes must arrive in sequence): stop at the first message not yet due.
            guard message.nextAttemptAt <= now else { break }
            // Claim it for a lease, so a second worker (another process, or a test's) leaves it alone;
            // if this process dies, the message is due again when the lease ends.
            let leaseEnd = now + Int64(Self.lease.components.seconds * 1000)
            let claimed = try await database.transaction { db in
                try await db.update(Outbox.table).set("next_attempt_at", to: leaseEnd).where("id", .equal, message.id)
                    .where("status", .equal, OutboxMessage.Status.pending.rawValue).where("next_attempt_at", .equal, message.nextAttemptAt)
                    .returning("id").first() != nil
            }
            guard claimed else { break }
            do {
                try await handler(message)
                try await database.transaction { db in
                    try await db.update(Outbox.table).set("status", to: OutboxMessage.Status.delivered.rawValue)
                        .set("delivered_at", to: clock.millis()).set("attempts", to: message.attempts + 1).set("last_error", to: String?.none)
                        .where("id", .equal, message.id).run()
                }
                delivered += 1
            } catch {
                let attempts = message.attempts + 1
                let failed = attempts >= backoff.maxAttempts
                let next = now + Int64(backoff.delay(afterAttempts: attempts) * 1000)
                let reason = String(String(describing: error).prefix(500))
                try await database.transaction { db in
                    try await db.update(Outbox.table).set("attempts", to: attempts).set("next_attempt_at", to: next).set("last_error", to: reason)
                        .set("status", to: (failed ? OutboxMessage.Status.failed : .pending).rawValue)
                        .where("id", .equal, message.id).run()
                }
                logger.notice("delivery failed", metadata: ["topic": "\(topic)", "id": "\(message.id)", "attempts": "\(attempts)", "error": "\(reason)"])
                if !failed { break }
            }
        }
        return delivered
    }
}
