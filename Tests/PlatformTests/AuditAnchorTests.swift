import Core
import Dossiers
import Foundation
import SQLKit
import Server
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

    /// Changes record `seq`'s action and recomputes every later hash and the head, as the testers did.
    static func rewrite(_ platform: Platform, from seq: Int64) async throws {
        let all = try await records(platform)
        let start = all.first { $0.seq == seq - 1 }?.hash ?? AuditRecord.genesis
        try await platform.database.transaction { db in
            var prev = start
            for record in all where record.seq >= seq {
                let action = record.seq == seq ? "dossier.nothing-happened" : record.action
                let hash = AuditRecord.chainHash(
                    prevHash: prev,
                    seq: record.seq,
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
            try await db.update("audit_head").set("last_hash", to: prev).where("id", .equal, 1).run()
        }
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
            try platform.auditAnchors.append(
                AuditAnchor(
                    seq: second.seq,
                    hash: String(repeating: "f", count: 64),
                    at: second.at + 1,
                    key: second.key,
                    signature: second.signature
                )
            )
            var verdict = try await platform.verifyAudit()
            #expect(verdict.intact && verdict.anchorsChecked == 2 && verdict.anchoredThrough == second.seq, "\(verdict)")
            // The attacker rewrites a record between the two anchors and re-hashes the rest.
            try await Self.rewrite(platform, from: first.seq + 2)
            #expect(try await AuditVerifier.verify(platform.database).intact, "the chain alone is fooled")
            verdict = try await platform.verifyAudit()
            #expect(!verdict.intact && verdict.firstBrokenSeq == first.seq + 1, "\(verdict)")
            #expect(verdict.reason?.contains("rewritten after record \(first.seq)") == true)
        }
    }

    @Test func removingTheNewestRecordsIsCaughtByItsAnchors() async throws {
        try await TestEnvironment.withPlatform { platform in
            try await Self.addRecords(platform, 2)
            let anchor = try #require(try await platform.anchorAudit())
            // Delete the newest rows and step the head back to the one before.
            let kept = anchor.seq - 2
            let hash = try #require(try await Self.records(platform).first { $0.seq == kept }?.hash)
            try await platform.database.transaction { db in
                try await db.delete(from: "audit_log").where("seq", .greaterThan, kept).run()
                try await db.update("audit_head").set("seq", to: kept).set("last_hash", to: hash).where("id", .equal, 1).run()
            }
            #expect(try await AuditVerifier.verify(platform.database).intact, "the chain alone is fooled")
            let verdict = try await platform.verifyAudit()
            #expect(!verdict.intact && verdict.firstBrokenSeq == kept + 1 && verdict.reason?.contains("removed") == true, "\(verdict)")
        }
    }

    @Test func anchorsAreSignedByTheMasterKeyAlone() throws {
        let key = AuditAnchorKey(masterKey: .init(size: .bits256))
        let anchor = try key.anchor(seq: 7, hash: String(repeating: "a", count: 64), at: 1)
        #expect(key.signed(anchor))
        #expect(!AuditAnchorKey(masterKey: .init(size: .bits256)).signed(anchor))
        let moved = AuditAnchor(seq: 8, hash: anchor.hash, at: anchor.at, key: anchor.key, signature: anchor.signature)
        #expect(!key.signed(moved))
    }
}
