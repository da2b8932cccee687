import Core
import Crypto
import Foundation
import Testing

@testable import DocumentExchange

@Suite struct EdXMLTests {
    static let today = LocalDate(iso: "2026-11-29")!

    static func document(
        attachments: [EdXMLAttachment] = [
            EdXMLAttachment(
                contentId: "cid:1",
                contentType: "application/pdf",
                name: "15-QĐ-UBND.pdf",
                description: "Quyết định",
                source: .data(Data("%PDF-1.4 Đồng Nai\n".utf8))
            )
        ]
    ) -> EdXMLDocument {
        EdXMLDocument(
            from: EdXMLOrganization(
                organId: "000.00.00.H19",
                organizationInCharge: "UBND tỉnh Đồng Nai",
                organName: "Ủy ban nhân dân tỉnh Đồng Nai",
                organAdd: "Số 2 Nguyễn Văn Trị, phường Trấn Biên",
                email: "ubnd@dongnai.gov.vn",
                telephone: "02513822503"
            ),
            to: [
                EdXMLOrganization(organId: "000.00.05.H19", organName: "Sở Xây dựng"),
                EdXMLOrganization(organId: "000.00.00.G22", organName: "Văn phòng Chính phủ"),
            ],
            codeNumber: "15",
            codeNotation: "QĐ-UBND",
            place: "Đồng Nai",
            promulgationDate: LocalDate(iso: "2026-11-27")!,
            type: 1,
            typeDetail: 0,
            typeName: "Quyết định",
            subject: "V/v phê duyệt kế hoạch chuyển đổi số năm 2027 & các chỉ tiêu <ưu tiên>",
            content: "Nội dung: \"Tiếng Việt có dấu\" — ỹ ử ẫ Đ",
            signerCompetence: "TM.",
            signerPosition: "Chủ tịch",
            signerFullName: "Nguyễn Văn A",
            dueDate: LocalDate(iso: "2026-12-15"),
            toPlaces: ["Như trên", "Lưu: VT, KTN"],
            priority: 1,
            sphereOfPromulgation: "Toàn tỉnh",
            typerNotation: "TVC",
            promulgationAmount: 5,
            pageAmount: 3,
            direction: true,
            appendixes: ["Phụ lục I"],
            responseFor: [
                EdXMLResponseFor(
                    organId: "000.00.00.G22",
                    code: "7816/VPCP-TTĐT",
                    promulgationDate: LocalDate(iso: "2026-10-30")!,
                    documentId: "000.00.00.G22,2026/10/30,7816/VPCP-TTĐT"
                )
            ],
            steeringType: 1,
            traces: [EdXMLTrace(organId: "000.00.00.H19", timestamp: "2026/11/27 09:15:00")],
            business: EdXMLBusiness(
                docType: 0,
                reason: "Văn bản mới",
                paper: 0,
                department: "Văn thư",
                staff: "Trần Thị Thư",
                email: "vt@dongnai.gov.vn",
                mobile: "0912345678"
            ),
            attachments: attachments
        )
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-edxml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func roundTripsEveryFieldAndVietnameseByteExact() throws {
        let original = Self.document()
        let encoded = try EdXMLEncoder.encode(original, today: Self.today)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("<edXML:DocumentId>000.00.00.H19,2026/11/27,15/QĐ-UBND</edXML:DocumentId>"))
        #expect(text.contains("&amp; các chỉ tiêu &lt;ưu tiên&gt;"))
        let dir = try folder()
        let decoded = try EdXMLDecoder(attachmentsFolder: dir).decodeDocument(from: encoded, today: Self.today)
        var expected = original
        expected.attachments = []
        var actual = decoded
        actual.attachments = []
        #expect(actual == expected)
        #expect(Array(decoded.subject.utf8) == Array(original.subject.utf8))
        #expect(try decoded.attachments.first?.data() == Data("%PDF-1.4 Đồng Nai\n".utf8))
        #expect(decoded.attachments.first?.name == "15-QĐ-UBND.pdf")
        // Decoded into memory (no folder), the same document and the same bytes.
        let inMemory = try EdXMLDecoder(attachmentsFolder: nil).decodeDocument(from: encoded, today: Self.today)
        #expect(inMemory.attachments.map(\.source) == decoded.attachments.map { .data(try! $0.data()) })
        var inMemoryFields = inMemory
        inMemoryFields.attachments = []
        #expect(inMemoryFields == expected)
        // An independent parser accepts it as well-formed XML.
        try encoded.write(to: dir.appendingPathComponent("m.xml"))
        let xmllint = try runTool("/usr/bin/xmllint", ["--noout", dir.appendingPathComponent("m.xml").path])
        #expect(xmllint.status == 0, "\(xmllint.output)")
        try? FileManager.default.removeItem(at: dir)
    }

