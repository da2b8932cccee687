import Core
import Documents
import Foundation
import HummingbirdTesting
import Server
import Signatures
import Testing

@testable import DocumentExchange

/// XML-DSig of received packages as other systems sign them, wrapping, sender binding,
/// duplicates, half-written sends and the clerk's confirmation (issue "trust hardening").
@Suite struct PackageTrustTests {
    static let sender = "000.00.00.H19"
    static let document = EdXMLTests.document(attachments: [])
    static let today = VietnamTime.today()

    func xmlsec(_ arguments: [String]) throws -> (Int32, String) { try runTool("/usr/bin/xmlsec1", arguments) }

    /// The platform CA and an RSA agency certificate for the sender; the CA's PEM.
    func pki(_ platform: Platform, owner: String = sender) async throws -> String {
        let ca = try await platform.certificates.initialize(
            commonName: "CA Đồng Nai",
            organization: "UBND tỉnh Đồng Nai",
            algorithm: .p256,
            by: .system()
        )
        _ = try await platform.certificates.issue(
            kind: .agency,
            owner: owner,
            commonName: "UBND tỉnh Đồng Nai",
            organization: "UBND tỉnh Đồng Nai",
            algorithm: .rsa2048,
            by: .system()
        )
        return ca.pem
    }

    func signed(_ platform: Platform, _ document: EdXMLDocument = document, as owner: String = sender) async throws -> Data {
        let signature = try await platform.certificates.signPackage(document, today: Self.today, as: owner)
        return try EdXMLEncoder.encode(document, today: Self.today, signature: signature)
    }

