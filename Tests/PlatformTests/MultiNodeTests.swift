import Core
import Delivery
import Directory
import Foundation
import Identity
import Logging
import SQLKit
import Server
import ServiceLifecycle
import Storage
import Synchronization
import Testing

@testable import Web

/// Several nodes on one database behave as one platform: shared counters, caches told of other
/// nodes' changes, one leader for the schedules, a queue shared without double deliveries. The
/// tests that need a second node run on PostgreSQL (SQLite is one node); the others on both.
@Suite struct MultiNodeTests {
    /// Repeats `check` every 50 ms until it holds or `within` passes; true if it held.
    static func eventually(within: Duration, _ check: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await check()
    }

    @Test func signInThrottlingIsSharedByEveryInstance() async throws {
        try await TestEnvironment.withPlatform { platform in
            // Two authenticators, as on two nodes: the failures counted by one stop the other.
            func node() -> Authenticator {
                Authenticator(
                    database: platform.database,
                    accounts: platform.accounts,
                    hasher: PasswordHasher(cost: 4),
                    limiter: LoginRateLimiter(database: platform.database, bucket: "login", limit: 3, window: 600)
                )
            }
            let (a, b) = (node(), node())
            for _ in 1...3 {
                await expectRefusal(.unauthenticated) {
                    try await a.login(username: "nobody", password: "x", clientAddress: "10.1.1.1", requestID: nil)
                }
            }
            do {
                _ = try await b.login(username: "admin", password: DemoData.password, clientAddress: "10.1.1.1", requestID: nil)
                Issue.record("the other node let a throttled address sign in")
            } catch let DomainError.tooManyRequests(wait, _, _) {
                #expect(wait > 0 && wait <= 600)
            }
            // Addresses are kept hashed.
            let stored = try await platform.database.read { db in
                try await db.select().column("key_hash").from("rate_limit_events").all().map { try $0.decode(column: "key_hash", as: String.self) }
            }
            #expect(stored.count == 3 && !stored.contains("10.1.1.1"))
        }
    }

    @Test func aRoundOfAScheduledJobRunsOnceWhateverTheNumberOfLeaders() async throws {
        try await TestEnvironment.withPlatform { platform in
            let runs = Atomic<Int>(0)
            func job(_ node: String) -> ScheduledJob {
                ScheduledJob(
                    name: "test job",
                    interval: .seconds(3600),
                    database: platform.database,
                    leadership: Leadership(database: platform.database, logger: TestEnvironment.logger, node: node),
                    gate: ReadinessGate(open: true),
                    logger: TestEnvironment.logger
                ) { runs.add(1, ordering: .relaxed) }
            }
            let jobs = (1...4).map { job("node\($0)") }
            let claims = try await withThrowingTaskGroup(of: Bool.self) { group in
                for job in jobs { group.addTask { await job.claimRound() } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(claims == 1)
            #expect(await jobs[0].claimRound() == false)  // the next round is an hour away
        }
    }

    @Test func nodesShareTheOutboxWithoutDeliveringAnythingTwice() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await platform.database.transaction { db in
                for n in 0..<60 { try await Outbox.enqueue(topic: "test", key: "m\(n)", payload: "{}", on: db, now: 0) }
            }
            let seen = Mutex<[Int64]>([])
            func worker() -> OutboxWorker {
                OutboxWorker(database: platform.database, topic: "test", logger: TestEnvironment.logger) { message in
                    try await Task.sleep(for: .milliseconds(2))
                    seen.withLock { $0.append(message.id) }
                }
            }
            let workers = (0..<3).map { _ in worker() }
            let delivered = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in workers { group.addTask { try await worker.deliverDue() } }
                return try await group.reduce(0, +)
            }
            #expect(delivered == 60)
            let ids = seen.withLock { $0 }
            #expect(ids.count == 60 && Set(ids).count == 60)
        }
    }

    @Test(.enabled(if: TestEnvironment.engine == .postgres, "needs a second node")) func aChangeOnOneNodeReachesTheOthersCachesAtOnce() async throws {
        try await TestEnvironment.withNodes(2) { nodes in
            let (a, b) = (nodes[0], nodes[1])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await CacheListener(database: b.database, logger: TestEnvironment.logger).run() }
                defer { group.cancelAll() }
                await b.database.listening.wait()
                let agency = try #require(try await b.directory.all().first)
                #expect(try await b.directory.agency(agency.identifier)?.departments?.contains { $0.code == "MN-1" } == false)  // cached now
                try await a.directory.upsertDepartment(
                    Department(code: "MN-1", name: "Phòng thử nghiệm"),
                    in: agency.identifier,
                    by: .system("test"),
                    requestID: nil
                )
                let seen = try await Self.eventually(within: .seconds(1)) {
                    try await b.directory.agency(agency.identifier)?.departments?.contains { $0.code == "MN-1" } == true
                }
                #expect(seen)
                #expect(b.database.invalidation.notificationsReceived >= 1)
            }
        }
    }

    @Test(.enabled(if: TestEnvironment.engine == .postgres, "needs a second node")) func anotherNodeTakesTheLeadWithinSecondsWhenTheLeaderDies()
        async throws
    {
        try await TestEnvironment.withNodes(2) { nodes in
            let a = Leadership(database: nodes[0].database, logger: TestEnvironment.logger, retry: .milliseconds(200), node: "a")
            let b = Leadership(database: nodes[1].database, logger: TestEnvironment.logger, retry: .milliseconds(200), node: "b")
            let leaderA = Task { await a.campaign() }
            #expect(try await Self.eventually(within: .seconds(5)) { a.isLeader })
            let followerB = Task { await b.campaign() }
            defer { followerB.cancel() }
            try await Task.sleep(for: .seconds(1))
            #expect(a.isLeader && !b.isLeader)  // one leader at a time
            leaderA.cancel()  // the leader's session ends, as when its process is killed
            #expect(try await Self.eventually(within: .seconds(5)) { b.isLeader })
        }
    }
}

