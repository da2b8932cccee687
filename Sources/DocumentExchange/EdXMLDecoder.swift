import Core
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads edXML document and status messages with a streaming parser: attachment content is
/// decoded from base64 straight into files, so a 100 MB package is never held in memory (or,
/// without a folder, for packages small enough, into memory: no files to create and remove).
/// Elements of the envelope must carry the `edXML:` prefix (the national axis rejects others);
/// only the XML signature (`Signature` and its children) may be unprefixed.
public final class EdXMLDecoder: NSObject, XMLParserDelegate {
    /// Where decoded attachments are written; nil: kept in memory.
    let attachmentsFolder: URL?
    var path: [String] = []
    var text = ""
    var fields: [String: String] = [:]
    var lists: [String: [String]] = [:]
    var organizations: [[String: String]] = []
    var responses: [[String: String]] = []
    var traces: [[String: String]] = []
    var current: [String: String] = [:]
    var attachments: [[String: String]] = []
    var attachmentFiles: [URL] = []
    var attachmentData: [Data] = []
    /// Attachments already decoded from the package's bytes, in document order (their elements
    /// reach the parser empty).
    var predecoded: [Data]? = nil
    /// Base64 characters not yet decoded (always fewer than a chunk).
    var base64Carry: [UInt8] = []
    var attachmentHandle: FileHandle?
    var problems: [ValidationError] = []
    /// Depth inside a `Signature` element: nothing there is read as part of the document (the
    /// signature does not cover it; content placed in `Signature/Object` must not count).
    var signatureDepth = 0
    /// Where the parser stopped on malformed XML: line, column, the element it was in, why.
    var parseFailure: (line: Int, column: Int, element: String, reason: String)?

    public init(attachmentsFolder: URL?) { self.attachmentsFolder = attachmentsFolder }

    static func error(_ field: String, _ vi: String, _ en: String) -> ValidationError {
        ValidationError(field: "edXML/\(field)", messageVi: vi, messageEn: en)
    }

    // MARK: Entry points

    /// A document as received: what could be read, and every rule it breaks (warnings for the
    /// clerk: a receiver must not lose an official document over an identifier's shape).
    public struct Received: Sendable {
        public var document: EdXMLDocument
        public var warnings: [ValidationError]
    }

    /// Decodes a document message from a file (or stream), strictly: any broken rule is an error.
    public func decodeDocument(from stream: InputStream, today: LocalDate = VietnamTime.today()) throws -> EdXMLDocument {
        try read(stream, today: today, lenient: false).document
    }

    /// Decodes a document message in memory, strictly.
    public func decodeDocument(from data: Data, today: LocalDate = VietnamTime.today()) throws -> EdXMLDocument {
        try read(data, today: today, lenient: false).document
    }

    /// Decodes a received package liberally: namespace and prefix variants, rule violations and
    /// bytes before the XML declaration become warnings; only what cannot be understood (not
    /// XML, no sender) is refused, naming the line and element.
    public func decodeReceived(from data: Data, today: LocalDate = VietnamTime.today()) throws -> Received {
        guard let start = data.firstIndex(of: UInt8(ascii: "<")) else {
            throw DomainError.invalid([Self.error("", "Gói tin không phải XML", "The package is not XML")])
        }
        try Self.requireWellFormed(data)
        guard start > data.startIndex else { return try read(data, today: today, lenient: true) }
        var received = try read(Data(data[start...]), today: today, lenient: true)
        received.warnings.insert(
            Self.error(
                "",
                "Bỏ qua \(start - data.startIndex) byte trước khai báo XML",
                "\(start - data.startIndex) bytes before the XML declaration were ignored"
            ),
            at: 0
        )
        return received
    }

    /// Refuses what is not well-formed XML, naming the line and column (the stream parser may
    /// take a package cut short for a whole one).
    static func requireWellFormed(_ data: Data) throws {
        struct Nothing: XMLScanHandler {
            mutating func start(_ tag: XMLScanner.StartTag, scanner: XMLScanner) throws -> Bool { true }
            mutating func end(_ name: String, range: Range<Int>, scanner: XMLScanner) throws -> Bool { true }
        }
        try data.withUnsafeBytes { bytes in
            var scanner = XMLScanner(bytes)
            var handler = Nothing()
            do { try scanner.scan(&handler) } catch let failure as XMLScanError {
                let before = UnsafeRawBufferPointer(rebasing: bytes[..<min(failure.offset, bytes.count)])
                let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                let column = before.count - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
                throw DomainError.invalid([
                    error(
                        "",
                        "XML không hợp lệ ở dòng \(line), cột \(column): \(failure.reason)",
                        "Malformed XML at line \(line), column \(column): \(failure.reason)"
                    )
                ])
            }
        }
    }

