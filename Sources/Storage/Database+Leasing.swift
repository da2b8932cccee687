import Logging
import PostgresNIO
import SQLKit
import Synchronization

/// One lease of a PostgreSQL connection and what became of it: leased on a connection, or
/// abandoned (the caller has been answered; a late lease must not run the work).
final class LeaseState: Sendable {
    private enum State {
        case waiting
        case leased(PostgresConnection)
        case abandoned
    }

    private let state = Mutex(State.waiting)

    /// Takes `connection` for the work; false when the caller has already been answered.
    func claim(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .leased(connection)
            return true
        }
    }

    /// The leased connection, if any.
    var connection: PostgresConnection? {
        state.withLock { state in
            if case .leased(let connection) = state { return connection }
            return nil
        }
    }

    /// Gives up a lease still being waited for; false when the work already has its connection.
    func abandonIfWaiting() -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .abandoned
            return true
        }
    }
}

/// The first of the work's result and the watcher's verdict, delivered once to one waiter.
final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    /// Delivers `result` unless an outcome was already delivered.
    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    /// Waits for the outcome.
    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

extension Database {
    /// Runs `body` on a leased connection, watched every `probeInterval` (two ticks of the shared
    /// ticker). While the lease is awaited the server is probed (a TCP connect): an unreachable
    /// one answers 503 at once instead of hanging while the database is down, a busy pool just
    /// keeps the request waiting. Once leased, a body whose connection has closed under it for
    /// two rounds is abandoned with 503: PostgresNIO can lose a query written as the server
    /// terminates the connection, and its caller would wait forever (a closed connection commits
    /// nothing, so nothing is lost). A slow query on a live connection is never interrupted.
    static func leasing<T: Sendable>(
        _ client: PostgresClient,
        url: DatabaseURL,
        ticker: ProbeTicker,
        logger: Logger,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let outcome = FirstOutcome<T>()
        let lease = LeaseState()
        let work = Task {
            do {
                let value = try await client.withConnection { connection in
                    guard lease.claim(connection) else { throw StorageError.unavailable }
                    return try await body(connection.sql())
                }
                outcome.finish(.success(value))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let watch = Task {
            var closedRounds = 0
            while await ticker.nextTick(), await ticker.nextTick() {
                if let connection = lease.connection {
                    closedRounds = connection.isClosed ? closedRounds + 1 : 0
                    guard closedRounds >= 2 else { continue }
                    logger.warning("abandoning database work whose connection closed under it")
                } else if case .postgres(let host, let port, _, _, _, _) = url, await !reachable(host: host, port: port) {
                    guard lease.abandonIfWaiting() else { continue }
                } else {
                    continue
                }
                outcome.finish(.failure(StorageError.unavailable))
                work.cancel()
                return
            }
        }
        defer { watch.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value()
        } onCancel: {
            work.cancel()
        }
    }
}
