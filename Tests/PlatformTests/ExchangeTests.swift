import Core
import Delivery
import DocumentExchange
import Foundation
import Hummingbird
import Identity
import Logging
import NIOCore
import Server
import ServiceLifecycle
import Signatures
import Testing

/// A local stand-in for the national document axis: accepts raw edXML at `POST /edxml`, records
/// every delivery, keeps one copy per idempotency key, and can be down.
extension FakeNationalAxis {
    /// The shipped fake axis on a local port, for one test.
    static func run(_ body: @Sendable (FakeNationalAxis, String) async throws -> Void) async throws {
        let axis = FakeNationalAxis()
        try await withLocalServer(axis.router()) { url in try await body(axis, url) }
    }
}

@Suite struct ExchangeTests {
    static let pdf = Data("%PDF-1.4\nQuyết định phê duyệt\n%%EOF\n".utf8)

    func setUp(_ platform: Platform) async throws -> (sender: Principal, receiver: Principal) {
        try await platform.certificates.initialize(commonName: "CA Đồng Nai", organization: "UBND tỉnh Đồng Nai", algorithm: .p256, by: .system())
        for agency in ["000.00.01.H19", "000.00.05.H19"] {
            _ = try await platform.certificates.issue(
                kind: .agency,
                owner: agency,
                commonName: agency,
                organization: "UBND tỉnh Đồng Nai",
                algorithm: .rsa2048,
                by: .system()
            )
        }
        let sender = try #require(try await platform.accounts.account(username: "vanthu.vp")).principal
        let receiver = try #require(try await platform.accounts.account(username: "vanthu.sxd")).principal
        return (sender, receiver)
    }

    func document(to recipients: [OutgoingDocument.Recipient], businessType: Int? = nil, original: String? = nil, number: String = "15")
        -> OutgoingDocument
    {
        OutgoingDocument(
            codeNumber: number,
            codeNotation: "VP-KT",
            typeName: "Công văn",
            subject: "V/v triển khai chuyển đổi số",
            content: "Đề nghị các đơn vị…",
            signerPosition: "Chánh Văn phòng",
            signerFullName: "Trần Văn Chánh",
            recipients: recipients,
            files: [.init(name: "cong-van.pdf", contentType: "application/pdf", content: Self.pdf)],
            businessType: businessType,
            originalDocumentId: original,
            reason: businessType == nil ? nil : "Cập nhật"
        )
    }