/// Files in the database: stored through one node, read through another, whole or not at all.
@Suite struct SharedFileTests {
    @Test func aFileStoredThroughOneNodeIsReadThroughAnotherChunkByChunk() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-files-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let a = try ContentStore(root: folder.appendingPathComponent("a"), placement: .database, database: platform.database)
            let b = try ContentStore(root: folder.appendingPathComponent("b"), placement: .database, database: platform.database)
            // 2.5 chunks, an exact chunk and an empty file.
            let sizes = [(1 << 20) * 5 / 2, 1 << 20, 0]
            for size in sizes {
                let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) })
                let digest = try await a.put(data)
                #expect(digest == Digest.sha256Hex(data))
                #expect(try await b.contains(digest))
                #expect(try await b.get(digest) == data)
                #expect(FileManager.default.fileExists(atPath: b.path(digest).path))  // cached on b now
                #expect(try await b.put(data) == digest)  // stored once
            }
            let rows = try await platform.database.read { db in
                try await db.select().column("part").from("content_chunks").all().count
            }
            #expect(rows == 3 + 1)
            // A digest nobody stored is not found, and a changed chunk is caught on the way in.
            await #expect(throws: (any Error).self) { try await b.get(String(repeating: "a", count: 64)) }
            let data = Data("tampered with".utf8)
            let digest = try await a.put(data)
            try await platform.database.transaction { db in
                try await db.update("content_chunks").set("data", to: Data("tampered wish".utf8)).where("sha256", .equal, digest).run()
            }
            let c = try ContentStore(root: folder.appendingPathComponent("c"), placement: .database, database: platform.database)
            await #expect(throws: StorageError.self) { try await c.get(digest) }
            #expect(!FileManager.default.fileExists(atPath: c.path(digest).path))
        }
    }

    @Test func theFolderMovesIntoTheDatabase() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-files-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let local = try ContentStore(root: folder)
            let digests = try await [Data("một".utf8), Data("hai".utf8)].asyncMap { try await local.put($0) }
            let moving = try ContentStore(root: folder, placement: .database, database: platform.database)
            #expect(try await moving.uploadFolder() == 2)
            #expect(try await moving.uploadFolder() == 0)
            let elsewhere = try ContentStore(root: folder.appendingPathComponent("other"), placement: .database, database: platform.database)
            #expect(try await elsewhere.get(digests[0]) == Data("một".utf8))
        }
    }
}

@Suite struct ReadinessGateTests {
    @Test func aCancelledWaiterStopsWaitingSoAFailedStartUpCanShutDown() async throws {
        let gate = ReadinessGate()
        let waiter = Task { await gate.wait() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        let finished = try await MultiNodeTests.eventually(within: .seconds(2)) { await waiter.value == () }
        #expect(finished)
        let opened = Task { await gate.wait() }
        await gate.open()
        await opened.value
    }
}

/// Read-only work on a standby, with read-your-writes for the reader's own changes.
@Suite struct ReadReplicaTests {
    @Test func readsGoToTheStandbyOnlyWhenItHoldsTheReadersOwnChanges() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            guard case .postgres = platform.database.url else {
                #expect(platform.database.replica == nil)  // SQLite: one database, no standby
                return
            }
            // The "standby" is a second pool on the same server here (CI's cluster test uses a
            // real one made with pg_basebackup); what is checked is which side serves each read.
            let database = try Database(
                url: platform.database.url,
                readURL: platform.database.url,
                poolSize: 2,
                schema: platform.database.schema,
                logger: TestEnvironment.logger
            )
            try await database.withRunning { database in
                let now = Date().epochMillis
                let anonymous = try await Self.servedByTheStandby(database, .any, ownWritesMatter: true)
                let apiClient = try await Self.servedByTheStandby(database, .primary, ownWritesMatter: true)
                let justWrote = try await Self.servedByTheStandby(database, .after(epochMillis: now), ownWritesMatter: true)
                let aggregate = try await Self.servedByTheStandby(database, .after(epochMillis: now), ownWritesMatter: false)
                #expect(anonymous)  // nothing of the reader's own to see
                #expect(!apiClient)  // API clients read the primary
                // Not a real standby, so nothing is "replayed": a reader who just wrote stays on the
                // primary, except for aggregates, where a moment's change does not matter.
                #expect(!justWrote && aggregate)
            }
        }
    }

    /// Whether a read of this freshness is served by the standby's pool.
    static func servedByTheStandby(_ database: Database, _ freshness: ReadFreshness, ownWritesMatter: Bool) async throws -> Bool {
        try await ReadFreshness.$current.withValue(freshness) {
            let name = try await database.readReplica(ownWritesMatter: ownWritesMatter) {
                try await $0.raw("SELECT current_setting('application_name') AS name").first()?.decode(column: "name", as: String.self)
            }
            return name == "cqs-standby-reads"
        }
    }

    @Test func browsersThatChangedSomethingAreMarkedAndAPIClientsReadThePrimary() {
        #expect(SessionMiddleware.freshness(bearer: true, wrote: nil) == .primary)
        #expect(SessionMiddleware.freshness(bearer: false, wrote: nil) == .any)
        #expect(SessionMiddleware.freshness(bearer: false, wrote: "1764700000000") == .after(epochMillis: 1_764_700_000_000))
        #expect(SessionMiddleware.freshness(bearer: false, wrote: "nonsense") == .any)
        #expect(SessionMiddleware.isChange(.post) && !SessionMiddleware.isChange(.get) && !SessionMiddleware.isChange(.head))
    }
}
