import Synchronization

/// One clock for every request waiting for a PostgreSQL connection: a waiting request's outage
/// probe waits for the ticker's ticks instead of arming a timer of its own (a timer per query was
/// a seventh of a status lookup's cost). The ticker runs only while someone waits.
final class ProbeTicker: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextID = 0
        var ticking = false
    }

    private let state = Mutex(State())
    let interval: Duration

    init(interval: Duration) { self.interval = interval }

    /// Returns true at the next tick, false as soon as the waiting task is cancelled.
    func nextTick() async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Registered under the lock the cancellation handler takes: either the handler
                // finds the waiter, or the waiter sees the cancellation here.
                let (cancelled, start) = state.withLock { state -> (Bool, Bool) in
                    if Task.isCancelled { return (true, false) }
                    state.waiters[id] = continuation
                    defer { state.ticking = true }
                    return (false, !state.ticking)
                }
                if cancelled { continuation.resume(returning: false) } else if start { tick() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }

    /// Wakes every waiter each interval; stops when a tick finds nobody waiting.
    private func tick() {
        Task { [self] in
            while true {
                try? await Task.sleep(for: interval)
                let due = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    let due = Array(state.waiters.values)
                    state.waiters.removeAll()
                    if due.isEmpty { state.ticking = false }
                    return due
                }
                if due.isEmpty { return }
                for waiter in due { waiter.resume(returning: true) }
            }
        }
    }
}