    @Test func documentsFlowInsideAndOutsideWithStatusesAndNoDuplicates() async throws {
        try await FakeNationalAxis.run { axis, url in
            try await TestEnvironment.withPlatform { platform in
                let (sender, receiver) = try await setUp(platform)
                let exchange = platform.exchange
                let sent = try await exchange.send(
                    document(to: [.init(organId: "000.00.05.H19"), .init(organId: "000.00.00.G22", name: "Văn phòng Chính phủ")]),
                    by: sender,
                    requestID: nil
                )
                #expect(sent.count == 2)
                let toDepartment = try #require(sent.first { $0.counterpart == "000.00.05.H19" })
                #expect(toDepartment.events?.map(\.code) == ["00", "01"])  // arrived at once inside the platform
                // The agency's signature of the file is audited with the sending, in its transaction.
                let audited = try await platform.database.read { db in
                    try await db.select().column("action").from("audit_log").where("target_id", .equal, toDepartment.documentId)
                        .orWhere("action", .equal, "signature.sign").all().map { try $0.decode(column: "action", as: String.self) }
                }
                #expect(audited.contains("signature.sign") && audited.contains("exchange.send"))
                // The department's inbox has it, with a valid agency signature and a trace per hop.
                let inbox = try await exchange.inbox(for: receiver, page: PageRequest())
                let received = try #require(inbox.items.first)
                #expect(
                    received.documentId == toDepartment.documentId && received.signatures?.count == 2
                        && received.signatures?.allSatisfy(\.valid) == true
                )
                #expect(received.signatures?.first?.file == ExchangeStore.packageCheckName)
                let package = String(decoding: try await exchange.package(received.id, for: receiver), as: UTF8.self)
                #expect(package.components(separatedBy: "<edXML:TraceHeader>").count == 3)
                let arrival = EdXML.timestamp(Date(timeIntervalSince1970: Double(received.createdAt) / 1000))
                #expect(
                    package.contains("<edXML:TraceHeader><edXML:OrganId>000.00.05.H19</edXML:OrganId><edXML:Timestamp>\(arrival)</edXML:Timestamp>")
                )
                // The package as it arrived is kept too, still under the sender's XML signature.
                let arrived = try await exchange.package(received.id, for: receiver, asReceived: true)
                #expect(String(decoding: arrived, as: UTF8.self).components(separatedBy: "<edXML:TraceHeader>").count == 2)
                #expect(try await exchange.packageCheck(arrived, sender: "000.00.01.H19").valid)
                #expect(try await exchange.packageCheck(Data(package.utf8), sender: "000.00.01.H19").valid == false)
                // Statuses flow back to the sender as the clerk and officers act.
                for code in [EdXMLStatus.Code.accepted, .assigned, .processing, .finished] {
                    _ = try await exchange.updateStatus(received.id, code: code, description: "", by: receiver, requestID: nil)
                }
                let timeline = try await exchange.message(toDepartment.id, for: sender)
                #expect(timeline.events?.map(\.code) == ["00", "01", "03", "04", "05", "06"])
                await expectRefusal(.conflict("does not apply to an incoming document")) {
                    try await exchange.updateStatus(received.id, code: .recalled, description: "", by: receiver, requestID: nil)
                }
                await expectRefusal(.notFound("document")) { try await exchange.message(received.id, for: sender) }  // not the sender's row
                // Receiving the same package again changes nothing; a different package under the
                // same DocumentId (here with a trace the signature does not cover) is a conflict.
                let again = try await exchange.receive(arrived, by: .system("axis"), requestID: nil)
                #expect(again.id == received.id)
                await expectRefusal(.conflict("A different package with DocumentId")) {
                    try await exchange.receive(try await exchange.package(received.id, for: receiver), by: .system("axis"), requestID: nil)
                }
                #expect(try await exchange.inbox(for: receiver, page: PageRequest()).items.count == 1)

                // Outside: the worker delivers through the national axis, surviving downtime and a crash after sending.
                let client = NationalAxisClient(baseURL: url)
                await axis.setDown(true)
                let worker = OutboxWorker(
                    database: platform.database,
                    topic: ExchangeStore.axisTopic,
                    backoff: .init(base: 0.01, cap: 0.05, maxAttempts: 50),
                    logger: TestEnvironment.logger
                ) { message in
                    let delivery = try JSONDecoder().decode(ExchangeStore.AxisDelivery.self, from: Data(message.payload.utf8))
                    try await client.post(try await exchange.storedPackage(delivery), key: message.dedupeKey)
                }
                #expect(try await worker.deliverDue() == 0)
                await axis.setDown(false)
                struct Crash: Error {}
                let crashing = OutboxWorker(
                    database: platform.database,
                    topic: ExchangeStore.axisTopic,
                    backoff: .init(base: 0.01, cap: 0.05, maxAttempts: 50),
                    logger: TestEnvironment.logger
                ) { message in
                    let delivery = try JSONDecoder().decode(ExchangeStore.AxisDelivery.self, from: Data(message.payload.utf8))
                    try await client.post(try await exchange.storedPackage(delivery), key: message.dedupeKey)
                    throw Crash()  // the process dies after the axis accepted, before marking it delivered
                }
                try await Task.sleep(for: .milliseconds(60))
                _ = try await crashing.deliverDue()
                try await Task.sleep(for: .milliseconds(60))
                for _ in 0..<20 where try await worker.deliverDue() == 0 { try await Task.sleep(for: .milliseconds(30)) }
                #expect(await axis.deliveries == 2)  // sent twice across the crash …
                #expect(await axis.packages.count == 1)  // … but one document for the axis (same key)
                #expect(try await Outbox.summary(platform.database)[ExchangeStore.axisTopic]?["delivered"] == 1)
                // The outside recipient answers through the axis with edXML status messages.
                let toGovernment = try #require(sent.first { $0.counterpart == "000.00.00.G22" })
                for code in [EdXMLStatus.Code.arrived, .accepted] {
                    let status = EdXMLStatus(
                        from: EdXMLOrganization(organId: "000.00.00.G22", organName: "Văn phòng Chính phủ"),
                        responseFor: EdXMLResponseFor(
                            organId: "000.00.01.H19",
                            code: "15/VP-KT",
                            promulgationDate: VietnamTime.today(),
                            documentId: toGovernment.documentId
                        ),
                        department: "Văn thư",
                        staff: "VPCP",
                        email: "",
                        mobile: "",
                        code: code,
                        description: "",
                        timestamp: EdXML.timestamp(Date())
                    )
                    _ = try await exchange.receive(try EdXMLEncoder.encode(status), by: .system("axis"), requestID: nil)
                }
                #expect(try await exchange.message(toGovernment.id, for: sender).events?.map(\.code) == ["00", "01", "03"])
            }
        }
    }

    @Test func recallAndUpdateAreCarriedEndToEnd() async throws {
        try await TestEnvironment.withPlatform { platform in
            let (sender, receiver) = try await setUp(platform)
            let exchange = platform.exchange
            let original = try #require(try await exchange.send(document(to: [.init(organId: "000.00.05.H19")]), by: sender, requestID: nil).first)
            let received = try #require(try await exchange.inbox(for: receiver, page: PageRequest()).items.first)
            _ = try await exchange.updateStatus(original.id, code: .recalled, description: "Thu hồi để sửa", by: sender, requestID: nil)
            #expect(try await exchange.message(received.id, for: receiver).statusCode == "13")
            _ = try await exchange.updateStatus(received.id, code: .recallAgreed, description: "", by: receiver, requestID: nil)
            #expect(try await exchange.message(original.id, for: sender).statusCode == "15")
            // An update (BussinessDocType 2) marks the received original.
            _ = try await exchange.send(
                document(to: [.init(organId: "000.00.05.H19")], businessType: 2, original: original.documentId, number: "16"),
                by: sender,
                requestID: nil
            )
            #expect(try await exchange.message(received.id, for: receiver).statusCode == "12")
            #expect(try await exchange.inbox(for: receiver, page: PageRequest()).items.count == 2)
        }
    }

    @Test func unsignedOrTamperedFilesAreReported() async throws {
        try await TestEnvironment.withPlatform { platform in
            let (sender, _) = try await setUp(platform)
            let sent = try #require(
                try await platform.exchange.send(document(to: [.init(organId: "000.00.05.H19")], number: "20"), by: sender, requestID: nil).first
            )
            // The package as the sender signed it (XML signature over the package, CMS over each file).
            var package = String(decoding: try await platform.exchange.package(sent.id, for: sender), as: UTF8.self)
            let untouched = try await platform.exchange.packageCheck(Data(package.utf8), sender: "000.00.01.H19")
            #expect(untouched.valid && untouched.signer?.contains("000.00.01.H19") == true, "\(untouched)")
            // Another recipient, and the file changed in transit (signature kept).
            package = package.replacingOccurrences(
                of: "<edXML:OrganId>000.00.05.H19</edXML:OrganId>",
                with: "<edXML:OrganId>000.00.07.H19</edXML:OrganId>"
            )
            let original = Self.pdf.base64EncodedString()
            let forged = Data("%PDF-1.4\nQuyết định bị sửa\n%%EOF\n".utf8).base64EncodedString()
            package = package.replacingOccurrences(of: original, with: forged)
            let arrived = try await platform.exchange.receive(Data(package.utf8), by: .system("axis"), requestID: nil)
            let checks = try #require(arrived.signatures)
            #expect(arrived.agency == "000.00.07.H19" && checks.count == 2 && checks.allSatisfy { !$0.valid })
            #expect(checks[0].file == ExchangeStore.packageCheckName && checks[0].problems.first?.contains("package content changed") == true)
            #expect(checks[1].problems.contains { $0.contains("content changed") } == true)
        }
    }
}