    func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// A scratch folder with the sender's certificate and key (PEM) and the CA.
    func folder(_ platform: Platform, caPEM: String) async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-pkgtrust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let certificate = try #require(try await platform.certificates.signingCertificate(of: Self.sender))
        try certificate.pem.write(to: dir.appendingPathComponent("cert.pem"), atomically: true, encoding: .utf8)
        try await platform.certificates.exportPrivateKey(serial: certificate.serial, by: .system())
            .write(to: dir.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        try caPEM.write(to: dir.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The unsigned package with `signature` (a template) placed where edXML wants it.
    func template(_ signature: String) throws -> String {
        text(try EdXMLEncoder.encode(Self.document, today: Self.today))
            .replacingOccurrences(of: "</edXML:TraceHeaderList>\n", with: "</edXML:TraceHeaderList>\n\(signature)\n")
    }

    @Test func packagesSignedByXmlsecAndSignxmlVerify() async throws {
        try await TestEnvironment.withPlatform { platform in
            let dir = try await folder(platform, caPEM: try await pki(platform))
            defer { try? FileManager.default.removeItem(at: dir) }
            func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
            // xmlsec1 fills a template: inclusive c14n of SignedInfo (in scope: the edXML namespaces),
            // no c14n transform (inclusive by default), indentation inside SignedInfo, base64 in lines.
            let inclusive = """
                <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
                  <SignedInfo>
                    <CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
                    <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
                    <Reference URI="">
                      <Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>
                      <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/>
                    </Reference>
                  </SignedInfo>
                  <SignatureValue/>
                  <KeyInfo><X509Data/></KeyInfo>
                </Signature>
                """
            let exclusive = inclusive.replacingOccurrences(
                of: "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                with: "http://www.w3.org/2001/10/xml-exc-c14n#"
            )
            .replacingOccurrences(of: "<Signature xmlns=", with: "<ds:Signature xmlns:ds=").replacingOccurrences(
                of: "</Signature>",
                with: "</ds:Signature>"
            )
            .replacingOccurrences(of: "<(/?)([A-Z][A-Za-z0-9]*)", with: "<$1ds:$2", options: .regularExpression)
            .replacingOccurrences(of: "<ds:ds:", with: "<ds:").replacingOccurrences(of: "</ds:ds:", with: "</ds:")
            // As the national axis's SDK signs: RSA-SHA1, SHA-1 digests (accepted, with a warning).
            let sha1 = inclusive.replacingOccurrences(
                of: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                with: "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
            )
            .replacingOccurrences(of: "http://www.w3.org/2001/04/xmlenc#sha256", with: "http://www.w3.org/2000/09/xmldsig#sha1")
            var packages: [(String, Data)] = []
            for (name, signature) in [("xmlsec-inclusive", inclusive), ("xmlsec-exclusive", exclusive), ("xmlsec-sha1", sha1)] {
                try template(signature).write(toFile: path("\(name).tmpl"), atomically: true, encoding: .utf8)
                let (status, output) = try xmlsec([
                    "--sign", "--privkey-pem", "\(path("key.pem")),\(path("cert.pem"))", "--output", path("\(name).xml"), path("\(name).tmpl"),
                ])
                #expect(status == 0, "\(output)")
                packages.append((name, try Data(contentsOf: dir.appendingPathComponent("\(name).xml"))))
            }
            // signxml (lxml) signs at a placeholder, with exclusive c14n and C14N 1.1.
            for (name, c14n) in [
                ("signxml-exclusive", "http://www.w3.org/2001/10/xml-exc-c14n#"), ("signxml-c14n11", "http://www.w3.org/2006/12/xml-c14n11"),
            ] {
                try template(#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"></ds:Signature>"#)
                    .write(toFile: path("\(name).tmpl"), atomically: true, encoding: .utf8)
                let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/signxml_sign.py").path
                let (status, output) = try runTool(
                    "/usr/bin/env",
                    ["python3", script, path("\(name).tmpl"), path("\(name).xml"), path("key.pem"), path("cert.pem"), c14n]
                )
                #expect(status == 0, "\(output)")
                packages.append((name, try Data(contentsOf: dir.appendingPathComponent("\(name).xml"))))
            }
            #expect(text(packages[0].1).contains("\n") && packages.count == 5)
            for (name, package) in packages {
                let check = try await platform.exchange.packageCheck(package, sender: Self.sender)
                #expect(check.valid, "\(name): \(check)")
                #expect((check.warnings?.contains { $0.contains("SHA-1") } == true) == (name == "xmlsec-sha1"), "\(name): \(check)")
                let tampered = Data(text(package).replacingOccurrences(of: "chuyển đổi số năm 2027", with: "chuyển đổi số năm 2028").utf8)
                let refused = try await platform.exchange.packageCheck(tampered, sender: Self.sender)
                #expect(!refused.valid && refused.problems.first?.contains("package content changed") == true, "\(name): \(refused)")
            }
            // Received, it is read only from what the signature covers, and stored valid.
            let received = try await platform.exchange.receive(packages[0].1, by: .system("axis"), requestID: nil)
            #expect(received.signatures?.allSatisfy(\.valid) == true && received.subject == Self.document.subject)
        }
    }

    /// The national axis SDK's samples (../shared/data/vxp-samples): junk before the prolog, a
    /// Signature in the edXML namespace, SHA-1, a non-standard c14n identifier, CRLF. Their
    /// signature layout is read (warned about, not refused); the signatures themselves cannot
    /// verify (the samples carry a truncated certificate).
    @Test(arguments: ["edoc_new", "edoc_replacement", "edoc_revocation", "edoc_update"])
    func theAxisSDKSignatureLayoutIsRead(sample: String) async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../shared/data/vxp-samples/\(sample).edxml"
        )
        let found = try #require(try XMLSignatureInspector.inspect(try Data(contentsOf: url)))
        #expect(found.problems.isEmpty && found.algorithm == .rsaSHA1 && found.actualDigest?.count == 20, "\(found.problems)")
        #expect(found.warnings.contains { $0.contains("not in the XML-DSig namespace") } && found.warnings.contains { $0.contains("SHA-1") })
        #expect(found.warnings.contains { $0.contains("non-standard canonicalization") } && !found.signedInfo.isEmpty)
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let check = try await platform.exchange.packageCheck(try Data(contentsOf: url), sender: "000.00.00.G22")
            #expect(!check.valid && check.warnings?.isEmpty == false)
        }
    }

