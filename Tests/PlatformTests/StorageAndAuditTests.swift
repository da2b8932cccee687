import Core
import Delivery
import Foundation
import SQLKit
import Server
import Storage
import Testing

@testable import Audit

@Suite struct StorageTests {
    @Test func migrationsAreVersionedAndIdempotent() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let applied = try await Migrator.applied(platform.database)
            #expect(applied == Set(Schema.migrations.map(\.id)))
            #expect(try await platform.migrate().isEmpty)
        }
    }

    struct Boom: Error {}

    @Test func aFailedTransactionWritesNothing() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            await #expect(throws: Boom.self) {
                try await platform.database.transaction { db in
                    try await db.insert(into: "admin_units").columns("code", "name", "unit_type", "level", "codename")
                        .values(SQLBind("99999"), SQLBind("X"), SQLBind("xã"), SQLBind("commune"), SQLBind("x")).run()
                    try await AuditLog.record(
                        AuditEntry(principal: .system(), action: "test", targetType: "t", targetID: "1", requestID: nil),
                        on: db
                    )
                    throw Boom()
                }
            }
            let units = try await rowCount("admin_units", platform.database)
            let audits = try await rowCount("audit_log", platform.database)
            let verification = try await AuditVerifier.verify(platform.database)
            #expect(units == 0 && audits == 0 && verification.intact)
        }
    }

    @Test func concurrentWritersNeverFailAndKeepTheChain() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await platform.database.transaction { db in
                            for step in 0..<3 {
                                try await AuditLog.record(
                                    AuditEntry(
                                        principal: .system(),
                                        action: "test.concurrent",
                                        targetType: "t",
                                        targetID: "\(i).\(step)",
                                        requestID: nil
                                    ),
                                    on: db
                                )
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await AuditVerifier.verify(platform.database)
            #expect(result.intact)
            #expect(result.checked == 120)
            // A transaction's records are chained together and in the order they were made.
            let targets = try await platform.database.read { db in
                try await db.select().column("target_id").from("audit_log").orderBy("lane").orderBy("lane_seq").all().map {
                    try $0.decode(column: "target_id", as: String.self)
                }
            }
            for start in stride(from: 0, to: targets.count, by: 3) {
                let transaction = targets[start].split(separator: ".")[0]
                #expect(targets[start..<start + 3] == ["\(transaction).0", "\(transaction).1", "\(transaction).2"])
            }
        }
    }

    /// On PostgreSQL a writer never waits for a lane another transaction holds: it takes the
    /// next free one, and both lanes verify.
    @Test func aBusyLaneIsSkippedNotAwaited() async throws {
        guard TestEnvironment.engine == .postgres else { return }
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let (held, holding) = AsyncStream.makeStream(of: Void.self)
            let (release, releasing) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await platform.database.transaction { db in
                    // Written at once (not gathered), so the lane stays locked until this commits.
                    try await AuditLog.write(
                        [
                            PendingAuditRecord(
                                entry: AuditEntry(principal: .system(), action: "test.hold", targetType: "t", targetID: "1", requestID: nil),
                                occurredAt: 1
                            )
                        ],
                        on: db
                    )
                    holding.yield()
                    for await _ in release { break }
                }
            }
            for await _ in held { break }
            try await platform.database.transaction { db in
                try await AuditLog.record(
                    AuditEntry(principal: .system(), action: "test.pass", targetType: "t", targetID: "2", requestID: nil),
                    on: db
                )
            }
            releasing.yield()
            try await holder.value
            let lanes = try await platform.database.read { db in
                try await db.select().columns("action", "lane").from("audit_log").orderBy("action").all().map {
                    "\(try $0.decode(column: "action", as: String.self)):\(try $0.decode(column: "lane", as: Int.self))"
                }
            }
            #expect(lanes == ["test.hold:1", "test.pass:2"])
            #expect(try await AuditVerifier.verify(platform.database).intact)
        }
    }

    /// Audit records and outbox messages gathered by a transaction are written once, in order,
    /// just before it commits, in batches that fit SQLite's bind limit.
    @Test func gatheredWritesLandAtCommitInOrder() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            try await platform.database.transaction { db in
                for i in 0..<1_200 {
                    try await AuditLog.record(
                        AuditEntry(principal: .system(), action: "test.bulk", targetType: "t", targetID: "\(i)", requestID: nil),
                        on: db
                    )
                    try await Outbox.enqueue(topic: "test", key: "k\(i % 700)", payload: "\(i)", on: db, now: 1)
                }
                let visible = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log").first()?
                    .decode(column: "n", as: Int.self)
                #expect(visible == 0)
            }
            let result = try await AuditVerifier.verify(platform.database)
            #expect(result.intact && result.checked == 1_200)
            let payloads = try await platform.database.read { db in
                try await db.select().column("payload").from("outbox_messages").where("topic", .equal, "test").orderBy("id").all()
                    .map { try $0.decode(column: "payload", as: String.self) }
            }
            #expect(payloads == (0..<700).map(String.init))
        }
    }

    @Test func sqliteRunsInWALModeWithABusyTimeout() async throws {
        guard TestEnvironment.engine == .sqlite else { return }
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let mode = try await platform.database.read {
                try await $0.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            }
            let timeout = try await platform.database.read {
                try await $0.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self)
            }
            #expect(mode == "wal")
            #expect(timeout == 10000)
        }
    }

    @Test func configurationFromTheEnvironment() throws {
        let config = try AppConfig.fromEnvironment([
            "CQS_DATABASE_URL": "postgres://u@h/db", "CQS_HTTP_PORT": "9000", "CQS_LOG_FORMAT": "json",
            "CQS_LOG_LEVEL": "debug", "CQS_DEMO_DATA": "false", "CQS_OFFICE_HOURS": "07:00-11:00",
        ])
        #expect(config.port == 9000 && config.logFormat == .json && config.logLevel == .debug && !config.demoData)
        #expect(config.databaseURL == .postgres(host: "h", port: 5432, username: "u", password: nil, database: "db", requireTLS: false))
        #expect(config.officeHours.opening == LocalTime(hour: 7))
        #expect(throws: ValidationError.self) { try AppConfig.fromEnvironment(["CQS_HTTP_PORT": "99999"]) }
        #expect(throws: ValidationError.self) { try AppConfig.fromEnvironment(["CQS_LOG_FORMAT": "xml"]) }
        #expect(try AppConfig.fromEnvironment([:]).databaseURL == .sqlite(path: "./cqs-data/cqs.sqlite"))
    }

    @Test func databaseURLParsing() throws {
        #expect(try DatabaseURL.parse("./cqs-data/cqs.sqlite") == .sqlite(path: "./cqs-data/cqs.sqlite"))
        #expect(try DatabaseURL.parse("sqlite:///tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        let pg = try DatabaseURL.parse("postgres://cqs:s%40cret@db.local:5433/cqs?sslmode=require")
        #expect(pg == .postgres(host: "db.local", port: 5433, username: "cqs", password: "s@cret", database: "cqs", requireTLS: true))
        #expect(!pg.description.contains("s@cret"))
        #expect(throws: ValidationError.self) { try DatabaseURL.parse("postgres://") }
    }
}

