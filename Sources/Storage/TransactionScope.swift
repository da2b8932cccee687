import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLKit

/// Rows a transaction gathers as it goes and writes in one batch just before it commits, in
/// the same transaction. For writes that lock a row every transaction shares (the audit chain's
/// head): done last, the lock is held for a statement or two and the commit, not the whole
/// transaction; and many rows of one kind go in one statement.
public protocol CommitBatch {
    associatedtype Item: Sendable
    /// Batches are written in ascending position (then in order of first use); the audit
    /// chain, which locks a row every transaction shares, goes last.
    static var position: Int { get }
    /// Writes the gathered items, in the order they were gathered, on the transaction's connection.
    static func write(_ items: [Item], on db: any SQLDatabase) async throws
}

extension CommitBatch {
    /// Keeps `item` for just before commit when `db` is a transaction's connection; outside a
    /// transaction, writes it at once.
    public static func add(_ item: Item, on db: any SQLDatabase) async throws {
        if let scope = db as? TransactionScope {
            scope.gather(item, into: Self.self)
        } else {
            try await write([item], on: db)
        }
    }
}

/// The connection of one open transaction (what `Database.transaction` hands its body): every
/// statement goes to the underlying connection; `gather(_:into:)` keeps rows for just before commit.
public final class TransactionScope: SQLDatabase {
    let base: any SQLDatabase
    private let batches = NIOLockedValueBox<[any PendingBatch]>([])

    init(_ base: any SQLDatabase) { self.base = base }

    /// Keeps `item` for batch `B`, written just before this transaction commits.
    public func gather<B: CommitBatch>(_ item: B.Item, into batch: B.Type) {
        batches.withLockedValue { batches in
            if let existing = batches.lazy.compactMap({ $0 as? Pending<B> }).first {
                existing.items.append(item)
            } else {
                let made = Pending<B>()
                made.items.append(item)
                batches.append(made)
            }
        }
    }

    /// Writes the gathered batches by position, then in the order they were first used.
    func writeBatches() async throws {
        let ordered = batches.withLockedValue { $0 }.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
        for (_, batch) in ordered { try await batch.write(on: base) }
    }

    public var logger: Logger { base.logger }
    public var eventLoop: any EventLoop { base.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { base.version }
    public var dialect: any SQLDialect { base.dialect }
    public var queryLogLevel: Logger.Level? { base.queryLogLevel }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        base.execute(sql: query, onRow)
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await base.execute(sql: query, onRow)
    }
}

/// The items of one batch kind in one transaction (changed only under the scope's lock).
private protocol PendingBatch: AnyObject, Sendable {
    var position: Int { get }
    func write(on db: any SQLDatabase) async throws
}

private final class Pending<B: CommitBatch>: PendingBatch, @unchecked Sendable {
    var items: [B.Item] = []
    var position: Int { B.position }
    func write(on db: any SQLDatabase) async throws { try await B.write(items, on: db) }
}
