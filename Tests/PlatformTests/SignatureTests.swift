import Audit
import Core
import Foundation
import Server
import Signatures
import Testing
import X509

/// Runs the real `openssl` binary.
func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) { try runTool("/usr/bin/openssl", arguments) }

@Suite struct SignatureTests {
    static let document = Data("QUYẾT ĐỊNH số 15/QĐ-UBND về việc phê duyệt kế hoạch chuyển đổi số năm 2027.\n".utf8)

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-sig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func pki(_ platform: Platform, authority: KeyAlgorithm) async throws -> StoredCertificate {
        try await platform.certificates.initialize(
            commonName: "Tổ chức cấp chứng thư số tỉnh Đồng Nai",
            organization: "UBND tỉnh Đồng Nai",
            algorithm: authority,
            by: .system("pki")
        )
    }

    @Test(arguments: [(KeyAlgorithm.p256, KeyAlgorithm.p256), (.rsa2048, .rsa2048), (.p256, .rsa2048)])
    func ourSignaturesVerifyHereAndInOpenSSL(authority: KeyAlgorithm, signer: KeyAlgorithm) async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let ca = try await pki(platform, authority: authority)
            _ = try await platform.certificates.issue(
                kind: .staff,
                owner: "lanhdao.ubnd",
                commonName: "Nguyễn Văn Lãnh",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: signer,
                by: .system("pki")
            )
            let (signature, certificate) = try await platform.certificates.sign(Self.document, as: "lanhdao.ubnd", by: .system(), requestID: nil)
            let report = try await platform.certificates.verify(Data(signature), content: Self.document)
            #expect(report.valid, "\(report.problems)")
            // The audit names the signed content by its SHA-256 (read from the signature's attributes).
            let details = try await platform.database.read { db in
                try await db.select().column("details").from("audit_log").where("action", .equal, "signature.sign").first()?.decode(
                    column: "details",
                    as: String.self
                )
            }
            #expect(details?.contains(Digest.sha256Hex(Self.document)) == true)
            #expect(report.signer?.contains("Nguyễn Văn Lãnh") == true && report.signerSerial == certificate.serial && report.signingTime != nil)
            // A changed document is detected.
            var changed = Self.document
            changed[0] = 0x71
            let tampered = try await platform.certificates.verify(Data(signature), content: changed)
            #expect(!tampered.valid && !tampered.contentIntact)
            // OpenSSL agrees.
            let dir = try folder()
            try Self.document.write(to: dir.appendingPathComponent("doc.txt"))
            try Data(signature).write(to: dir.appendingPathComponent("doc.p7s"))
            try ca.pem.write(to: dir.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
            let result = try openssl([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", dir.appendingPathComponent("doc.p7s").path,
                "-content", dir.appendingPathComponent("doc.txt").path, "-CAfile", dir.appendingPathComponent("ca.pem").path,
                "-purpose", "any", "-out", "/dev/null",
            ])
            #expect(result.status == 0, "\(result.output)")
            try changed.write(to: dir.appendingPathComponent("doc.txt"))
            let refused = try openssl([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", dir.appendingPathComponent("doc.p7s").path,
                "-content", dir.appendingPathComponent("doc.txt").path, "-CAfile", dir.appendingPathComponent("ca.pem").path,
                "-purpose", "any", "-out", "/dev/null",
            ])
            #expect(refused.status != 0)
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test(arguments: [KeyAlgorithm.rsa2048, .p256])
    func openSSLSignaturesVerifyHere(signer: KeyAlgorithm) async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            _ = try await pki(platform, authority: .p256)
            let issued = try await platform.certificates.issue(
                kind: .agency,
                owner: "000.00.00.H19",
                commonName: "UBND tỉnh Đồng Nai",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: signer,
                by: .system("pki")
            )
            let dir = try folder()
            try Self.document.write(to: dir.appendingPathComponent("doc.txt"))
            try issued.pem.write(to: dir.appendingPathComponent("cert.pem"), atomically: true, encoding: .utf8)
            try await platform.certificates.exportPrivateKey(serial: issued.serial, by: .system("test"))
                .write(to: dir.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
            let made = try openssl([
                "cms", "-sign", "-binary", "-md", "sha256", "-in", dir.appendingPathComponent("doc.txt").path,
                "-signer", dir.appendingPathComponent("cert.pem").path, "-inkey", dir.appendingPathComponent("key.pem").path,
                "-outform", "DER", "-out", dir.appendingPathComponent("doc.p7s").path,
            ])
            #expect(made.status == 0, "\(made.output)")
            let signature = try Data(contentsOf: dir.appendingPathComponent("doc.p7s"))
            let report = try await platform.certificates.verify(signature, content: Self.document)
            #expect(report.valid, "\(report.problems)")
            #expect(report.signer?.contains("UBND tỉnh Đồng Nai") == true)
            // After revocation the same signature reports it.
            try await platform.certificates.revoke(serial: issued.serial, reason: "keyCompromise", by: .system("pki"))
            let revoked = try await platform.certificates.verify(signature, content: Self.document)
            #expect(!revoked.valid && revoked.revoked && revoked.signatureCorrect)
            await expectRefusal(.conflict("has no valid signing certificate")) {
                try await platform.certificates.sign(Self.document, as: "000.00.00.H19", by: .system(), requestID: nil)
            }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func signaturesFromAnotherAuthorityAreNotTrusted() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            _ = try await pki(platform, authority: .p256)
            let dir = try folder()
            // A self-made certificate and key, outside our authority.
            _ = try openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Mao danh",
                "-keyout", dir.appendingPathComponent("k.pem").path, "-out", dir.appendingPathComponent("c.pem").path, "-days", "30",
            ])
            try Self.document.write(to: dir.appendingPathComponent("doc.txt"))
            _ = try openssl([
                "cms", "-sign", "-binary", "-in", dir.appendingPathComponent("doc.txt").path, "-signer", dir.appendingPathComponent("c.pem").path,
                "-inkey", dir.appendingPathComponent("k.pem").path, "-outform", "DER", "-out", dir.appendingPathComponent("s.p7s").path,
            ])
            let report = try await platform.certificates.verify(try Data(contentsOf: dir.appendingPathComponent("s.p7s")), content: Self.document)
            #expect(!report.valid && report.signatureCorrect && !report.trustedSigner)
            let garbage = try await platform.certificates.verify(Data("not a signature".utf8), content: Self.document)
            #expect(!garbage.valid && !garbage.problems.isEmpty)
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func keysAreEncryptedAtRestAndEveryChangeIsAudited() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            _ = try await pki(platform, authority: .p256)
            // only one authority
            await expectRefusal(.conflict("A certificate authority already exists")) { try await pki(platform, authority: .p256) }
            let issued = try await platform.certificates.issue(
                kind: .staff,
                owner: "vanthu.vp",
                commonName: "Trần Thị Thư",
                organization: "VP UBND",
                algorithm: .p256,
                by: .system("pki")
            )
            let stored = try await platform.database.read { db in
                try await db.select().column("encrypted_key").from("pki_certificates").where("serial", .equal, issued.serial).first()?
                    .decode(column: "encrypted_key", as: String.self)
            }
            #expect(stored != nil && !(stored ?? "").contains("PRIVATE KEY"))
            let actions = try await AuditLog.list(platform.database, page: PageRequest(), action: "pki.").items.map(\.action)
            #expect(actions == ["pki.issue", "pki.init"])
            #expect(try await AuditVerifier.verify(platform.database).intact)
        }
    }

    @Test(arguments: [("ec", "ec_paramgen_curve:P-256"), ("rsa", "rsa_keygen_bits:2048")])
    func certificatesFromAnOutsideAuthorityAreImportedAndSign(algorithm: String, parameter: String) async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            // A CA and a signing certificate made outside, by OpenSSL (as a token vendor would).
            let dir = try folder()
            func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
            try "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n".write(
                toFile: path("leaf.ext"),
                atomically: true,
                encoding: .utf8
            )
            for step in [
                [
                    "req", "-x509", "-newkey", algorithm, "-pkeyopt", parameter, "-nodes", "-subj", "/CN=CA ngoai/O=Ban Co yeu", "-days", "365",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", path("ca.key"),
                    "-out", path("ca.pem"),
                ],
                [
                    "req", "-newkey", algorithm, "-pkeyopt", parameter, "-nodes", "-subj", "/CN=Van phong UBND/O=UBND tinh Dong Nai", "-keyout",
                    path("leaf.key"), "-out", path("leaf.csr"),
                ],
                [
                    "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial", "-days", "200",
                    "-extfile", path("leaf.ext"), "-out", path("leaf.pem"),
                ],
            ] {
                #expect(try openssl(step).status == 0, "\(step)")
            }
            let caPEM = try String(contentsOfFile: path("ca.pem"), encoding: .utf8)
            let leafPEM = try String(contentsOfFile: path("leaf.pem"), encoding: .utf8)
            let keyPEM = try String(contentsOfFile: path("leaf.key"), encoding: .utf8)
            let certificates = platform.certificates
            // Not trusted before its authority is imported; a CA is no signing certificate; keys must match.
            await expectRefusal(.invalid("certificate")) {
                try await certificates.importSigning(
                    kind: .agency,
                    owner: "000.00.01.H19",
                    certificatePEM: leafPEM,
                    privateKeyPEM: keyPEM,
                    by: .system()
                )
            }
            _ = try await certificates.importAuthority(certificatePEM: caPEM, privateKeyPEM: nil, by: .system("pki"))
            let caKey = try String(contentsOfFile: path("ca.key"), encoding: .utf8)
            await expectRefusal(.invalid("certificate")) {
                try await certificates.importSigning(
                    kind: .agency,
                    owner: "000.00.01.H19",
                    certificatePEM: caPEM,
                    privateKeyPEM: caKey,
                    by: .system()
                )
            }
            await expectRefusal(.invalid("privateKey")) {
                try await certificates.importSigning(
                    kind: .agency,
                    owner: "000.00.01.H19",
                    certificatePEM: leafPEM,
                    privateKeyPEM: caKey,
                    by: .system()
                )
            }
            let imported = try await certificates.importSigning(
                kind: .agency,
                owner: "000.00.01.H19",
                certificatePEM: leafPEM,
                privateKeyPEM: keyPEM,
                by: .system("pki")
            )
            #expect(imported.subject.contains("Van phong UBND"))
            // It signs: we verify it, and OpenSSL verifies it against the outside CA.
            let (signature, _) = try await certificates.sign(Self.document, as: "000.00.01.H19", by: .system(), requestID: nil)
            let report = try await certificates.verify(Data(signature), content: Self.document)
            #expect(report.valid && report.signerSerial == imported.serial, "\(report.problems)")
            try Data(signature).write(to: dir.appendingPathComponent("doc.p7s"))
            try Self.document.write(to: dir.appendingPathComponent("doc.txt"))
            let checked = try openssl([
                "cms", "-verify", "-binary", "-inform", "DER", "-in", path("doc.p7s"), "-content", path("doc.txt"),
                "-CAfile", path("ca.pem"), "-purpose", "any", "-out", "/dev/null",
            ])
            #expect(checked.status == 0, "\(checked.output)")
            try? FileManager.default.removeItem(at: dir)
        }
    }
}

