import Core
import DocumentExchange
import Foundation
import Server
import Signatures
import Testing

/// The enveloped XML signature of edXML packages, checked by us and by xmlsec1.
@Suite struct XMLSignatureTests {
    func xmlsec(_ arguments: [String]) throws -> (Int32, String) { try runTool("/usr/bin/xmlsec1", arguments) }

    @Test(arguments: [KeyAlgorithm.rsa2048, .p256])
    func signedPackagesVerifyHereAndInXmlsec(algorithm: KeyAlgorithm) async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let ca = try await platform.certificates.initialize(
                commonName: "CA Đồng Nai",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .p256,
                by: .system()
            )
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: "000.00.00.H19",
                commonName: "UBND tỉnh Đồng Nai",
                organization: "UBND tỉnh Đồng Nai",
                algorithm: algorithm,
                by: .system()
            )
            let document = EdXMLTests.document()
            let signature = try await platform.certificates.signPackage(document, today: EdXMLTests.today, as: "000.00.00.H19")
            let package = try EdXMLEncoder.encode(document, today: EdXMLTests.today, signature: signature)
            // Ours.
            let found = try #require(try XMLSignatureInspector.inspect(package))
            #expect(found.claimedDigest == found.actualDigest && found.problems.isEmpty && found.warnings.isEmpty)
            let report = try await platform.certificates.verifyRaw(
                found.value,
                over: found.signedInfo,
                algorithm: try #require(found.algorithm),
                certificatesDER: found.certificatesDER,
                sender: "000.00.00.H19"
            )
            #expect(report.valid, "\(report.problems)")
            // Still a valid edXML message.
            let decoded = try EdXMLDecoder(attachmentsFolder: FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString))
                .decodeDocument(from: package, today: EdXMLTests.today)
            #expect(decoded.subject == document.subject)
            // xmlsec1 agrees, and both notice a change.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-xmldsig-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try ca.pem.write(to: dir.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
            try package.write(to: dir.appendingPathComponent("package.xml"))
            let (status, output) = try xmlsec([
                "--verify", "--trusted-pem", dir.appendingPathComponent("ca.pem").path, dir.appendingPathComponent("package.xml").path,
            ])
            #expect(status == 0, "\(output)")
            let tampered = Data(
                String(decoding: package, as: UTF8.self).replacingOccurrences(of: "chuyển đổi số năm 2027", with: "chuyển đổi số năm 2028").utf8
            )
            try tampered.write(to: dir.appendingPathComponent("tampered.xml"))
            let (refused, _) = try xmlsec([
                "--verify", "--trusted-pem", dir.appendingPathComponent("ca.pem").path, dir.appendingPathComponent("tampered.xml").path,
            ])
            #expect(refused != 0)
            let changed = try #require(try XMLSignatureInspector.inspect(tampered))
            #expect(changed.claimedDigest != changed.actualDigest)
            try? FileManager.default.removeItem(at: dir)
        }
    }
}