    func read(_ stream: InputStream, today: LocalDate, lenient: Bool) throws -> Received {
        if let attachmentsFolder { try FileManager.default.createDirectory(at: attachmentsFolder, withIntermediateDirectories: true) }
        try parse(stream)
        let document = try buildDocument(lenient: lenient)
        let warnings = problems + EdXMLValidator.validate(document, today: today)
        if !lenient && !warnings.isEmpty { throw DomainError.invalid(warnings) }
        return Received(document: document, warnings: warnings)
    }

    /// Decoding into memory, attachment text is taken from the bytes and only the rest goes
    /// through the XML parser (see `AttachmentText`).
    func read(_ data: Data, today: LocalDate, lenient: Bool) throws -> Received {
        if attachmentsFolder == nil, let split = AttachmentText.split(data) {
            // Taken only when the parser met exactly the attachments found in the bytes; any doubt
            // (or error) and the whole package is parsed, which gives the authoritative answer.
            let fast = EdXMLDecoder(attachmentsFolder: nil)
            fast.predecoded = split.attachments
            if let received = try? fast.read(InputStream(data: split.skeleton), today: today, lenient: lenient),
                fast.attachmentData.count == split.attachments.count
            {
                return received
            }
        }
        return try read(InputStream(data: Data(data)), today: today, lenient: lenient)
    }

    public func decodeStatus(from data: Data) throws -> EdXMLStatus {
        try parse(InputStream(data: data))
        guard let from = organizations.first, let response = responses.first, let code = EdXMLStatus.Code(rawValue: fields["StatusCode"] ?? ""),
            let date = EdXML.parseDate(response["PromulgationDate"] ?? "")
        else {
            throw DomainError.invalid(
                [Self.error("MessageHeader", "Thông điệp trạng thái thiếu trường bắt buộc", "The status message lacks required fields")] + problems
            )
        }
        let status = EdXMLStatus(
            from: Self.organization(from),
            responseFor: EdXMLResponseFor(
                organId: response["OrganId"] ?? "",
                code: response["Code"] ?? "",
                promulgationDate: date,
                documentId: response["DocumentId"] ?? ""
            ),
            department: fields["StaffInfo/Department"] ?? "",
            staff: fields["StaffInfo/Staff"] ?? "",
            email: fields["StaffInfo/Email"] ?? "",
            mobile: fields["StaffInfo/Mobile"] ?? "",
            code: code,
            description: fields["Description"] ?? "",
            timestamp: fields["Timestamp"] ?? ""
        )
        let errors = problems + EdXMLValidator.validate(status)
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        return status
    }

    func parse(_ stream: InputStream) throws {
        let parser = XMLParser(stream: stream)
        parser.delegate = self
        parser.shouldProcessNamespaces = false
        let ok = parser.parse()
        try? attachmentHandle?.close()
        if !ok {
            let failure = parseFailure ?? (parser.lineNumber, parser.columnNumber, path.last ?? "", parser.parserError.map { "\($0)" } ?? "")
            let place = "dòng \(failure.line), cột \(failure.column)" + (failure.element.isEmpty ? "" : ", trong <\(failure.element)>")
            let placeEn = "line \(failure.line), column \(failure.column)" + (failure.element.isEmpty ? "" : ", in <\(failure.element)>")
            throw DomainError.invalid([
                Self.error(failure.element, "XML không hợp lệ ở \(place): \(failure.reason)", "Malformed XML at \(placeEn): \(failure.reason)")
            ])
        }
    }

    // MARK: Building the model