@Suite struct ExchangeAPITests {
    @Test func sendReceiveAndReportOverHTTP() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let clerk = try await client.token("vanthu.vp")
            let file = ExchangeTests.pdf.base64EncodedString()
            let body =
                #"{"codeNumber":"21","codeNotation":"VP-TH","typeName":"Công văn","subject":"V/v báo cáo","recipients":[{"organId":"000.00.05.H19"}],"files":[{"name":"bc.pdf","contentType":"application/pdf","content":"\#(file)"}]}"#
            let sent = try await client.json("/api/v1/exchange/documents", method: .post, token: clerk, body: body)
            #expect(sent.status == .created, "\(sent.text)")
            let citizen = try await client.token(DemoData.citizen.phone)
            #expect(try await client.json("/api/v1/exchange/documents", method: .post, token: citizen, body: body).status == .forbidden)
            let receiver = try await client.token("vanthu.sxd")
            let inbox = try await client.json("/api/v1/exchange/inbox", token: receiver)
            let item = try #require((inbox.object?["items"] as? [[String: Any]])?.first)
            let id = try #require(item["id"] as? Int)
            // Unsigned (the agency has no certificate): received, and reported as unsigned.
            let checks = try #require(item["signatures"] as? [[String: Any]])
            #expect(checks.count == 2 && checks.allSatisfy { $0["valid"] as? Bool == false })
            #expect((checks.first?["problems"] as? [String])?.first?.contains("package not signed") == true)
            let status = try await client.json(
                "/api/v1/exchange/documents/\(id)/status",
                method: .post,
                token: receiver,
                body: #"{"code":"03","description":"Số đến 120"}"#
            )
            #expect(status.status == .ok)
            let sentID = try #require((sent.array?.first)?["id"] as? Int)
            let timeline = try await client.json("/api/v1/exchange/documents/\(sentID)", token: clerk)
            #expect((timeline.object?["events"] as? [[String: Any]])?.map { $0["code"] as? String } == ["00", "01", "03"])
            let raw = try await client.json("/api/v1/exchange/documents/\(id)/edxml", token: receiver)
            #expect(raw.text.contains("<edXML:edXMLEnvelope ") && raw.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(try await client.json("/api/v1/exchange/documents/\(id)/edxml?received=true", token: receiver).status == .ok)
            #expect(try await client.json("/api/v1/exchange/documents/\(id)/edxml?received=maybe", token: receiver).status == .unprocessableContent)
            // sent, not received
            #expect(try await client.json("/api/v1/exchange/documents/\(sentID)/edxml?received=true", token: clerk).status == .notFound)
            #expect(try await client.json("/api/v1/exchange/documents/\(id)/edxml", token: clerk).status == .notFound)
            // The axis gateway (an account with exchange.receive) posts raw packages; duplicates are absorbed.
            let admin = try await client.token("admin")
            let asReceived = try await client.json("/api/v1/exchange/documents/\(id)/edxml?received=true", token: receiver)
            let again = try await client.json(
                "/api/v1/exchange/edxml",
                method: .post,
                token: admin,
                body: asReceived.text,
                contentType: "application/xml"
            )
            #expect(again.status == .accepted && again.object?["id"] as? Int == id)
            let changed = try await client.json("/api/v1/exchange/edxml", method: .post, token: admin, body: raw.text, contentType: "application/xml")
            #expect(changed.status == .conflict)
            let bad = try await client.json(
                "/api/v1/exchange/edxml",
                method: .post,
                token: admin,
                body: "<edXML>broken",
                contentType: "application/xml"
            )
            #expect(bad.status == .unprocessableContent)
            #expect(
                try await client.json("/api/v1/exchange/edxml", method: .post, token: receiver, body: raw.text, contentType: "application/xml").status
                    == .forbidden
            )
        }
    }
}