    /// Files given already in base64 lines make the same package, byte for byte, and the same
    /// signature digest, as raw bytes and files on disk (chunks of 57 KB are whole lines).
    @Test func preEncodedFilesGiveTheSamePackage() throws {
        let bytes = Data((0..<(57 * 1024 * 2 + 1_000)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let dir = try folder()
        let file = dir.appendingPathComponent("a.bin")
        try bytes.write(to: file)
        func package(_ source: EdXMLAttachment.Source) throws -> (Data, Data) {
            let document = Self.document(attachments: [
                EdXMLAttachment(contentId: "cid:1", contentType: "application/pdf", name: "a.pdf", source: source)
            ])
            return (try EdXMLEncoder.encode(document, today: Self.today), try EdXMLEncoder.digest(document, today: Self.today))
        }
        let raw = try package(.data(bytes))
        #expect(try package(.base64Lines(EdXMLAttachment.lines(bytes))) == raw)
        #expect(try package(.file(file)) == raw)
        #expect(try EdXMLAttachment(contentId: "c", contentType: "t", name: "n", source: .base64Lines(EdXMLAttachment.lines(bytes))).data() == bytes)
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func validationNamesTheFields() {
        var bad = Self.document()
        bad.subject = String(repeating: "ắ", count: 501)
        bad.codeNumber = "123456789012"
        bad.promulgationDate = LocalDate(iso: "2026-12-01")!
        bad.from.organId = "H19"
        bad.priority = 7
        bad.to[0].telephone = String(repeating: "9", count: 21)
        bad.attachments.append(EdXMLAttachment(contentId: "cid:1", contentType: "x", name: "dup", source: .data(Data())))
        do {
            _ = try EdXMLEncoder.encode(bad, today: Self.today)
            Issue.record("encoded an invalid message")
        } catch let DomainError.invalid(errors) {
            #expect(
                Set(errors.map(\.field)) == [
                    "edXML/Subject", "edXML/Code/CodeNumber", "edXML/PromulgationInfo/PromulgationDate", "edXML/From/OrganId",
                    "edXML/OtherInfo/Priority", "edXML/To[0]/Telephone", "edXML/edXMLManifest/Reference[1]/ContentId",
                ]
            )
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func decodingRejectsUnprefixedElementsAndMismatchedIds() throws {
        let good = String(decoding: try EdXMLEncoder.encode(Self.document(), today: Self.today), as: UTF8.self)
        let unprefixed = good.replacingOccurrences(of: "<edXML:Subject>", with: "<Subject>").replacingOccurrences(
            of: "</edXML:Subject>",
            with: "</Subject>"
        )
        do {
            _ = try EdXMLDecoder(attachmentsFolder: try folder()).decodeDocument(from: Data(unprefixed.utf8), today: Self.today)
            Issue.record("accepted an unprefixed element")
        } catch let DomainError.invalid(errors) {
            #expect(errors.contains { $0.field.hasSuffix("/Subject") && $0.messageEn.contains("edXML: prefix") })
        }
        let wrongID = good.replacingOccurrences(of: "000.00.00.H19,2026/11/27,15/QĐ-UBND", with: "000.00.00.H19,2026/11/27,99/QĐ-UBND")
        expectRefusal(.invalid("edXML/DocumentId")) {
            try EdXMLDecoder(attachmentsFolder: try folder()).decodeDocument(from: Data(wrongID.utf8), today: Self.today)
        }
        expectRefusal(.invalid("edXML/MessageHeader/From")) {
            try EdXMLDecoder(attachmentsFolder: try folder()).decodeDocument(from: Data("<edXML><oops".utf8), today: Self.today)
        }
    }

    @Test func readsTheLayoutOfPublishedSamples() throws {
        // As in public SDK samples: default namespace on the root, the prefix declared on the
        // envelope, an unprefixed XML signature, and unprefixed attachment wrappers.
        let sample = """
            <?xml version="1.0" encoding="UTF-8"?>
            <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
              <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                <edXML:edXMLHeader>
                  <edXML:MessageHeader>
                    <edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName></edXML:From>
                    <edXML:To><edXML:OrganId>000.00.00.H19</edXML:OrganId><edXML:OrganName>UBND tỉnh Đồng Nai</edXML:OrganName></edXML:To>
                    <edXML:DocumentId>000.00.00.G22,2026/11/20,7816/VPCP-TTĐT</edXML:DocumentId>
                    <edXML:Code><edXML:CodeNumber>7816</edXML:CodeNumber><edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>
                    <edXML:PromulgationInfo><edXML:Place>Hà Nội</edXML:Place><edXML:PromulgationDate>2026/11/20</edXML:PromulgationDate></edXML:PromulgationInfo>
                    <edXML:DocumentType><edXML:Type>1</edXML:Type><edXML:TypeDetail>0</edXML:TypeDetail><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
                    <edXML:Subject>V/v kết nối, liên thông phần mềm quản lý văn bản</edXML:Subject>
                    <edXML:OtherInfo><edXML:Priority>0</edXML:Priority></edXML:OtherInfo>
                    <edXML:SteeringType>0</edXML:SteeringType>
                    <edXML:ToPlaces><edXML:Place>Các tỉnh, thành phố</edXML:Place></edXML:ToPlaces>
                  </edXML:MessageHeader>
                  <edXML:TraceHeaderList>
                    <edXML:TraceHeader><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:Timestamp>2026/11/20 08:00:00</edXML:Timestamp></edXML:TraceHeader>
                    <edXML:Bussiness><edXML:BussinessDocType>0</edXML:BussinessDocType><edXML:Paper>0</edXML:Paper></edXML:Bussiness>
                  </edXML:TraceHeaderList>
                  <Signature><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>
                </edXML:edXMLHeader>
                <edXML:edXMLBody><edXML:edXMLManifest version="1.0">
                  <edXML:Reference><edXML:ContentId>cid:209</edXML:ContentId><edXML:ContentType>application/pdf</edXML:ContentType><edXML:AttachmentName>cv.pdf</edXML:AttachmentName></edXML:Reference>
                </edXML:edXMLManifest></edXML:edXMLBody>
              </edXML:edXMLEnvelope>
              <AttachmentEncoded><Attachment><ContentId>cid:209</ContentId><AttachmentName>cv.pdf</AttachmentName><ContentType>application/pdf</ContentType>
                <edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">JVBERi0xLjQK</edXML:ContentTransferEncoded></Attachment></AttachmentEncoded>
            </edXML>
            """
        let decoded = try EdXMLDecoder(attachmentsFolder: try folder()).decodeDocument(from: Data(sample.utf8), today: Self.today)
        #expect(decoded.documentId == "000.00.00.G22,2026/11/20,7816/VPCP-TTĐT" && decoded.to.map(\.organId) == ["000.00.00.H19"])
        #expect(decoded.toPlaces == ["Các tỉnh, thành phố"] && decoded.traces.count == 1)
        #expect(try decoded.attachments.first?.data() == Data("%PDF-1.4\n".utf8))
    }

    @Test func largeAttachmentsStreamThroughFiles() throws {
        let dir = try folder()
        let source = dir.appendingPathComponent("big.bin")
        // Several read chunks and decode batches (the 100 MB case: benchmarks/EdXMLLarge, BENCHMARKS.md).
        let size = 3 * 1024 * 1024 + 7
        FileManager.default.createFile(atPath: source.path, contents: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }))
        let document = Self.document(attachments: [
            EdXMLAttachment(contentId: "cid:big", contentType: "application/octet-stream", name: "big.bin", source: .file(source))
        ])
        let package = dir.appendingPathComponent("package.edxml")
        try EdXMLEncoder.encode(document, today: Self.today, to: package)
        let decoded = try EdXMLDecoder(attachmentsFolder: dir.appendingPathComponent("out")).decodeDocument(
            from: InputStream(url: package)!,
            today: Self.today
        )
        guard case .file(let url) = decoded.attachments.first?.source else {
            Issue.record("no file")
            return
        }
        #expect(SHA256.hash(data: try Data(contentsOf: url)) == SHA256.hash(data: try Data(contentsOf: source)))
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func statusMessagesRoundTrip() throws {
        let status = EdXMLStatus(
            from: EdXMLOrganization(organId: "000.00.05.H19", organName: "Sở Xây dựng"),
            responseFor: EdXMLResponseFor(
                organId: "000.00.00.H19",
                code: "15/QĐ-UBND",
                promulgationDate: LocalDate(iso: "2026-11-27")!,
                documentId: "000.00.00.H19,2026/11/27,15/QĐ-UBND"
            ),
            department: "Văn thư",
            staff: "Lê Văn Nhận",
            email: "",
            mobile: "",
            code: .accepted,
            description: "Đã vào sổ văn bản đến số 120",
            timestamp: "2026/11/28 08:30:00"
        )
        let decoded = try EdXMLDecoder(attachmentsFolder: try folder()).decodeStatus(from: try EdXMLEncoder.encode(status))
        #expect(decoded == status)
    }
}

/// Attachment text decoded from the package's bytes, and every case where the parser must read
/// the whole package instead (the answer is the same either way).
@Suite struct AttachmentTextTests {
    static let files = [
        EdXMLAttachment(contentId: "cid:1", contentType: "application/pdf", name: "a.pdf", source: .data(Data((0..<5_000).map { UInt8($0 % 251) }))),
        EdXMLAttachment(contentId: "cid:1.p7s", contentType: "application/pkcs7-signature", name: "a.pdf.p7s", source: .data(Data("sig".utf8))),
        EdXMLAttachment(contentId: "cid:2", contentType: "text/plain", name: "empty.txt", source: .data(Data())),
    ]

    static func decode(_ package: Data, folder: Bool) throws -> EdXMLDocument {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cqs-attachment-text-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let document = try EdXMLDecoder(attachmentsFolder: folder ? out : nil).decodeDocument(from: package, today: EdXMLTests.today)
        var plain = document
        plain.attachments = try document.attachments.map {
            var a = $0
            a.source = .data(try $0.data())
            return a
        }
        return plain
    }

    @Test func plainPackagesAreSplitAndDecodeAlike() throws {
        let package = try EdXMLEncoder.encode(EdXMLTests.document(attachments: Self.files), today: EdXMLTests.today)
        let split = try #require(AttachmentText.split(package))
        #expect(split.attachments == Self.files.map { try! $0.data() })
        #expect(split.skeleton.count <= package.count - 6_668 && !String(decoding: split.skeleton, as: UTF8.self).contains("AAEC"))
        #expect(try Self.decode(package, folder: false) == Self.decode(package, folder: true))
        // Lines ending in CRLF (another sender's habit) are split too.
        let crlf = Data(String(decoding: package, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        #expect(AttachmentText.split(crlf)?.attachments == split.attachments)
        #expect(try Self.decode(crlf, folder: false) == Self.decode(crlf, folder: true))
    }

    @Test func anythingUnusualGoesThroughTheParser() throws {
        let text = String(decoding: try EdXMLEncoder.encode(EdXMLTests.document(attachments: Self.files), today: EdXMLTests.today), as: UTF8.self)
        let open = "<edXML:ContentTransferEncoded>"
        let variants = [
            text.replacingOccurrences(
                of: "</edXML:AttachmentEncoded>",
                with: "<!-- <edXML:ContentTransferEncoded>AAAA</edXML:ContentTransferEncoded> --></edXML:AttachmentEncoded>"
            ),
            text.replacingOccurrences(of: "<edXML:ContentTransferEncoded>\nc2ln", with: "<edXML:ContentTransferEncoded><![CDATA[c2ln]]>"),
            text.replacingOccurrences(of: "<edXML:ContentTransferEncoded>\nc2ln", with: "<edXML:ContentTransferEncoded>\nc2&#x6C;n"),
            text.replacingOccurrences(of: "\(open)\n</edXML:ContentTransferEncoded>", with: "<edXML:ContentTransferEncoded/>"),
        ]
        for variant in variants {
            let package = Data(variant.utf8)
            #expect(variant != text)
            #expect(try Self.decode(package, folder: false) == Self.decode(package, folder: true))
        }
        #expect(AttachmentText.split(Data(variants[0].utf8)) == nil && AttachmentText.split(Data(variants[2].utf8)) == nil)
        // Not base64: the parser's error, in memory as on disk.
        let broken = Data(text.replacingOccurrences(of: "\(open)\nc2ln", with: "\(open)\n!!!!c2ln").utf8)
        #expect(AttachmentText.split(broken) == nil)
        expectRefusal(.invalid("edXML/AttachmentEncoded")) { try Self.decode(broken, folder: false) }
        expectRefusal(.invalid("edXML/AttachmentEncoded")) { try Self.decode(broken, folder: true) }
    }
}
