import Core
import Dossiers
import Foundation
import Logging
import SQLKit
import Server
import Storage
import Testing

@testable import Audit

/// The audit chain against someone with write access to the database (issue "security
/// hardening", case 3): they rewrite a record and re-hash everything after it, or remove the
/// newest records and step the head back. The chain alone cannot tell; its signed anchors,
/// kept outside the database, do.
@Suite struct AuditAnchorTests {
    /// Records, oldest first, as the attacker reads them.
    static func records(_ platform: Platform) async throws -> [AuditRecord] {
        try await platform.database.read { db in
            try await db.select().column("*").from("audit_log").orderBy("seq").all(
                decoding: AuditRecord.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
        }
    }

    /// Changes record `seq` of the lane and recomputes every later hash and the lane's head, as the testers did.
    static func rewrite(_ platform: Platform, lane: Int, from seq: Int64) async throws {
        let all = try await records(platform).filter { $0.lane == lane }
        let start = all.first { $0.laneSeq == seq - 1 }?.hash ?? AuditRecord.genesis
        try await platform.database.transaction { db in
            var prev = start
            for record in all where record.laneSeq >= seq {
                let action = record.laneSeq == seq ? "dossier.nothing-happened" : record.action
                let hash = AuditRecord.chainHash(
                    prevHash: prev,
                    lane: lane,
                    seq: record.laneSeq,
                    occurredAt: record.occurredAt,
                    actorUserId: record.actorUserId,
                    actor: record.actor,
                    actorRole: record.actorRole,
                    agency: record.agency,
                    action: action,
                    targetType: record.targetType,
                    targetId: record.targetId,
                    requestId: record.requestId,
                    changeDigest: record.changeDigest
                )
                try await db.update("audit_log").set("action", to: action).set("prev_hash", to: prev).set("hash", to: hash).where(
                    "seq",
                    .equal,
                    record.seq
                ).run()
                prev = hash
            }
            try await db.update("audit_head").set("last_hash", to: prev).where("id", .equal, lane).run()
        }
    }

    /// The one lane that sequential writes use, and its head as `anchor` names it.
    static func onlyHead(_ anchor: AuditAnchor) throws -> AuditLaneHead {
        try #require(anchor.heads.count == 1 ? anchor.heads.first : nil, "one writer at a time uses one lane: \(anchor.heads)")
    }

    static func addRecords(_ platform: Platform, _ count: Int) async throws {
        let counter = try #require(try await platform.accounts.account(username: "motcua.ttpvhcc")).principal
        for _ in 0..<count {
            _ = try await platform.dossiers.create(
                NewDossier(procedureCode: "2.000488", agencyIdentifier: nil, applicant: Applicant(fullName: "A", phone: "0912345678")),
                by: counter,
                requestID: nil
            )
        }
    }

    @Test func aRewrittenAndRehashedChainIsCaughtByItsAnchors() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.addRecords(platform, 3)
            let first = try #require(try await platform.anchorAudit())
            #expect(try await platform.anchorAudit() == nil)  // nothing new
            try await Self.addRecords(platform, 3)
            let second = try #require(try await platform.anchorAudit())
            try await Self.addRecords(platform, 2)
            // A line added to the file by someone without the key proves nothing (here: a false hash).
            let head = try Self.onlyHead(first)
            let lane = head.lane
            try platform.auditAnchors.append(
                AuditAnchor(
                    heads: [AuditLaneHead(lane: lane, seq: try Self.onlyHead(second).seq, hash: String(repeating: "f", count: 64))],
                    at: second.at + 1,
                    key: second.key,
                    signature: second.signature
                )
            )
            var verdict = try await platform.verifyAudit()
            #expect(verdict.intact && verdict.anchorsChecked == 2 && verdict.anchoredThrough == second.records, "\(verdict)")
            // The attacker rewrites a record between the two anchors and re-hashes the rest.
            try await Self.rewrite(platform, lane: lane, from: head.seq + 2)
            #expect(try await AuditVerifier.verify(platform.database).intact, "the chain alone is fooled")
            verdict = try await platform.verifyAudit()
            #expect(!verdict.intact && verdict.firstBrokenLane == lane && verdict.firstBrokenSeq == head.seq + 1, "\(verdict)")
            #expect(verdict.reason?.contains("rewritten after lane \(lane) record \(head.seq)") == true)
        }
    }

    @Test func removingTheNewestRecordsIsCaughtByItsAnchors() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.addRecords(platform, 2)
            let anchor = try #require(try await platform.anchorAudit())
            // Delete the newest rows and step the lane's head back to the one before.
            let head = try Self.onlyHead(anchor)
            let kept = head.seq - 2
            let hash = try #require(try await Self.records(platform).first { $0.lane == head.lane && $0.laneSeq == kept }?.hash)
            try await platform.database.transaction { db in
                try await db.delete(from: "audit_log").where("lane", .equal, head.lane).where("lane_seq", .greaterThan, kept).run()
                try await db.update("audit_head").set("seq", to: kept).set("last_hash", to: hash).where("id", .equal, head.lane).run()
            }
            #expect(try await AuditVerifier.verify(platform.database).intact, "the chain alone is fooled")
            let verdict = try await platform.verifyAudit()
            #expect(!verdict.intact && verdict.firstBrokenSeq == kept + 1 && verdict.reason?.contains("removed") == true, "\(verdict)")
        }
    }

    /// A database from before lanes: its single chain (written by the old writer, anchored by
    /// an old anchor line) becomes lane 0 and keeps verifying; new records go to the lanes.
    @Test func aChainFromBeforeLanesKeepsVerifyingWithItsOldAnchors() async throws {
        try await TestEnvironment.withPlatform(seed: false, migrated: false) { platform in
            _ = try await Migrator.migrate(platform.database, Schema.migrations.filter { $0.id != "audit.3" }, logger: Logger(label: "test"))
            let prev = try await platform.database.transaction { db in
                var prev = AuditRecord.genesis
                for seq in Int64(1)...3 {
                    let digest = AuditRecord.digest("{}")
                    let hash = AuditRecord.chainHash(
                        prevHash: prev,
                        lane: 0,
                        seq: seq,
                        occurredAt: seq,
                        actorUserId: nil,
                        actor: "system",
                        actorRole: "system",
                        agency: nil,
                        action: "legacy.write",
                        targetType: "t",
                        targetId: "\(seq)",
                        requestId: nil,
                        changeDigest: digest
                    )
                    try await db.insert(into: "audit_log")
                        .columns(
                            "seq",
                            "occurred_at",
                            "actor",
                            "actor_role",
                            "action",
                            "target_type",
                            "target_id",
                            "change_digest",
                            "details",
                            "prev_hash",
                            "hash"
                        )
                        .values(
                            SQLBind(seq),
                            SQLBind(seq),
                            SQLBind("system"),
                            SQLBind("system"),
                            SQLBind("legacy.write"),
                            SQLBind("t"),
                            SQLBind("\(seq)"),
                            SQLBind(digest),
                            SQLBind("{}"),
                            SQLBind(prev),
                            SQLBind(hash)
                        ).run()
                    prev = hash
                }
                try await db.update("audit_head").set("seq", to: 3).set("last_hash", to: prev).where("id", .equal, 1).run()
                return prev
            }
            // The anchor line as the old code wrote it.
            let key = platform.auditAnchorKey
            let signature = try key.privateKey.signature(for: Data("cqs-audit-anchor|3|\(prev)|1".utf8)).rawRepresentation.base64EncodedString()
            let line = #"{"at":1,"hash":"\#(prev)","key":"\#(key.publicKey)","seq":3,"signature":"\#(signature)"}"#
            try platform.auditAnchors.append(try JSONDecoder().decode(AuditAnchor.self, from: Data(line.utf8)))
            try await platform.migrate()
            try await platform.database.transaction { db in
                try await AuditLog.record(
                    AuditEntry(principal: .system(), action: "test.after", targetType: "t", targetID: "4", requestID: nil),
                    on: db
                )
            }
            var verdict = try await platform.verifyAudit()
            #expect(verdict.intact && verdict.checked == 4 && verdict.anchorsChecked == 1, "\(verdict)")
            #expect(try await Self.records(platform).map(\.lane) == [0, 0, 0, 1])
            let anchor = try #require(try await platform.anchorAudit())
            #expect(anchor.heads.map(\.lane) == [0, 1] && anchor.records == 4)
            // Rewriting the old chain is still caught by the old anchor.
            try await Self.rewrite(platform, lane: 0, from: 2)
            verdict = try await platform.verifyAudit()
            #expect(!verdict.intact && verdict.firstBrokenLane == 0 && verdict.firstBrokenSeq == 1, "\(verdict)")
        }
    }

    @Test func anchorsAreSignedByTheMasterKeyAlone() throws {
        let key = AuditAnchorKey(masterKey: .init(size: .bits256))
        let heads = [AuditLaneHead(lane: 1, seq: 7, hash: String(repeating: "a", count: 64)), AuditLaneHead(lane: 2, seq: 3, hash: "b")]
        let anchor = try key.anchor(heads: heads, at: 1)
        #expect(key.signed(anchor))
        #expect(!AuditAnchorKey(masterKey: .init(size: .bits256)).signed(anchor))
        let moved = AuditAnchor(
            heads: [heads[0], AuditLaneHead(lane: 2, seq: 4, hash: "b")],
            at: anchor.at,
            key: anchor.key,
            signature: anchor.signature
        )
        #expect(!key.signed(moved))
        let dropped = AuditAnchor(heads: [heads[0]], at: anchor.at, key: anchor.key, signature: anchor.signature)
        #expect(!key.signed(dropped))
    }
}