    static func organization(_ o: [String: String]) -> EdXMLOrganization {
        EdXMLOrganization(
            organId: o["OrganId"] ?? "",
            organizationInCharge: o["OrganizationInCharge"] ?? "",
            organName: o["OrganName"] ?? "",
            organAdd: o["OrganAdd"] ?? "",
            email: o["Email"] ?? "",
            telephone: o["Telephone"] ?? "",
            fax: o["Fax"] ?? "",
            website: o["Website"] ?? ""
        )
    }

    func buildDocument(lenient: Bool = false) throws -> EdXMLDocument {
        func int(_ key: String) -> Int? { fields[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        guard let from = organizations.first(where: { $0["_tag"] == "From" }), !(from["OrganId"] ?? "").isEmpty else {
            throw DomainError.invalid([Self.error("MessageHeader/From", "Thiếu nơi gửi (From/OrganId)", "From/OrganId is missing")] + problems)
        }
        let dateError = Self.error(
            "PromulgationInfo/PromulgationDate",
            "Ngày ban hành phải có dạng yyyy/MM/dd",
            "PromulgationDate must be yyyy/MM/dd"
        )
        let parsedDate = EdXML.parseDate(fields["PromulgationInfo/PromulgationDate"] ?? "")
        guard parsedDate != nil || lenient else { throw DomainError.invalid([dateError] + problems) }
        if parsedDate == nil { problems.append(dateError) }
        let date = parsedDate ?? VietnamTime.today()
        var business = EdXMLBusiness(
            docType: int("Bussiness/BussinessDocType") ?? 0,
            reason: fields["Bussiness/BussinessDocReason"] ?? "",
            paper: int("Bussiness/Paper") ?? 0,
            department: fields["Bussiness/StaffInfo/Department"] ?? "",
            staff: fields["Bussiness/StaffInfo/Staff"] ?? "",
            email: fields["Bussiness/StaffInfo/Email"] ?? "",
            mobile: fields["Bussiness/StaffInfo/Mobile"] ?? "",
            documentId: fields["Bussiness/DocumentId"]
        )
        business.replacedDocumentIds = Array(NSOrderedSet(array: lists[Self.replacedKey] ?? []).compactMap { $0 as? String })
        business.informationChanged = fields[Self.updateInfoKey + "/DocumentInfo"].map { $0.trimmingCharacters(in: .whitespaces) == "1" }
        business.receiversChanged = fields[Self.updateInfoKey + "/DocumentReceiver"].map { $0.trimmingCharacters(in: .whitespaces) == "1" }
        let receiverTypes = lists[Self.receiverTypeKey] ?? []
        business.receiverChanges = (lists[Self.receiverKey] ?? []).enumerated().map { index, organ in
            .init(organId: organ, type: index < receiverTypes.count ? receiverTypes[index] : "")
        }
        var files: [EdXMLAttachment] = []
        let sources: [EdXMLAttachment.Source] = attachmentsFolder == nil ? attachmentData.map { .data($0) } : attachmentFiles.map { .file($0) }
        for (index, attachment) in attachments.enumerated() where index < sources.count {
            files.append(
                EdXMLAttachment(
                    contentId: attachment["ContentId"] ?? "",
                    contentType: attachment["ContentType"] ?? "",
                    name: attachment["AttachmentName"] ?? "",
                    description: attachment["Description"] ?? "",
                    source: sources[index]
                )
            )
        }
        let document = EdXMLDocument(
            from: Self.organization(from),
            to: organizations.filter { $0["_tag"] == "To" }.map(Self.organization),
            codeNumber: fields["Code/CodeNumber"] ?? "",
            codeNotation: fields["Code/CodeNotation"] ?? "",
            place: fields["PromulgationInfo/Place"] ?? "",
            promulgationDate: date,
            type: int("DocumentType/Type") ?? 0,
            typeDetail: int("DocumentType/TypeDetail") ?? 0,
            typeName: fields["DocumentType/TypeName"] ?? "",
            subject: fields["Subject"] ?? "",
            content: fields["Content"] ?? "",
            signerCompetence: fields["SignerInfo/Competence"] ?? "",
            signerPosition: fields["SignerInfo/Position"] ?? "",
            signerFullName: fields["SignerInfo/FullName"] ?? "",
            dueDate: fields["DueDate"].flatMap(EdXML.parseDate),
            toPlaces: lists["ToPlaces/Place"] ?? [],
            priority: int("OtherInfo/Priority") ?? 0,
            sphereOfPromulgation: fields["OtherInfo/SphereOfPromulgation"] ?? "",
            typerNotation: fields["OtherInfo/TyperNotation"] ?? "",
            promulgationAmount: int("OtherInfo/PromulgationAmount"),
            pageAmount: int("OtherInfo/PageAmount"),
            direction: fields["OtherInfo/Direction"] == "true",
            appendixes: lists["OtherInfo/Appendixes/Appendix"] ?? [],
            responseFor: responses.compactMap { r in
                EdXML.parseDate(r["PromulgationDate"] ?? "").map {
                    EdXMLResponseFor(organId: r["OrganId"] ?? "", code: r["Code"] ?? "", promulgationDate: $0, documentId: r["DocumentId"] ?? "")
                }
            },
            steeringType: int("SteeringType") ?? 0,
            traces: traces.map { EdXMLTrace(organId: $0["OrganId"] ?? "", timestamp: $0["Timestamp"] ?? "") },
            business: business,
            attachments: files
        )
        var received = document
        if let given = fields["DocumentId"], !given.isEmpty {
            // Kept only when it is not the composed form (which `documentId` gives anyway).
            if given != document.composedDocumentId {
                received.givenDocumentId = given
                problems.append(
                    Self.error(
                        "DocumentId",
                        "DocumentId \"\(given)\" không khớp nơi gửi, ngày và số ký hiệu",
                        "DocumentId \"\(given)\" does not match From, date and code"
                    )
                )
            }
        } else {
            problems.append(Self.error("DocumentId", "Thiếu DocumentId", "DocumentId is missing"))
        }
        return received
    }

    // MARK: SAX callbacks

    /// Local name, and whether the element needs (and has) the edXML prefix.
    func local(_ name: String) -> String { name.hasPrefix("edXML:") ? String(name.dropFirst(6)) : name }

    public func parser(
        _ parser: XMLParser,
        didStartElement name: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if signatureDepth > 0 || local(name) == "Signature" || name.hasSuffix(":Signature") {
            signatureDepth += 1
            return
        }
        let inEnvelope = path.contains("edXMLEnvelope")
        if inEnvelope && !name.hasPrefix("edXML:") {
            problems.append(
                Self.error(
                    path.joined(separator: "/") + "/" + name,
                    "Phần tử \"\(name)\" thiếu tiền tố edXML:",
                    "Element \"\(name)\" lacks the edXML: prefix"
                )
            )
        }
        let localName = local(name)
        path.append(localName)
        text = ""
        switch localName {
        case "From", "To": if path.contains("MessageHeader") { current = ["_tag": localName] }
        case "ResponseFor", "TraceHeader", "Attachment": current = [:]
        case "ContentTransferEncoded":
            if let attachmentsFolder {
                let file = attachmentsFolder.appendingPathComponent(UUID().uuidString)
                FileManager.default.createFile(atPath: file.path, contents: nil)
                attachmentHandle = try? FileHandle(forWritingTo: file)
                attachmentFiles.append(file)
            } else if let predecoded, attachmentData.count < predecoded.count {
                attachmentData.append(predecoded[attachmentData.count])
            } else {
                attachmentData.append(Data())
            }
            base64Carry = []
        default: break
        }
    }

    public func parser(_ parser: XMLParser, foundCDATA block: Data) {
        self.parser(parser, foundCharacters: String(decoding: block, as: UTF8.self))
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard signatureDepth == 0 else { return }
        if path.last == "ContentTransferEncoded" {
            // Whitespace dropped into a local buffer, then one append to the property: a per-byte
            // append to this class's property paid a dynamic exclusivity check each time, and a
            // lazy filter view cost a fifth of a delivery's CPU (both seen in profiles).
            var utf8 = string
            let kept = utf8.withUTF8 { bytes in
                [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
                    var written = 0
                    for byte in bytes where byte > 0x20 {
                        buffer[written] = byte
                        written += 1
                    }
                    count = written
                }
            }
            base64Carry.append(contentsOf: kept)
            if base64Carry.count >= 256 * 1024 {
                let usable = base64Carry.count - base64Carry.count % 4
                if let data = Data(base64Encoded: Data(base64Carry[..<usable])) {
                    keep(data)
                } else {
                    problems.append(
                        Self.error("AttachmentEncoded", "Nội dung tệp không phải base64 hợp lệ", "Attachment content is not valid base64")
                    )
                }
                base64Carry.removeFirst(usable)
            }
        } else {
            text += string
        }
    }

    /// Decoded bytes of the current attachment, to its file or its memory.
    func keep(_ data: Data) {
        if attachmentsFolder == nil { attachmentData[attachmentData.count - 1].append(data) } else { try? attachmentHandle?.write(contentsOf: data) }
    }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if signatureDepth > 0 {
            signatureDepth -= 1
            return
        }
        let localName = local(name)
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parent = path.dropLast().last ?? ""
        switch localName {
        case "ContentTransferEncoded":
            if !base64Carry.isEmpty {
                if let data = Data(base64Encoded: Data(base64Carry)) {
                    keep(data)
                } else {
                    problems.append(
                        Self.error("AttachmentEncoded", "Nội dung tệp không phải base64 hợp lệ", "Attachment content is not valid base64")
                    )
                }
            }
            try? attachmentHandle?.close()
            attachmentHandle = nil
        case "From",
            "To" where path.contains("MessageHeader"):
            organizations.append(current)
        case "ResponseFor": responses.append(current)
        case "TraceHeader": traces.append(current)
        case "Attachment": attachments.append(current)
        default:
            if ["From", "To", "ResponseFor", "TraceHeader", "Attachment"].contains(parent) {
                current[localName] = value
            } else {
                let key = Self.key(path)
                if Self.listed.contains(key) {
                    lists[key, default: []].append(value)
                } else if fields[key] == nil {
                    fields[key] = value
                } else if Self.singleValued.contains(key) {
                    // Two values for one field: which one the sender meant cannot be known.
                    problems.append(Self.error(key, "Trường \(key) xuất hiện hai lần", "\(key) appears more than once"))
                }
            }
        }
        path.removeLast()
        text = ""
    }

    public func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        guard parseFailure == nil else { return }
        let code = (parseError as NSError).code
        parseFailure = (parser.lineNumber, parser.columnNumber, path.last ?? "", Self.parseErrorNames[code] ?? "libxml2 error \(code)")
    }