@Suite struct SignatureAPITests {
    @Test func staffSignAndAnyoneSignedInVerifies() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            _ = try await platform.certificates.initialize(
                commonName: "CA Đồng Nai",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .p256,
                by: .system()
            )
            let admin = try await client.token("admin")
            let issued = try await client.json(
                "/api/v1/pki/certificates",
                method: .post,
                token: admin,
                body:
                    #"{"kind":"agency","owner":"000.00.01.H19","commonName":"Văn phòng UBND tỉnh","organization":"UBND tỉnh Đồng Nai","algorithm":"rsa-2048"}"#
            )
            #expect(issued.status == .created)
            let content = Data("Công văn số 12/UBND-VX".utf8).base64EncodedString()
            let clerk = try await client.token("vanthu.vp")
            let signed = try await client.json(
                "/api/v1/signatures/sign",
                method: .post,
                token: clerk,
                body: #"{"content":"\#(content)","signAs":"agency"}"#
            )
            #expect(signed.status == .ok, "\(signed.text)")
            let signature = try #require(signed.object?["signature"] as? String)
            let citizen = try await client.token(DemoData.citizen.phone)
            #expect(
                try await client.json("/api/v1/signatures/sign", method: .post, token: citizen, body: #"{"content":"\#(content)"}"#).status
                    == .forbidden
            )
            let noCertificate = try await client.json("/api/v1/signatures/sign", method: .post, token: clerk, body: #"{"content":"\#(content)"}"#)
            #expect(noCertificate.status == .conflict)  // the clerk has no personal certificate
            let verified = try await client.json(
                "/api/v1/signatures/verify",
                method: .post,
                token: citizen,
                body: #"{"content":"\#(content)","signature":"\#(signature)"}"#
            )
            #expect(verified.object?["valid"] as? Bool == true)
            let other = Data("Công văn số 13/UBND-VX".utf8).base64EncodedString()
            let changed = try await client.json(
                "/api/v1/signatures/verify",
                method: .post,
                token: citizen,
                body: #"{"content":"\#(other)","signature":"\#(signature)"}"#
            )
            #expect(changed.object?["valid"] as? Bool == false && changed.object?["contentIntact"] as? Bool == false)
            let ca = try await client.json("/api/v1/pki/authority")
            #expect(ca.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            let serial = try #require(issued.object?["serial"] as? String)
            #expect(
                try await client.json("/api/v1/pki/certificates/\(serial)/revoke", method: .post, token: admin, body: #"{"reason":"superseded"}"#)
                    .status == .noContent
            )
            let revoked = try await client.json(
                "/api/v1/signatures/verify",
                method: .post,
                token: citizen,
                body: #"{"content":"\#(content)","signature":"\#(signature)"}"#
            )
            // Time-stamped before the revocation, the signature stands; the certificate signs no more.
            #expect(revoked.object?["valid"] as? Bool == true && revoked.object?["trustedTimeSource"] as? String == "timestamp", "\(revoked.text)")
            #expect(
                try await client.json("/api/v1/signatures/sign", method: .post, token: clerk, body: #"{"content":"\#(content)","signAs":"agency"}"#)
                    .status == .conflict
            )
        }
    }
}
