import Testing

@testable import Storage

/// How storage tells a database that went away from a failed statement, and how a watched
/// lease delivers exactly one outcome.
@Suite struct StorageFailureTests {
    @Test func aServerGoingAwayIsAnOutageAndAFailedStatementIsNot() {
        for state in ["57P01", "57P02", "57P03", "08006", "08001", "08P01"] {
            #expect(StorageError.isShutdownState(state), "\(state)")
        }
        for state in ["23505", "40001", "40P01", "42P01", "57014", "22001", nil] {
            #expect(!StorageError.isShutdownState(state), "\(state ?? "nil")")
        }
    }

    @Test func theFirstOutcomeWinsWhoeverWaits() async throws {
        let early = FirstOutcome<Int>()
        early.finish(.success(1))
        early.finish(.failure(StorageError.unavailable))
        #expect(try await early.value() == 1)

        let late = FirstOutcome<Int>()
        let waiter = Task { try await late.value() }
        try await Task.sleep(for: .milliseconds(20))
        late.finish(.failure(StorageError.unavailable))
        late.finish(.success(2))
        await #expect(throws: StorageError.unavailable) { try await waiter.value }
    }
}