/// Sending a document with its files as multipart parts (no base64 in JSON).
@Suite struct ExchangeMultipartTests {
    static func part(_ boundary: String, name: String, fileName: String? = nil, type: String, _ content: Data) -> Data {
        var part = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"".utf8)
        if let fileName { part.append(Data("; filename=\"\(fileName)\"".utf8)) }
        part.append(Data("\r\nContent-Type: \(type)\r\n\r\n".utf8))
        part.append(content)
        part.append(Data("\r\n".utf8))
        return part
    }

    @Test func documentPartAndFilePartsGiveTheSameSignedDelivery() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let (_, receiver) = try await ExchangeTests().setUp(platform)
            let clerk = try await client.token("vanthu.vp")
            let boundary = "cqs-exchange"
            let document =
                #"{"codeNumber":"31","codeNotation":"VP-TH","typeName":"Công văn","subject":"V/v gửi tệp","recipients":[{"organId":"000.00.05.H19"}]}"#
            var body = Self.part(boundary, name: "document", type: "application/json", Data(document.utf8))
            body.append(Self.part(boundary, name: "file", fileName: "bao-cao.pdf", type: "application/pdf", ExchangeTests.pdf))
            body.append(Data("--\(boundary)--\r\n".utf8))
            let headers: HTTPFields = [.authorization: "Bearer \(clerk)", .contentType: "multipart/form-data; boundary=\(boundary)"]
            let sent = try await client.execute(uri: "/api/v1/exchange/documents", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(sent.status == .created, "\(sent.text)")
            // The recipient has it with the file byte for byte, under a valid agency signature.
            let received = try #require(try await platform.exchange.inbox(for: receiver, page: PageRequest()).items.first)
            #expect(received.subject == "V/v gửi tệp" && received.signatures?.count == 2 && received.signatures?.allSatisfy(\.valid) == true)
            let package = try await platform.exchange.package(received.id, for: receiver, asReceived: true)
            let decoded = try EdXMLDecoder(attachmentsFolder: nil).decodeDocument(from: package)
            #expect(try decoded.attachments.first?.data() == ExchangeTests.pdf)
            #expect(decoded.attachments.first?.name == "bao-cao.pdf" && decoded.attachments.first?.contentType == "application/pdf")
            // Without the document part: a 422 with the reason, nothing sent.
            var headless = Self.part(boundary, name: "file", fileName: "bao-cao.pdf", type: "application/pdf", ExchangeTests.pdf)
            headless.append(Data("--\(boundary)--\r\n".utf8))
            let refused = try await client.execute(
                uri: "/api/v1/exchange/documents",
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: headless)
            )
            #expect(refused.status == .unprocessableContent && refused.text.contains("document"))
            #expect(try await platform.exchange.inbox(for: receiver, page: PageRequest()).items.count == 1)
        }
    }
}