    @Test func canonicallyEqualRewritesVerifyAndOtherChangesDoNot() async throws {
        try await TestEnvironment.withPlatform { platform in
            let dir = try await folder(platform, caPEM: try await pki(platform))
            defer { try? FileManager.default.removeItem(at: dir) }
            let ours = text(try await signed(platform))
            // Empty elements self-closed, CRLF line ends, a comment inside the subject: same canonical form.
            let selfClosed = ours.replacingOccurrences(of: #"<(edXML:[A-Za-z]+)></\1>"#, with: "<$1/>", options: .regularExpression)
            #expect(selfClosed != ours)
            let crlf = ours.replacingOccurrences(of: "\n", with: "\r\n")
            let commented = ours.replacingOccurrences(of: "kế hoạch chuyển đổi", with: "kế hoạch <!-- ghi chú -->chuyển đổi")
            for (name, variant) in [("self-closed", selfClosed), ("crlf", crlf), ("comment", commented)] {
                let check = try await platform.exchange.packageCheck(Data(variant.utf8), sender: Self.sender)
                #expect(check.valid, "\(name): \(check)")
                try variant.write(to: dir.appendingPathComponent("\(name).xml"), atomically: true, encoding: .utf8)
                let (status, output) = try xmlsec([
                    "--verify", "--trusted-pem", dir.appendingPathComponent("ca.pem").path, dir.appendingPathComponent("\(name).xml").path,
                ])
                #expect(status == 0, "\(name): \(output)")
                let decoded = try EdXMLDecoder(attachmentsFolder: nil).decodeDocument(from: Data(variant.utf8), today: Self.today)
                #expect(decoded.subject == Self.document.subject, "\(name)")
            }
            // A processing instruction is content: the digest no longer matches (xmlsec1 agrees).
            let instruction = ours.replacingOccurrences(of: "<edXML:Subject>", with: "<?cqs note?><edXML:Subject>")
            #expect(try await platform.exchange.packageCheck(Data(instruction.utf8), sender: Self.sender).valid == false)
            try instruction.write(to: dir.appendingPathComponent("pi.xml"), atomically: true, encoding: .utf8)
            #expect(
                try xmlsec(["--verify", "--trusted-pem", dir.appendingPathComponent("ca.pem").path, dir.appendingPathComponent("pi.xml").path]).0 != 0
            )
            // A document type declaration is refused outright.
            let doctype = ours.replacingOccurrences(of: "<edXML xmlns", with: "<!DOCTYPE edXML [<!ENTITY x \"y\">]>\n<edXML xmlns")
            await expectRefusal(.invalid("edXML")) { try await platform.exchange.packageCheck(Data(doctype.utf8), sender: Self.sender) }
        }
    }

