import Core
import Crypto
import Documents
import Foundation
import Server
import Signatures
import Testing

@testable import DocumentExchange

/// What the national axis really carries (issue "national-axis interop"): the SDK's sample
/// packages, read liberally, every recipient of ours, statuses in their own order.
@Suite struct AxisReceiptTests {
    static func sample(_ name: String) throws -> Data {
        try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../../shared/data/vxp-samples/\(name).edxml"
            )
        )
    }

    /// The first occurrence of each `OrganId` replaced (re-addressing a copy to agencies of ours).
    static func readdress(_ package: Data, _ changes: [(String, String)]) -> Data {
        var text = String(decoding: package, as: UTF8.self)
        for (old, new) in changes {
            if let range = text.range(of: "<edXML:OrganId>\(old)</edXML:OrganId>") {
                text.replaceSubrange(range, with: "<edXML:OrganId>\(new)</edXML:OrganId>")
            }
        }
        return Data(text.utf8)
    }

    /// Python's ElementTree reading of a package (Fixtures/edxml_extract.py).
    static func extract(_ package: Data) throws -> [String: Any] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-axis-\(UUID().uuidString).edxml")
        try package.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/edxml_extract.py").path
        let (status, output) = try runTool("/usr/bin/env", ["python3", script, file.path])
        guard status == 0, let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else { throw TestFailure(output) }
        return json
    }

    static let addresses: [String: [(String, String)]] = [
        "edoc_new": [("28.22.H17", "000.00.05.H19")],
        "edoc_replacement": [("000.00.00.H14", "000.00.05.H19"), ("000.00.00.G17", "000.00.06.H19")],
        "edoc_revocation": [("000.00.00.H14", "000.00.05.H19"), ("000.00.00.G17", "000.00.06.H19")],
        "edoc_update": [("000.00.00.H14", "000.00.05.H19"), ("000.00.00.G17", "000.00.06.H19")],
    ]

    @Test(arguments: ["edoc_new", "edoc_replacement", "edoc_revocation", "edoc_update"])
    func everySamplePackageIsReceivedAsTheSDKWroteIt(sample: String) async throws {
        try await TestEnvironment.withPlatform { platform in
            let package = Self.readdress(try Self.sample(sample), Self.addresses[sample]!)
            let expected = try Self.extract(package)
            let message = try await platform.exchange.receive(package, by: .system("axis"), requestID: nil)
            // The DocumentId as the sender wrote it, the fields as an independent reader sees them.
            #expect(message.documentId == expected["documentId"] as? String)
            #expect(message.counterpart == expected["from"] as? String && message.subject == expected["subject"] as? String)
            #expect(message.code == "\(expected["codeNumber"] as? String ?? "")/\(expected["codeNotation"] as? String ?? "")")
            #expect(String(message.businessType) == expected["businessDocType"] as? String)
            #expect(message.documentDate.map(EdXML.date) == expected["promulgationDate"] as? String && message.typeName?.isEmpty == false)
            // What it breaks is listed, not refused; its signature (truncated certificate) fails with a reason.
            #expect(message.warnings?.isEmpty == false, "\(message.warnings ?? [])")
            if sample == "edoc_new" { #expect(message.warnings?.first?.contains("before the XML declaration") == true) }
            let packageCheck = try #require(message.signatures?.first)
            #expect(!packageCheck.valid && !packageCheck.problems.isEmpty)
            // Every recipient of ours has its own copy.
            let ours = Self.addresses[sample]!.map(\.1)
            for agency in ours {
                let clerk = Principal(userID: 0, username: "vanthu", roles: [.clerk], agency: agency)
                #expect(
                    try await platform.exchange.inbox(for: clerk, page: PageRequest()).items.map(\.documentId) == [message.documentId],
                    "\(agency)"
                )
            }
            // The attachments are the bytes an independent reader decodes, the SDK's ZIP wrapping opened.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: folder) }
            let (_, document) = try await platform.exchange.openReceived(message.id, agency: ours[0], into: folder)
            let attachments = try #require(expected["attachments"] as? [[String: Any]])
            #expect(document.attachments.map(\.name) == attachments.map { $0["innerName"] as? String ?? $0["name"] as? String ?? "" })
            #expect(
                try document.attachments.map { Digest.hex(Array(SHA256.hash(data: try $0.data()))) }
                    == attachments.map { $0["innerSha256"] as? String ?? $0["sha256"] as? String ?? "" }
            )
            #expect(attachments.contains { $0["innerName"] != nil } && document.attachments.allSatisfy { $0.contentType == "application/xml" })
            // The clerk registers it (confirming, as its signature failed), and the status goes back under the sender's own id.
            let clerk = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
            let registered = try await platform.documents.registerFromExchange(message.id, unverifiedReason: "Mẫu SDK", by: clerk, requestID: nil)
            #expect(registered.exchangeDocumentId == message.documentId && registered.subject == message.subject)
            #expect(registered.files?.map(\.name) == document.attachments.map(\.name))
            let deliveries = try await platform.database.read { db in
                try await db.select().column("payload").from("outbox_messages").where("topic", .equal, ExchangeStore.axisTopic).all()
                    .map {
                        try JSONDecoder().decode(ExchangeStore.AxisDelivery.self, from: Data(try $0.decode(column: "payload", as: String.self).utf8))
                    }
            }
            let arrived = try #require(deliveries.first { $0.kind == "status" })
            let statusPackage = String(decoding: try await platform.exchange.storedPackage(arrived), as: UTF8.self)
            #expect(statusPackage.contains("<edXML:DocumentId>\(message.documentId)</edXML:DocumentId>"), "\(statusPackage)")
            #expect(try await rowCount("outbox_messages", platform.database) >= deliveries.count + 1)  // and 03 through the status outbox
        }
    }

    @Test func aZippedFileIsSignedAndRegisteredAsTheFileInside() async throws {
        try await TestEnvironment.withPlatform { platform in
            _ = try await platform.certificates.initialize(commonName: "CA", organization: "UBND", algorithm: .p256, by: .system())
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: "000.00.00.H19",
                commonName: "UBND tỉnh",
                organization: "UBND",
                algorithm: .p256,
                by: .system()
            )
            let pdf = Data("%PDF-1.4\nQuyết định số 15\n%%EOF\n".utf8)
            // Zipped by Python's zipfile (deflate), as the SDK wraps files.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-zip-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try pdf.write(to: dir.appendingPathComponent("15-QD.pdf"))
            let zip = dir.appendingPathComponent("15-QD.zip").path
            let (status, output) = try runTool(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); "
                        + "z.write(sys.argv[2], '15-QD.pdf'); z.close()", zip, dir.appendingPathComponent("15-QD.pdf").path,
                ]
            )
            #expect(status == 0, "\(output)")
            let (signature, _) = try await platform.certificates.sign(pdf, as: "000.00.00.H19", by: .system(), requestID: nil)
            var document = EdXMLTests.document(attachments: [
                EdXMLAttachment(
                    contentId: "cid:1",
                    contentType: "application/zip",
                    name: "15-QD.doc",
                    source: .data(try Data(contentsOf: URL(fileURLWithPath: zip)))
                ),
                EdXMLAttachment(
                    contentId: "cid:2",
                    contentType: "application/pkcs7-signature",
                    name: "15-QD.doc.p7s",
                    source: .data(Data(signature))
                ),
            ])
            document.promulgationDate = VietnamTime.today()
            let package = try EdXMLEncoder.encode(
                document,
                today: VietnamTime.today(),
                signature: try await platform.certificates.signPackage(document, today: VietnamTime.today(), as: "000.00.00.H19")
            )
            let message = try await platform.exchange.receive(package, by: .system("axis"), requestID: nil)
            #expect(message.signatures?.allSatisfy(\.valid) == true, "\(message.signatures ?? [])")
            let clerk = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
            let registered = try await platform.documents.registerFromExchange(message.id, by: clerk, requestID: nil)
            let file = try #require(registered.files?.first)
            #expect(file.name == "15-QD.pdf" && file.contentType == "application/pdf" && file.signed)
        }
    }

    @Test func aPackageNoRecipientOfOursCanUseIsRefusedNamingTheElement() async throws {
        try await TestEnvironment.withPlatform { platform in
            await expectRefusal(.invalid("edXML/MessageHeader/To/OrganId")) {
                try await platform.exchange.receive(try Self.sample("edoc_new"), by: .system("axis"), requestID: nil)
            }
            do {
                _ = try await platform.exchange.receive(Data("<edXML><edXML:edXMLEnvelope>".utf8), by: .system("axis"), requestID: nil)
                Issue.record("accepted a broken package")
            } catch let error as DomainError {
                #expect("\(error)".contains("line 1"), "\(error)")
            }
        }
    }

    /// The first occurrence of `old` replaced by `new`.
    static func replacingFirst(_ package: Data, _ old: String, _ new: String) -> Data {
        var text = String(decoding: package, as: UTF8.self)
        if let range = text.range(of: old) { text.replaceSubrange(range, with: new) }
        return Data(text.utf8)
    }

    @Test func theSDKsRevocationAndReplacementMarkTheOriginal() async throws {
        try await TestEnvironment.withPlatform { platform in
            let revocation = Self.readdress(try Self.sample("edoc_revocation"), [("000.00.00.H14", "000.00.05.H19")])
            let original = Self.replacingFirst(
                revocation,
                "<edXML:BussinessDocType>1</edXML:BussinessDocType>",
                "<edXML:BussinessDocType>0</edXML:BussinessDocType>"
            )
            let first = try await platform.exchange.receive(original, by: .system("axis"), requestID: nil)
            #expect(first.businessType == 0)
            // The SDK revokes under the original's own DocumentId: recorded on the original.
            let revoked = try await platform.exchange.receive(revocation, by: .system("axis"), requestID: nil)
            #expect(
                revoked.id == first.id && revoked.statusCode == "11" && revoked.events?.last?.description.contains("Thu hồi văn bản điện tử") == true
            )
            let clerk = Principal(userID: 0, username: "vanthu", roles: [.clerk], agency: "000.00.05.H19")
            #expect(try await platform.exchange.inbox(for: clerk, page: PageRequest()).items.count == 1)
            // A replacement names what it replaces in ReplacementInfoList.
            let replacedID = "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"
            let older = Self.replacingFirst(
                original,
                "<edXML:DocumentId>\(first.documentId)</edXML:DocumentId>",
                "<edXML:DocumentId>\(replacedID)</edXML:DocumentId>"
            )
            let replaced = try await platform.exchange.receive(older, by: .system("axis"), requestID: nil)
            var replacement = Self.readdress(try Self.sample("edoc_replacement"), [("000.00.00.H14", "000.00.05.H19")])
            replacement = Self.replacingFirst(
                replacement,
                "<edXML:DocumentId>\(first.documentId)</edXML:DocumentId>",
                "<edXML:DocumentId>000.00.00.G22,2016/01/04,12/VPCP-TTĐT</edXML:DocumentId>"
            )
            let newer = try await platform.exchange.receive(replacement, by: .system("axis"), requestID: nil)
            #expect(newer.id != replaced.id && newer.businessType == 3)
            #expect(
                try await platform.exchange.message(replaced.id, for: Principal(userID: 0, username: "admin", roles: [.systemAdmin], agency: nil))
                    .statusCode == "13"
            )
        }
    }

    @Test func theSDKsUpdateReplacesAPendingCopyAndMarksARegisteredDocument() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            var update = Self.readdress(try Self.sample("edoc_update"), [("000.00.00.H14", "000.00.05.H19")])
            let documentID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
            // The SDK's own convention: the update under the original's DocumentId.
            update = Self.replacingFirst(
                update,
                "<edXML:DocumentId>000.00.00.G22,2014/02/30,7806/VPCP-TTĐT</edXML:DocumentId>",
                "<edXML:DocumentId>\(documentID)</edXML:DocumentId>"
            )
            let updatedSubject = try #require(try Self.extract(update)["subject"] as? String)
            var original = Self.replacingFirst(
                update,
                "<edXML:BussinessDocType>2</edXML:BussinessDocType>",
                "<edXML:BussinessDocType>0</edXML:BussinessDocType>"
            )
            original = Self.replacingFirst(original, updatedSubject, "Bản gốc trước khi cập nhật")
            let first = try await platform.exchange.receive(original, by: .system("axis"), requestID: nil)
            #expect(first.subject == "Bản gốc trước khi cập nhật")
            // Not yet registered: the update's content takes its place, still awaiting registration.
            let updated = try await platform.exchange.receive(update, by: .system("axis"), requestID: nil)
            #expect(updated.id == first.id && updated.subject == updatedSubject && updated.statusCode == "01")
            let event = try #require(updated.events?.last)
            #expect(
                event.code == "12" && event.description.contains("Bản gốc trước khi cập nhật → \(updatedSubject)")
                    && event.description.contains("000.00.00.H41 (0)"),
                "\(event)"
            )
            let clerk = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
            let registered = try await platform.documents.registerFromExchange(first.id, unverifiedReason: "Mẫu SDK", by: clerk, requestID: nil)
            #expect(registered.subject == updatedSubject && registered.senderChange == nil)
            // Registered: a second update and a revocation mark the document, which keeps what it was registered as.
            let again = Self.replacingFirst(update, updatedSubject, "Cập nhật lần hai")
            #expect(try await platform.exchange.receive(again, by: .system("axis"), requestID: nil).statusCode == "12")
            var marked = try await platform.documents.document(registered.id, for: clerk)
            #expect(
                marked.subject == updatedSubject && marked.senderChange?.businessType == 2
                    && marked.senderChange?.note.contains("Cập nhật lần hai") == true
            )
            #expect(marked.events?.last?.action == "updated")
            let revocation = Self.replacingFirst(
                again,
                "<edXML:BussinessDocType>2</edXML:BussinessDocType>",
                "<edXML:BussinessDocType>1</edXML:BussinessDocType>"
            )
            #expect(try await platform.exchange.receive(revocation, by: .system("axis"), requestID: nil).statusCode == "11")
            marked = try await platform.documents.document(registered.id, for: clerk)
            #expect(marked.senderChange?.businessType == 1 && marked.events?.last?.action == "revoked")
            // The same revocation again changes nothing.
            let events = marked.events?.count
            _ = try await platform.exchange.receive(revocation, by: .system("axis"), requestID: nil)
            #expect(try await platform.documents.document(registered.id, for: clerk).events?.count == events)
            // The clerk sees it on the document and in the list.
            var session = try await PageSession.signIn(client, username: "vanthu.sxd")
            let page = try await session.get("/documents/\(registered.id)")
            #expect(page.text.contains("id=\"sender-change\"") && page.text.contains("Bên gửi đã thu hồi văn bản này"))
            #expect(try await session.get("/documents?dir=in").text.contains("Bị thu hồi"))
        }
    }

    @Test func theSDKsUpdateUnderANewDocumentIdMarksTheRegisteredOriginal() async throws {
        try await TestEnvironment.withPlatform { platform in
            let update = Self.readdress(try Self.sample("edoc_update"), [("000.00.00.H14", "000.00.05.H19")])
            // The original, under the DocumentId the update names in Bussiness/DocumentId.
            var original = Self.replacingFirst(
                update,
                "<edXML:BussinessDocType>2</edXML:BussinessDocType>",
                "<edXML:BussinessDocType>0</edXML:BussinessDocType>"
            )
            original = Self.replacingFirst(
                original,
                "<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>",
                "<edXML:DocumentId>000.00.00.G22,2014/02/30,7806/VPCP-TTĐT</edXML:DocumentId>"
            )
            let first = try await platform.exchange.receive(original, by: .system("axis"), requestID: nil)
            #expect(first.documentId == "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT")
            let clerk = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
            let registered = try await platform.documents.registerFromExchange(first.id, unverifiedReason: "Mẫu SDK", by: clerk, requestID: nil)
            let newer = try await platform.exchange.receive(update, by: .system("axis"), requestID: nil)
            #expect(newer.id != first.id && newer.businessType == 2 && newer.statusCode == "01")
            let marked = try await platform.documents.document(registered.id, for: clerk)
            #expect(marked.senderChange?.businessType == 2 && marked.events?.last?.action == "updated")
            // Registering the update links the two.
            let second = try await platform.documents.registerFromExchange(newer.id, unverifiedReason: "Mẫu SDK", by: clerk, requestID: nil)
            #expect(try await platform.documents.document(registered.id, for: clerk).supersededBy == second.id)
        }
    }

    /// A status sample re-addressed to a document of ours: `ResponseFor` names it.
    static func status(_ name: String, about documentID: String, of agency: String) throws -> Data {
        var package = try sample(name)
        package = replacingFirst(
            package,
            "<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>",
            "<edXML:DocumentId>\(documentID)</edXML:DocumentId>"
        )
        return replacingFirst(package, "<edXML:OrganId>000.00.00.G22</edXML:OrganId>", "<edXML:OrganId>\(agency)</edXML:OrganId>")
    }

    static func statusDescription(_ package: Data) -> String {
        let text = String(decoding: package, as: UTF8.self)
        guard let start = text.range(of: "<edXML:Description>"), let end = text.range(of: "</edXML:Description>") else { return "" }
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test func everySDKStatusSampleIsAppliedToTheDocumentItAnswers() async throws {
        try await TestEnvironment.withPlatform { platform in
            let tests = ExchangeTests()
            let (sender, _) = try await tests.setUp(platform)
            let agency = try #require(sender.agency)
            var number = 20
            func send() async throws -> ExchangeMessage {
                number += 1
                return try #require(
                    try await platform.exchange.send(
                        tests.document(to: [.init(organId: "000.00.00.H41", name: "UBND tỉnh Nghệ An")], number: "\(number)"),
                        by: sender,
                        requestID: nil
                    ).first
                )
            }
            // The life of a document at its recipient, the SDK's samples in order (all dated years before it was sent).
            let sent = try await send()
            var expected = ["00"]
            for name in ["status_01_inbox", "status_03_acceptance", "status_04_assignment", "status_05_processing", "status_06_finish"] {
                let package = try Self.status(name, about: sent.documentId, of: agency)
                let applied = try await platform.exchange.receive(package, by: .system("axis"), requestID: nil)
                expected.append(String(name.dropFirst(7).prefix(2)))
                #expect(
                    applied.id == sent.id && applied.statusCode == expected.last
                        && applied.events?.last?.description == Self.statusDescription(package),
                    "\(name)"
                )
            }
            // A repeated status (the axis retrying) is not recorded twice.
            _ = try await platform.exchange.receive(
                try Self.status("status_04_assignment", about: sent.documentId, of: agency),
                by: .system("axis"),
                requestID: nil
            )
            let timeline = try await platform.exchange.message(sent.id, for: sender)
            #expect(timeline.events?.map(\.code) == expected && timeline.statusCode == "06", "\(timeline.events ?? [])")
            // Refusal, and the answers to a recall.
            let refused = try await send()
            #expect(
                try await platform.exchange.receive(
                    try Self.status("status_02_rejection", about: refused.documentId, of: agency),
                    by: .system("axis"),
                    requestID: nil
                ).statusCode == "02"
            )
            for (name, code) in [("status_15_change-acceptance", "15"), ("status_16_change-rejection", "16")] {
                let recalled = try await send()
                _ = try await platform.exchange.updateStatus(recalled.id, code: .recalled, description: "Thu hồi để sửa", by: sender, requestID: nil)
                let answered = try await platform.exchange.receive(
                    try Self.status(name, about: recalled.documentId, of: agency),
                    by: .system("axis"),
                    requestID: nil
                )
                #expect(answered.statusCode == code && answered.events?.map(\.code) == ["00", "13", code], "\(answered.events ?? [])")
            }
            // The sender of a document we received recalls it (13).
            var incoming = Self.readdress(
                try Self.sample("edoc_revocation"),
                [("000.00.00.G22", "000.00.00.H41"), ("000.00.00.H14", "000.00.05.H19")]
            )
            incoming = Self.replacingFirst(
                incoming,
                "<edXML:BussinessDocType>1</edXML:BussinessDocType>",
                "<edXML:BussinessDocType>0</edXML:BussinessDocType>"
            )
            let received = try await platform.exchange.receive(incoming, by: .system("axis"), requestID: nil)
            #expect(received.counterpart == "000.00.00.H41")
            let recall = try Self.status("status_13_cancellation", about: received.documentId, of: "000.00.00.H41")
            #expect(try await platform.exchange.receive(recall, by: .system("axis"), requestID: nil).statusCode == "13")
        }
    }

    @Test func receivedDocumentTypesAreRecognisedNotTakenForLetters() {
        #expect(DocumentType.named("Thông tư").code == "TT" && DocumentType.named("Thông tu lien tich").code == "TTLT")
        #expect(DocumentType.named("Báo cáo tổng kết năm 2026").code == "BC" && DocumentType.named("Công văn").code == "CV")
        #expect(DocumentType.named("", notation: "TT-BNV").code == "TT" && DocumentType.named("Nghị định").abbreviation == "NĐ")
        #expect(DocumentType.named("Văn bản lạ", notation: "VPCP-TTĐT").code == "VBK")
        expectRefusal(.invalid("typeCode")) {
            _ = try DocumentRules.validate(
                NewOutgoing(typeCode: "TT", subject: "Không ban hành được", recipients: [.init(organId: "000.00.05.H19")], signer: "lanhdao.sxd")
            )
        }
    }

    @Test func statusesTakeTheirPlaceByTheirOwnTimestamp() async throws {
        try await TestEnvironment.withPlatform { platform in
            let tests = ExchangeTests()
            let (sender, _) = try await tests.setUp(platform)
            let sent = try #require(
                try await platform.exchange.send(tests.document(to: [.init(organId: "000.00.00.G22")]), by: sender, requestID: nil).first
            )
            func status(_ code: EdXMLStatus.Code, after seconds: Double) -> EdXMLStatus {
                EdXMLStatus(
                    from: EdXMLOrganization(organId: "000.00.00.G22", organName: "Văn phòng Chính phủ"),
                    responseFor: EdXMLResponseFor(
                        organId: "000.00.01.H19",
                        code: "15/VP-KT",
                        promulgationDate: VietnamTime.today(),
                        documentId: sent.documentId
                    ),
                    department: "",
                    staff: "VPCP",
                    email: "",
                    mobile: "",
                    code: code,
                    description: "",
                    timestamp: EdXML.timestamp(Date().addingTimeInterval(seconds))
                )
            }
            for (code, seconds) in [(EdXMLStatus.Code.finished, 120.0), (.arrived, 30), (.accepted, 60)] {
                _ = try await platform.exchange.receive(try EdXMLEncoder.encode(status(code, after: seconds)), by: .system("axis"), requestID: nil)
            }
            let timeline = try await platform.exchange.message(sent.id, for: sender)
            #expect(timeline.events?.map(\.code) == ["00", "01", "03", "06"] && timeline.statusCode == "06", "\(timeline.events ?? [])")
        }
    }

    @Test func serveStartsWhenTheAuthorityHasNoKeyHere() async throws {
        try await TestEnvironment.withPlatform(seed: false) { platform in
            let pki = try OpenSSLPKI()
            defer { pki.remove() }
            _ = try await platform.certificates.importAuthority(certificatePEM: try pki.text("root.pem"), privateKeyPEM: nil, by: .system())
            #expect(try await platform.certificates.canIssue() == false)
            try await platform.seed(demo: true)  // demo certificates are skipped, with a log line
            #expect(try await platform.certificates.signingCertificate(of: "000.00.00.H19") == nil)
        }
    }
}