    /// Readable names of the parser's most common error codes (libxml2's xmlParserErrors).
    static let parseErrorNames: [Int: String] = [
        4: "document is empty or not XML", 5: "document ends too early", 9: "invalid character", 23: "unescaped & or bad entity",
        26: "undeclared entity", 38: "attribute without value", 39: "unquoted attribute value", 41: "attribute redefined",
        64: "XML declaration not at the start",
        73: "expected > ", 76: "end tag does not match the start tag", 5034: "extra content after the document element",
        201: "namespace prefix not declared",
    ]

    static let replacedKey = "Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId"
    static let updateInfoKey = "Bussiness/BussinessDocumentInfo"
    static let receiverKey = updateInfoKey + "/ReceiverList/Receiver/OrganId"
    static let receiverTypeKey = updateInfoKey + "/ReceiverList/Receiver/ReceiverType"
    /// Fields that repeat, kept in order.
    static let listed: Set<String> = ["ToPlaces/Place", "OtherInfo/Appendixes/Appendix", replacedKey, receiverKey, receiverTypeKey]

    /// Fields a document has once; a second occurrence makes the package ambiguous.
    static let singleValued: Set<String> = [
        "DocumentId", "Code/CodeNumber", "Code/CodeNotation", "PromulgationInfo/Place", "PromulgationInfo/PromulgationDate", "DocumentType/Type",
        "DocumentType/TypeName", "Subject", "Content", "SteeringType", "Bussiness/BussinessDocType", "Bussiness/DocumentId", "StatusCode",
    ]

    /// The path below the MessageHeader / TraceHeaderList, e.g. `Code/CodeNumber`, `Bussiness/StaffInfo/Staff`.
    static func key(_ path: [String]) -> String {
        for anchor in ["MessageHeader", "TraceHeaderList"] {
            if let index = path.lastIndex(of: anchor) { return path[(index + 1)...].joined(separator: "/") }
        }
        return path.joined(separator: "/")
    }
}