    @Test func nothingOutsideTheSignedContentIsRead() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await pki(platform)
            let ours = text(try await signed(platform))
            // Wrapping: a ResponseFor and an Attachment placed in Signature/Object.
            let wrapped = ours.replacingOccurrences(
                of: "</KeyInfo></Signature>",
                with: """
                    </KeyInfo><Object><edXML:ResponseFor><edXML:OrganId>000.00.05.H19</edXML:OrganId><edXML:Code>01/SXD-CM</edXML:Code>\
                    <edXML:PromulgationDate>2026/11/01</edXML:PromulgationDate><edXML:DocumentId>000.00.05.H19,2026/11/01,01/SXD-CM</edXML:DocumentId>\
                    </edXML:ResponseFor><edXML:Attachment><edXML:ContentId>cid:9</edXML:ContentId><edXML:AttachmentName>x.pdf</edXML:AttachmentName>\
                    <edXML:ContentTransferEncoded>JVBERi0=</edXML:ContentTransferEncoded></edXML:Attachment></Object></Signature>
                    """
            )
            let check = try await platform.exchange.packageCheck(Data(wrapped.utf8), sender: Self.sender)
            #expect(!check.valid && check.problems.contains { $0.contains("unsigned content in Signature/Object") }, "\(check)")
            let decoded = try EdXMLDecoder(attachmentsFolder: nil).decodeDocument(from: Data(wrapped.utf8), today: Self.today)
            #expect(decoded.responseFor == Self.document.responseFor && decoded.attachments.isEmpty)
            let received = try await platform.exchange.receive(Data(wrapped.utf8), by: .system("axis"), requestID: nil)
            #expect(received.signatures?.first?.valid == false)
            // A second signature, elsewhere.
            let signature = String(ours[ours.range(of: "<Signature ")!.lowerBound..<ours.range(of: "</Signature>")!.upperBound])
            let twice = ours.replacingOccurrences(of: "<edXML:edXMLManifest", with: signature + "<edXML:edXMLManifest")
            let second = try await platform.exchange.packageCheck(Data(twice.utf8), sender: Self.sender)
            #expect(!second.valid && second.problems.contains { $0.contains("2 XML signatures") }, "\(second)")
            // A duplicated DocumentId is ambiguous: refused, naming the field.
            let documentId = "<edXML:DocumentId>\(Self.document.documentId)</edXML:DocumentId>"
            let duplicated = ours.replacingOccurrences(of: documentId, with: documentId + documentId)
            expectRefusal(.invalid("edXML/DocumentId")) {
                try EdXMLDecoder(attachmentsFolder: nil).decodeDocument(from: Data(duplicated.utf8), today: Self.today)
            }
        }
    }

    @Test func theSignerMustBelongToTheSender() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await pki(platform)
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: "000.00.01.H19",
                commonName: "VP UBND",
                organization: "UBND",
                algorithm: .p256,
                by: .system()
            )
            // Claims to come from the provincial committee, signed with the office's trusted certificate.
            let forged = try await signed(platform, as: "000.00.01.H19")
            let check = try await platform.exchange.packageCheck(forged, sender: Self.sender)
            #expect(!check.valid && check.problems.contains { $0.contains("does not belong to the sending agency") }, "\(check)")
            // A staff certificate issued for the sending agency does belong to it.
            _ = try await platform.certificates.issue(
                kind: .staff,
                owner: "chutich.tinh",
                agency: Self.sender,
                commonName: "Nguyễn Văn A",
                organization: "UBND",
                algorithm: .p256,
                by: .system()
            )
            let byStaff = try await platform.exchange.packageCheck(try await signed(platform, as: "chutich.tinh"), sender: Self.sender)
            #expect(byStaff.valid, "\(byStaff)")
            // CMS file signatures follow the same rule.
            let (signature, _) = try await platform.certificates.sign(Data("x".utf8), as: "000.00.01.H19", by: .system(), requestID: nil)
            let report = try await platform.certificates.verify(Data(signature), content: Data("x".utf8), sender: Self.sender)
            #expect(!report.valid && report.signerBelongsToSender == false)
        }
    }

    @Test func aTamperedCopyNeverBlocksTheGenuineOne() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await pki(platform)
            let genuine = try await signed(platform)
            let tampered = Data(text(genuine).replacingOccurrences(of: "chuyển đổi số năm 2027", with: "chuyển đổi số năm 2029").utf8)
            let first = try await platform.exchange.receive(tampered, by: .system("axis"), requestID: nil)
            #expect(first.signatures?.first?.valid == false)
            let second = try await platform.exchange.receive(genuine, by: .system("axis"), requestID: nil)
            #expect(second.id == first.id && second.signatures?.allSatisfy(\.valid) == true && second.subject == Self.document.subject)
            // Now the tampered copy is a conflict, and the genuine one is acknowledged again.
            await expectRefusal(.conflict("A different package with DocumentId")) {
                try await platform.exchange.receive(tampered, by: .system("axis"), requestID: nil)
            }
            #expect(try await platform.exchange.receive(genuine, by: .system("axis"), requestID: nil).id == first.id)
            let actions = try await platform.database.read { db in
                try await db.select().column("action").from("audit_log").where("action", .like, "exchange.receive%").all().map {
                    try $0.decode(column: "action", as: String.self)
                }
            }
            #expect(actions == ["exchange.receive", "exchange.receive.replace", "exchange.receive.conflict"])
        }
    }

    @Test func aSendThatFailsValidationWritesNothing() async throws {
        try await TestEnvironment.withPlatform { platform in
            let tests = ExchangeTests()
            let (sender, _) = try await tests.setUp(platform)
            let before = (
                try await rowCount("exchange_messages", platform.database), try await rowCount("audit_log", platform.database),
                try await rowCount("outbox_messages", platform.database)
            )
            var input = tests.document(to: [.init(organId: "000.00.05.H19"), .init(organId: "000.00.00.G22")])
            input.subject = "V/v chuyển đổi số \u{FFFE}"
            await expectRefusal(.invalid("edXML/Subject")) { try await platform.exchange.send(input, by: sender, requestID: nil) }
            let after = (
                try await rowCount("exchange_messages", platform.database), try await rowCount("audit_log", platform.database),
                try await rowCount("outbox_messages", platform.database)
            )
            #expect(before == after)
            // Corrected, it is sent (nothing was used up).
            input.subject = "V/v chuyển đổi số"
            #expect(try await platform.exchange.send(input, by: sender, requestID: nil).count == 2)
            // A draft with such a character is refused where it is typed.
            expectRefusal(.invalid("subject")) {
                _ = try DocumentRules.validate(
                    NewOutgoing(typeCode: "CV", subject: "Trích yếu \u{FFFF}", recipients: [.init(organId: "000.00.05.H19")], signer: "lanhdao.sxd")
                )
            }
        }
    }

    @Test func theClerkSeesTheWarningAndConfirmsWithAReasonOnThePage() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            _ = try await pki(platform)
            let genuine = try await signed(platform)
            let tampered = Data(text(genuine).replacingOccurrences(of: "chuyển đổi số năm 2027", with: "chuyển đổi số năm 2029").utf8)
            let message = try await platform.exchange.receive(tampered, by: .system("axis"), requestID: nil)
            var clerk = try await PageSession.signIn(client, username: "vanthu.sxd")
            let inbox = try await clerk.get("/documents")
            #expect(inbox.text.contains("Cảnh báo: gói tin không qua được kiểm tra chữ ký số") && inbox.text.contains("package content changed"))
            #expect(inbox.text.contains("name=\"unverifiedReason\" required"))
            // What the clerk decides on: date, type, signer of the document as sent.
            #expect(inbox.text.contains("27/11/2026") && inbox.text.contains("Quyết định") && inbox.text.contains("TM. Chủ tịch Nguyễn Văn A"))
            let token = PageSession.csrf(in: inbox.text) ?? ""
            let refused = try await clerk.post("/documents/pending/\(message.id)/register", form: ["_csrf": token, "secrecy": "0"])
            #expect(refused.status == .unprocessableContent)
            let registered = try await clerk.post(
                "/documents/pending/\(message.id)/register",
                form: ["_csrf": token, "secrecy": "0", "unverifiedReason": "Đối chiếu bản giấy"]
            )
            let location = try #require(registered.headers[.location])
            let page = try await clerk.get(location)
            #expect(page.text.contains("Vào sổ dù kiểm tra chữ ký không đạt, lý do: Đối chiếu bản giấy") && page.text.contains("role=\"alert\""))
        }
    }

    @Test func registeringAnUnverifiedPackageNeedsAReasonAndKeepsTheResult() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await pki(platform)
            let clerk = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
            let genuine = try await signed(platform)
            let tampered = Data(text(genuine).replacingOccurrences(of: "chuyển đổi số năm 2027", with: "chuyển đổi số năm 2029").utf8)
            let message = try await platform.exchange.receive(tampered, by: .system("axis"), requestID: nil)
            await expectRefusal(.invalid("unverifiedReason")) {
                try await platform.documents.registerFromExchange(message.id, by: clerk, requestID: nil)
            }
            let registered = try await platform.documents.registerFromExchange(
                message.id,
                unverifiedReason: "Đã xác minh qua điện thoại với VP UBND",
                by: clerk,
                requestID: nil
            )
            #expect(registered.verification?.valid == false && registered.verification?.acceptedReason == "Đã xác minh qua điện thoại với VP UBND")
            #expect(registered.verification?.checks.first?.problems.contains { $0.contains("package content changed") } == true)
        }
    }
}
