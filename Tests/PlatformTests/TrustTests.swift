import Core
import Crypto
import Foundation
import SQLKit
import Server
import SwiftASN1
import Synchronization
import Testing
@_spi(CMS) import X509

@testable import Signatures

/// A throw-away PKI made by the real `openssl`: a root, an intermediate under it, leaves.
struct OpenSSLPKI {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        [ca]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [leaf]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature, nonRepudiation
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        """.write(to: dir.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        try run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("root.key"), "-out", path("root.pem"), "-subj",
            "/C=VN/O=Test Root/CN=Root CA",
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    func data(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let (status, output) = try openssl(arguments)
        guard status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(output)") }
        return output
    }

    /// A certificate `name` (key `name.key`) issued by `issuer`, with the `ca` or `leaf` extensions.
    func issue(_ name: String, subject: String, by issuer: String, section: String, key: String = "rsa:2048") throws {
        try run(["req", "-newkey", key, "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try run([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key"), "-CAcreateserial",
            "-out", path("\(name).pem"), "-days", "365", "-extfile", path("ext.cnf"), "-extensions", section,
        ])
    }

    func write(_ data: Data, _ name: String) throws { try data.write(to: dir.appendingPathComponent(name)) }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// Certificate paths, revocation, trusted time and signer selection (issue "trust hardening").
@Suite struct TrustTests {
    static let document = SignatureTests.document

    @Test func aRevokedAuthorityInvalidatesEverythingBelowIt() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let certificates = platform.certificates
            let ca = try await certificates.initialize(
                commonName: "CA Đồng Nai",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .rsa2048,
                by: .system()
            )
            _ = try await certificates.issue(
                kind: .agency,
                owner: "000.00.01.H19",
                commonName: "VP UBND",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .p256,
                by: .system()
            )
            let (signature, _) = try await certificates.sign(Self.document, as: "000.00.01.H19", by: .system(), requestID: nil)
            #expect(try await certificates.verify(Data(signature), content: Self.document).valid)
            // The CA key leaks: a certificate made with it outside the platform, by openssl.
            let pki = try OpenSSLPKI()
            defer { pki.remove() }
            try ca.pem.write(toFile: pki.path("leaked.pem"), atomically: true, encoding: .utf8)
            try await certificates.exportPrivateKey(serial: ca.serial, by: .system()).write(
                toFile: pki.path("leaked.key"),
                atomically: true,
                encoding: .utf8
            )
            try pki.issue("rogue", subject: "/C=VN/O=UBND tinh Dong Nai/CN=000.00.01.H19", by: "leaked", section: "leaf")
            try pki.write(Self.document, "doc.txt")
            try pki.run([
                "cms", "-sign", "-binary", "-md", "sha256", "-in", pki.path("doc.txt"), "-signer", pki.path("rogue.pem"), "-inkey",
                pki.path("rogue.key"),
                "-outform", "DER", "-out", pki.path("rogue.p7s"),
            ])
            #expect(try await certificates.verify(try pki.data("rogue.p7s"), content: Self.document).valid)  // before the revocation
            // Not stored here: it belongs to the agency its subject names as a whole word, no other.
            #expect(
                try await certificates.verify(try pki.data("rogue.p7s"), content: Self.document, sender: "000.00.01.H19").signerBelongsToSender
                    == true
            )
            #expect(
                try await certificates.verify(try pki.data("rogue.p7s"), content: Self.document, sender: "000.00.01.H1").signerBelongsToSender
                    == false
            )
            try await certificates.revoke(serial: ca.serial, reason: "key compromise", by: .system())
            for bytes in [Data(signature), try pki.data("rogue.p7s")] {
                let report = try await certificates.verify(bytes, content: Self.document)
                #expect(!report.valid && report.revoked && report.problems.contains { $0.contains("revoked") }, "\(report)")
            }
            // And nothing more is issued under it.
            await expectRefusal(.conflict("No certificate authority yet (cqs pki init")) {
                try await certificates.issue(
                    kind: .agency,
                    owner: "000.00.02.H19",
                    commonName: "X",
                    organization: "Y",
                    algorithm: .p256,
                    by: .system()
                )
            }
        }
    }

    @Test func aBackdatedSigningTimeDoesNotRescueAnExpiredCertificate() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let pki = try OpenSSLPKI()
            defer { pki.remove() }
            _ = try await platform.certificates.importAuthority(certificatePEM: try pki.text("root.pem"), privateKeyPEM: nil, by: .system())
            // A certificate valid 2023–2025 under the trusted root (openssl 3.0 cannot backdate, so it is made here).
            let rootKey = try Certificate.PrivateKey(pemEncoded: try pki.text("root.key"))
            let root = try Certificate(pemEncoded: try pki.text("root.pem"))
            let key = P256.Signing.PrivateKey()
            func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
            let expired = try Certificate(
                version: .v3,
                serialNumber: .init(),
                publicKey: .init(key.publicKey),
                notValidBefore: date("2023-01-01T00:00:00Z"),
                notValidAfter: date("2025-01-01T00:00:00Z"),
                issuer: root.subject,
                subject: try DistinguishedName { CommonName("Expired signer") },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) },
                issuerPrivateKey: rootKey
            )
            // Signed today, claiming a 2024 signing time.
            let signature = try CMSSignature.sign(Self.document, certificate: expired, key: .init(key), at: date("2024-06-01T08:00:00Z"))
            let report = try await platform.certificates.verify(Data(signature), content: Self.document)
            #expect(!report.valid && !report.withinValidity && report.trustedTimeSource == "verification", "\(report)")
            #expect(report.signingTime == date("2024-06-01T08:00:00Z").epochMillis)
            // OpenSSL refuses it too.
            try pki.write(Data(signature), "old.p7s")
            try pki.write(Self.document, "doc.txt")
            let (status, _) = try openssl([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", pki.path("old.p7s"), "-content", pki.path("doc.txt"),
                "-CAfile", pki.path("root.pem"), "-purpose", "any", "-out", "/dev/null",
            ])
            #expect(status != 0)
            // An already-expired certificate cannot be imported.
            var serializer = DER.Serializer()
            try serializer.serialize(expired)
            let expiredPEM = PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString
            await expectRefusal(.invalid("certificate")) {
                try await platform.certificates.importSigning(
                    kind: .agency,
                    owner: "000.00.01.H19",
                    certificatePEM: expiredPEM,
                    privateKeyPEM: try Certificate.PrivateKey(key).serializeAsPEM().pemString,
                    by: .system()
                )
            }
        }
    }

    @Test func chainsThroughIntermediatesAndSignersNamedByKeyIdentifier() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let pki = try OpenSSLPKI()
            defer { pki.remove() }
            try pki.issue("intermediate", subject: "/C=VN/O=Test/CN=Intermediate CA", by: "root", section: "ca")
            try pki.issue("leaf", subject: "/C=VN/O=Test/CN=Leaf signer", by: "intermediate", section: "leaf")
            _ = try await platform.certificates.importAuthority(certificatePEM: try pki.text("root.pem"), privateKeyPEM: nil, by: .system())
            try pki.write(Self.document, "doc.txt")
            let signing = [
                "cms", "-sign", "-binary", "-md", "sha256", "-in", pki.path("doc.txt"), "-signer", pki.path("leaf.pem"), "-inkey",
                pki.path("leaf.key"),
                "-certfile", pki.path("intermediate.pem"), "-outform", "DER",
            ]
            try pki.run(signing + ["-out", pki.path("serial.p7s")])
            try pki.run(signing + ["-keyid", "-out", pki.path("keyid.p7s")])
            try pki.run(signing + ["-keyopt", "rsa_padding_mode:pss", "-out", pki.path("pss.p7s")])
            for name in ["serial.p7s", "keyid.p7s", "pss.p7s"] {
                // OpenSSL accepts each with only the root trusted, and so do we.
                let (status, output) = try openssl([
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", pki.path(name), "-content", pki.path("doc.txt"),
                    "-CAfile", pki.path("root.pem"), "-purpose", "any", "-out", "/dev/null",
                ])
                #expect(status == 0, "\(name): \(output)")
                let report = try await platform.certificates.verify(try pki.data(name), content: Self.document)
                #expect(report.valid && report.signer?.contains("Leaf signer") == true, "\(name): \(report)")
                var changed = Self.document
                changed[1] ^= 1
                #expect(try await platform.certificates.verify(try pki.data(name), content: changed).valid == false)
            }
            // Without the intermediate in the signature, the path cannot be built (OpenSSL agrees).
            try pki.run([
                "cms", "-sign", "-binary", "-md", "sha256", "-in", pki.path("doc.txt"), "-signer", pki.path("leaf.pem"), "-inkey",
                pki.path("leaf.key"),
                "-outform", "DER", "-out", pki.path("alone.p7s"),
            ])
            let (alone, _) = try openssl([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", pki.path("alone.p7s"), "-content", pki.path("doc.txt"),
                "-CAfile", pki.path("root.pem"), "-purpose", "any", "-out", "/dev/null",
            ])
            #expect(alone != 0)
            let report = try await platform.certificates.verify(try pki.data("alone.p7s"), content: Self.document)
            #expect(!report.valid && !report.trustedSigner)
            // A leaf under the intermediate can be imported (without its key) for an agency; and
            // revoking the intermediate invalidates what the leaf signed.
            let leaf = try await platform.certificates.importSigning(
                kind: .agency,
                owner: "000.00.01.H19",
                certificatePEM: try pki.text("leaf.pem"),
                privateKeyPEM: nil,
                intermediatesPEM: [try pki.text("intermediate.pem")],
                by: .system()
            )
            #expect(try await platform.certificates.signingCertificate(of: "000.00.01.H19") == nil && leaf.owner == "000.00.01.H19")
            let intermediate = try await platform.certificates.importAuthority(
                certificatePEM: try pki.text("intermediate.pem"),
                privateKeyPEM: nil,
                by: .system()
            )
            try await platform.certificates.revoke(serial: intermediate.serial, reason: "cessation of operation", by: .system())
            let revoked = try await platform.certificates.verify(try pki.data("keyid.p7s"), content: Self.document)
            #expect(!revoked.valid && revoked.revoked, "\(revoked)")
        }
    }

    @Test func platformSignaturesCarryATimeStampTokenThatOpenSSLAccepts() async throws {
        let now = Mutex(Date())
        try await TestEnvironment.withPlatform(seed: false, clock: WallClock { now.withLock { $0 } }) { platform in
            let certificates = platform.certificates
            let ca = try await certificates.initialize(commonName: "CA Đồng Nai", organization: "UBND tỉnh Đồng Nai", algorithm: .p256, by: .system())
            let issued = try await certificates.issue(
                kind: .agency,
                owner: "000.00.01.H19",
                commonName: "VP UBND",
                organization: "UBND",
                algorithm: .rsa2048,
                years: 1,
                by: .system()
            )
            let (signature, _) = try await certificates.sign(Self.document, as: "000.00.01.H19", by: .system(), requestID: nil)
            let report = try await certificates.verify(Data(signature), content: Self.document)
            #expect(report.valid && report.trustedTimeSource == "timestamp", "\(report)")
            // OpenSSL: the signature verifies, and so does its token over the signature value.
            let pki = try OpenSSLPKI()
            defer { pki.remove() }
            try ca.pem.write(toFile: pki.path("ca.pem"), atomically: true, encoding: .utf8)
            try (try #require(try await certificates.signingCertificate(of: CertificateAuthority.timeStampOwner))).pem
                .write(toFile: pki.path("tsa.pem"), atomically: true, encoding: .utf8)
            try pki.write(Self.document, "doc.txt")
            try pki.write(Data(signature), "doc.p7s")
            let signer = try #require(try CMSSignature.parse(signature).signers.first)
            try pki.write(Data(try #require(signer.timeStampToken)), "token.der")
            try pki.write(Data(signer.signature), "value.bin")
            try pki.run([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", pki.path("doc.p7s"), "-content", pki.path("doc.txt"), "-CAfile",
                pki.path("ca.pem"),
                "-purpose", "any", "-out", "/dev/null",
            ])
            let verified = try pki.run([
                "ts", "-verify", "-token_in", "-in", pki.path("token.der"), "-data", pki.path("value.bin"), "-CAfile", pki.path("ca.pem"),
                "-untrusted", pki.path("tsa.pem"),
            ])
            #expect(verified.contains("OK"), "\(verified)")
            try pki.write(Data("another signature".utf8), "other.bin")
            #expect(
                try openssl([
                    "ts", "-verify", "-token_in", "-in", pki.path("token.der"), "-data", pki.path("other.bin"), "-CAfile", pki.path("ca.pem"),
                    "-untrusted", pki.path("tsa.pem"),
                ]).status != 0
            )
            // Proven signing time: still valid after the certificate expired, and after it was revoked.
            now.withLock { $0 = $0.addingTimeInterval(400 * 86400) }
            let later = try await certificates.verify(Data(signature), content: Self.document)
            #expect(later.valid && later.trustedTimeSource == "timestamp", "\(later)")
            try await certificates.revoke(serial: issued.serial, reason: "superseded", by: .system())
            #expect(try await certificates.verify(Data(signature), content: Self.document).valid)
            // A signature without a token is judged at the moment of checking: expired.
            let untimed = try CMSSignature.sign(
                Self.document,
                certificate: try Certificate(pemEncoded: issued.pem),
                key: try Certificate.PrivateKey(pemEncoded: try await certificates.exportPrivateKey(serial: issued.serial, by: .system())),
                at: now.withLock { $0 }.addingTimeInterval(-399 * 86400)
            )
            let judgedNow = try await certificates.verify(Data(untimed), content: Self.document)
            #expect(!judgedNow.valid && judgedNow.trustedTimeSource == "verification")
        }
    }

    @Test func staffCertificatesKnowTheirAgency() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await platform.certificates.initialize(commonName: "CA", organization: "UBND", algorithm: .p256, by: .system())
            let issued = try await platform.certificates.issue(
                kind: .staff,
                owner: "lanhdao.sxd",
                commonName: "Phan Văn Dựng",
                organization: "Sở Xây dựng",
                algorithm: .p256,
                by: .system()
            )
            let (signature, _) = try await platform.certificates.sign(Self.document, as: "lanhdao.sxd", by: .system(), requestID: nil)
            #expect(try await platform.certificates.verify(Data(signature), content: Self.document, sender: "000.00.05.H19").valid)
            // One issued before certificates recorded it gets it from the account on migration.
            try await platform.database.transaction { db in
                try await db.update("pki_certificates").set("agency", to: SQLLiteral.null).where("serial", .equal, issued.serial).run()
            }
            #expect(try await platform.certificates.recordStaffAgencies() == 1)
            #expect(try await platform.certificates.verify(Data(signature), content: Self.document, sender: "000.00.05.H19").valid)
            #expect(try await platform.certificates.verify(Data(signature), content: Self.document, sender: "000.00.06.H19").valid == false)
        }
    }

    @Test func aTrustChangeByAnotherInstanceIsSeenWithinASecond() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let other = CertificateAuthority(database: platform.database, vault: KeyVault(key: SymmetricKey(size: .bits256)))
            let ca = try await platform.certificates.initialize(commonName: "CA", organization: "UBND", algorithm: .p256, by: .system())
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: "000.00.01.H19",
                commonName: "VP",
                organization: "UBND",
                algorithm: .p256,
                by: .system()
            )
            let (signature, _) = try await platform.certificates.sign(Self.document, as: "000.00.01.H19", by: .system(), requestID: nil)
            #expect(try await other.verify(Data(signature), content: Self.document).valid)  // the other instance caches the trust list
            try await platform.certificates.revoke(serial: ca.serial, reason: "key compromise", by: .system())
            try await Task.sleep(for: .milliseconds(1100))
            let report = try await other.verify(Data(signature), content: Self.document)
            #expect(!report.valid && report.revoked)
        }
    }
}
