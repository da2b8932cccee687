import Foundation
import Testing

@testable import Storage

/// The shared clock of the PostgreSQL outage probes.
@Suite struct ProbeTickerTests {
    @Test func waitersWakeAtATickAndCancelledOnesAtOnce() async throws {
        let ticker = ProbeTicker(interval: .milliseconds(50))
        // Many waiters, one tick: all of them wake with true.
        let woken = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { await ticker.nextTick() } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(woken == Array(repeating: true, count: 20))
        // A cancelled waiter returns false without waiting for a tick (interval far longer here).
        let slow = ProbeTicker(interval: .seconds(60))
        let started = ContinuousClock.now
        let waiter = Task { await slow.nextTick() }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(ContinuousClock.now - started < .seconds(5))
        // Already cancelled before waiting: false at once.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await slow.nextTick()
        }
        #expect(await early.value == false)
    }
}