@Suite struct AuditTests {
    /// A platform with a few audit records.
    func withRecords(_ body: @Sendable (Platform) async throws -> Void) async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            for i in 1...5 {
                try await platform.database.transaction { db in
                    try await AuditLog.record(
                        AuditEntry(
                            principal: .system("tester"),
                            action: "test.step",
                            targetType: "thing",
                            targetID: "\(i)",
                            requestID: "req-\(i)",
                            change: ["value": "\(i)", "tên": "Đồng Nai"]
                        ),
                        on: db
                    )
                }
            }
            try await body(platform)
        }
    }

    func tamper(_ platform: Platform, _ sql: String) async throws {
        try await platform.database.transaction { db in try await db.raw(SQLQueryString(sql)).run() }
    }

    @Test func anIntactChainVerifies() async throws {
        try await withRecords { platform in
            let result = try await AuditVerifier.verify(platform.database)
            #expect(result.intact && result.checked == 5 && result.firstBrokenSeq == nil)
            let request = try PageRequest(limit: 2)
            let page = try await AuditLog.list(platform.database, page: request)
            #expect(page.items.map(\.seq) == [5, 4])
            #expect(page.items.first?.details.contains("Đồng Nai") == true)
            #expect(page.nextCursor != nil)
        }
    }

    @Test func editedDetailsAreCaught() async throws {
        try await withRecords { platform in
            try await tamper(platform, #"UPDATE audit_log SET details = '{"value":"999"}' WHERE seq = 3"#)
            let result = try await AuditVerifier.verify(platform.database)
            #expect(!result.intact)
            #expect(result.firstBrokenSeq == 3)
        }
    }

    @Test func editedFieldsAreCaught() async throws {
        try await withRecords { platform in
            try await tamper(platform, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
            #expect(try await AuditVerifier.verify(platform.database).firstBrokenSeq == 2)
        }
    }

    @Test func deletedRecordsAreCaught() async throws {
        try await withRecords { platform in
            try await tamper(platform, "DELETE FROM audit_log WHERE seq = 4")
            let result = try await AuditVerifier.verify(platform.database)
            #expect(result.firstBrokenSeq == 4)
            #expect(result.reason?.contains("missing") == true)
        }
    }

    @Test func truncatedTailIsCaught() async throws {
        try await withRecords { platform in
            try await tamper(platform, "DELETE FROM audit_log WHERE seq = 5")
            let result = try await AuditVerifier.verify(platform.database)
            #expect(!result.intact)
            #expect(result.firstBrokenSeq == 5)
        }
    }
}

@Suite struct AuditCanonicalTextTests {
    /// The audit details are hashed as text: the writer must give the same text JSONSerialization
    /// gave (records written before keep verifying) and valid JSON for any value.
    @Test func canonicalTextIsSortedEscapedJSON() throws {
        let change = ["note": "Đơn \"gấp\"\\ngày 1/2\n\t\u{1}\u{1F}\u{08}\u{0C}\r", "agency": "000.00.05.H19", "a/b": "", "Ủy": "x"]
        let text = AuditRecord.canonical(change)
        let reference = String(
            decoding: try JSONSerialization.data(withJSONObject: change, options: [.sortedKeys, .withoutEscapingSlashes]),
            as: UTF8.self
        )
        #expect(text == reference)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] == change)
        #expect(AuditRecord.canonical([:]) == "{}")
    }
}
