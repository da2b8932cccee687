import Core
import Foundation
import SQLKit
import Synchronization

/// How recent the data a read must see is, for the request being served (a task-local set by
/// the web layer): `any` (no change of the reader's own to see: anonymous and public work), a
/// time (the reader changed something then: the standby serves only once it has replayed past
/// that moment), or `primary` (always the primary: API clients, whose changes leave no marker).
public enum ReadFreshness: Sendable, Equatable {
    case any
    case after(epochMillis: Int64)
    case primary

    /// The freshness of the request being served.
    @TaskLocal public static var current: ReadFreshness = .any
}

/// The standby's replay point (the commit time of the last transaction it replayed), refreshed
/// at most every 200 ms.
final class ReplicaProgress: Sendable {
    private let state = Mutex<(checkedAt: ContinuousClock.Instant, replayed: Int64)?>(nil)

    func replayed(_ read: @Sendable () async throws -> Int64) async throws -> Int64 {
        let now = ContinuousClock.now
        if let known = state.withLock({ $0 }), now - known.checkedAt < .milliseconds(200) { return known.replayed }
        let replayed = try await read()
        state.withLock { $0 = (now, replayed) }
        return replayed
    }
}

extension Database {
    /// Runs read-only work on the standby when one is configured and it holds what the reader
    /// must see (`ReadFreshness.current`), else on the primary. A standby that fails falls back
    /// to the primary (logged): reads never fail because the standby does.
    /// - Parameter ownWritesMatter: false for aggregates (statistics) where the reader's own
    ///   change of a moment ago does not need to show.
    public func readReplica<T: Sendable>(ownWritesMatter: Bool = true, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T)
        async throws -> T
    {
        guard let replica, try await replicaServes(ownWritesMatter ? ReadFreshness.current : .any) else { return try await read(body) }
        do {
            return try await replica.read(body)
        } catch {
            logger.warning("standby read failed; read from the primary", metadata: ["error": "\(String(reflecting: error).prefix(300))"])
            return try await read(body)
        }
    }

    /// Whether the standby may serve a read of this freshness.
    func replicaServes(_ freshness: ReadFreshness) async throws -> Bool {
        switch freshness {
        case .any: return true
        case .primary: return false
        case .after(let moment):
            guard let replica else { return false }
            let replayed = try? await replicaProgress.replayed {
                try await replica.read { db in
                    try await db.raw(
                        "SELECT COALESCE(CAST(EXTRACT(EPOCH FROM pg_last_xact_replay_timestamp()) * 1000 AS BIGINT), 0) AS replayed"
                    ).first()?.decode(column: "replayed", as: Int64.self) ?? 0
                }
            }
            return (replayed ?? 0) >= moment
        }
    }
}
