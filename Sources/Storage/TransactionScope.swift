import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLKit

/// Work a transaction gathers as it goes and writes just before it commits, in the same
/// transaction. For writes that lock a row every transaction shares (the audit chain's head):
/// done last, the lock is held for a statement or two and the commit, not the whole transaction.
public protocol CommitStep: AnyObject, Sendable {
    /// Steps run in ascending position (then in order of first use); the audit chain, which
    /// locks a row every transaction shares, runs last.
    static var position: Int { get }
    init()
    /// Writes what was gathered. Runs once, just before `COMMIT`, on the transaction's connection.
    func run(on db: any SQLDatabase) async throws
}

/// The connection of one open transaction (what `Database.transaction` hands its body): every
/// statement goes to the underlying connection; `step(_:)` gathers work for just before commit.
extension CommitStep {
    public static var position: Int { 0 }
}

public final class TransactionScope: SQLDatabase {
    let base: any SQLDatabase
    private let steps = NIOLockedValueBox<[any CommitStep]>([])

    init(_ base: any SQLDatabase) { self.base = base }

    /// The transaction's step of type `S`, created (and scheduled) on first use.
    public func step<S: CommitStep>(_ type: S.Type) -> S {
        steps.withLockedValue { steps in
            if let existing = steps.lazy.compactMap({ $0 as? S }).first { return existing }
            let made = S()
            steps.append(made)
            return made
        }
    }

    /// Runs the gathered steps by position, then in the order they were first used.
    func runSteps() async throws {
        let ordered = steps.withLockedValue { $0 }.enumerated()
            .sorted { (type(of: $0.element).position, $0.offset) < (type(of: $1.element).position, $1.offset) }
        for (_, step) in ordered { try await step.run(on: base) }
    }

    public var logger: Logger { base.logger }
    public var eventLoop: any EventLoop { base.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { base.version }
    public var dialect: any SQLDialect { base.dialect }
    public var queryLogLevel: Logger.Level? { base.queryLogLevel }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        base.execute(sql: query, onRow)
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await base.execute(sql: query, onRow)
    }
}
