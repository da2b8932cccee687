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

    public init(attachmentsFolder: URL?) { self.attachmentsFolder = attachmentsFolder }

    static func error(_ field: String, _ vi: String, _ en: String) -> ValidationError {
        ValidationError(field: "edXML/\(field)", messageVi: vi, messageEn: en)
    }

    // MARK: Entry points

    /// Decodes a document message from a file (or stream).
    public func decodeDocument(from stream: InputStream, today: LocalDate = VietnamTime.today()) throws -> EdXMLDocument {
        if let attachmentsFolder { try FileManager.default.createDirectory(at: attachmentsFolder, withIntermediateDirectories: true) }
        try parse(stream)
        let document = try buildDocument()
        let errors = problems + EdXMLValidator.validate(document, today: today)
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        return document
    }

    /// Decodes a document message in memory. Decoding into memory, attachment text is taken
    /// from the bytes and only the rest goes through the XML parser (see `AttachmentText`).
    public func decodeDocument(from data: Data, today: LocalDate = VietnamTime.today()) throws -> EdXMLDocument {
        if attachmentsFolder == nil, let split = AttachmentText.split(data) {
            // Taken only when the parser met exactly the attachments found in the bytes; any doubt
            // (or error) and the whole package is parsed, which gives the authoritative answer.
            let fast = EdXMLDecoder(attachmentsFolder: nil)
            fast.predecoded = split.attachments
            if let document = try? fast.decodeDocument(from: InputStream(data: split.skeleton), today: today),
               fast.attachmentData.count == split.attachments.count {
                return document
            }
        }
        return try decodeDocument(from: InputStream(data: data), today: today)
    }

    public func decodeStatus(from data: Data) throws -> EdXMLStatus {
        try parse(InputStream(data: data))
        guard let from = organizations.first, let response = responses.first, let code = EdXMLStatus.Code(rawValue: fields["StatusCode"] ?? ""),
              let date = EdXML.parseDate(response["PromulgationDate"] ?? "") else {
            throw DomainError.invalid([Self.error("MessageHeader", "Thông điệp trạng thái thiếu trường bắt buộc", "The status message lacks required fields")] + problems)
        }
        let status = EdXMLStatus(from: Self.organization(from), responseFor: EdXMLResponseFor(organId: response["OrganId"] ?? "", code: response["Code"] ?? "",
                                                                                          promulgationDate: date, documentId: response["DocumentId"] ?? ""),
                                 department: fields["StaffInfo/Department"] ?? "", staff: fields["StaffInfo/Staff"] ?? "", email: fields["StaffInfo/Email"] ?? "",
                                 mobile: fields["StaffInfo/Mobile"] ?? "", code: code, description: fields["Description"] ?? "", timestamp: fields["Timestamp"] ?? "")
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
        if !ok, problems.isEmpty {
            throw DomainError.invalid([Self.error("", "Không đọc được XML: \(parser.parserError?.localizedDescription ?? "")", "Malformed XML: \(parser.parserError?.localizedDescription ?? "")")])
        }
    }

    // MARK: Building the model

    static func organization(_ o: [String: String]) -> EdXMLOrganization {
        EdXMLOrganization(organId: o["OrganId"] ?? "", organizationInCharge: o["OrganizationInCharge"] ?? "", organName: o["OrganName"] ?? "",
                          organAdd: o["OrganAdd"] ?? "", email: o["Email"] ?? "", telephone: o["Telephone"] ?? "", fax: o["Fax"] ?? "", website: o["Website"] ?? "")
    }

    func buildDocument() throws -> EdXMLDocument {
        func int(_ key: String) -> Int? { fields[key].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        guard let from = organizations.first(where: { $0["_tag"] == "From" }) else {
            throw DomainError.invalid([Self.error("MessageHeader/From", "Thiếu nơi gửi", "From is missing")] + problems)
        }
        guard let date = EdXML.parseDate(fields["PromulgationInfo/PromulgationDate"] ?? "") else {
            throw DomainError.invalid([Self.error("PromulgationInfo/PromulgationDate", "Ngày ban hành phải có dạng yyyy/MM/dd", "PromulgationDate must be yyyy/MM/dd")] + problems)
        }
        let business = EdXMLBusiness(docType: int("Bussiness/BussinessDocType") ?? 0, reason: fields["Bussiness/BussinessDocReason"] ?? "",
                                     paper: int("Bussiness/Paper") ?? 0, department: fields["Bussiness/StaffInfo/Department"] ?? "",
                                     staff: fields["Bussiness/StaffInfo/Staff"] ?? "", email: fields["Bussiness/StaffInfo/Email"] ?? "",
                                     mobile: fields["Bussiness/StaffInfo/Mobile"] ?? "", documentId: fields["Bussiness/DocumentId"])
        var files: [EdXMLAttachment] = []
        let sources: [EdXMLAttachment.Source] = attachmentsFolder == nil ? attachmentData.map { .data($0) } : attachmentFiles.map { .file($0) }
        for (index, attachment) in attachments.enumerated() where index < sources.count {
            files.append(EdXMLAttachment(contentId: attachment["ContentId"] ?? "", contentType: attachment["ContentType"] ?? "",
                                         name: attachment["AttachmentName"] ?? "", description: attachment["Description"] ?? "", source: sources[index]))
        }
        let document = EdXMLDocument(
            from: Self.organization(from), to: organizations.filter { $0["_tag"] == "To" }.map(Self.organization),
            codeNumber: fields["Code/CodeNumber"] ?? "", codeNotation: fields["Code/CodeNotation"] ?? "", place: fields["PromulgationInfo/Place"] ?? "",
            promulgationDate: date, type: int("DocumentType/Type") ?? 0, typeDetail: int("DocumentType/TypeDetail") ?? 0,
            typeName: fields["DocumentType/TypeName"] ?? "", subject: fields["Subject"] ?? "", content: fields["Content"] ?? "",
            signerCompetence: fields["SignerInfo/Competence"] ?? "", signerPosition: fields["SignerInfo/Position"] ?? "",
            signerFullName: fields["SignerInfo/FullName"] ?? "", dueDate: fields["DueDate"].flatMap(EdXML.parseDate), toPlaces: lists["ToPlaces/Place"] ?? [],
            priority: int("OtherInfo/Priority") ?? 0, sphereOfPromulgation: fields["OtherInfo/SphereOfPromulgation"] ?? "",
            typerNotation: fields["OtherInfo/TyperNotation"] ?? "", promulgationAmount: int("OtherInfo/PromulgationAmount"),
            pageAmount: int("OtherInfo/PageAmount"), direction: fields["OtherInfo/Direction"] == "true", appendixes: lists["OtherInfo/Appendixes/Appendix"] ?? [],
            responseFor: responses.compactMap { r in
                EdXML.parseDate(r["PromulgationDate"] ?? "").map { EdXMLResponseFor(organId: r["OrganId"] ?? "", code: r["Code"] ?? "", promulgationDate: $0, documentId: r["DocumentId"] ?? "") }
            },
            steeringType: int("SteeringType") ?? 0, traces: traces.map { EdXMLTrace(organId: $0["OrganId"] ?? "", timestamp: $0["Timestamp"] ?? "") },
            business: business, attachments: files)
        if let given = fields["DocumentId"], given != document.documentId {
            problems.append(Self.error("DocumentId", "DocumentId \"\(given)\" không khớp nơi gửi, ngày và số ký hiệu", "DocumentId \"\(given)\" does not match From, date and code"))
        }
        return document
    }

    // MARK: SAX callbacks

    /// Local name, and whether the element needs (and has) the edXML prefix.
    func local(_ name: String) -> String { name.hasPrefix("edXML:") ? String(name.dropFirst(6)) : name }

    public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if signatureDepth > 0 || local(name) == "Signature" || name.hasSuffix(":Signature") {
            signatureDepth += 1
            return
        }
        let inEnvelope = path.contains("edXMLEnvelope")
        if inEnvelope && !name.hasPrefix("edXML:") {
            problems.append(Self.error(path.joined(separator: "/") + "/" + name, "Phần tử \"\(name)\" thiếu tiền tố edXML:", "Element \"\(name)\" lacks the edXML: prefix"))
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

    public func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
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
                if let data = Data(base64Encoded: Data(base64Carry[..<usable])) { keep(data) } else {
                    problems.append(Self.error("AttachmentEncoded", "Nội dung tệp không phải base64 hợp lệ", "Attachment content is not valid base64"))
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
                if let data = Data(base64Encoded: Data(base64Carry)) { keep(data) } else {
                    problems.append(Self.error("AttachmentEncoded", "Nội dung tệp không phải base64 hợp lệ", "Attachment content is not valid base64"))
                }
            }
            try? attachmentHandle?.close()
            attachmentHandle = nil
        case "From", "To" where path.contains("MessageHeader"): organizations.append(current)
        case "ResponseFor": responses.append(current)
        case "TraceHeader": traces.append(current)
        case "Attachment": attachments.append(current)
        default:
            if ["From", "To", "ResponseFor", "TraceHeader", "Attachment"].contains(parent) {
                current[localName] = value
            } else {
                let key = Self.key(path)
                if ["ToPlaces/Place", "OtherInfo/Appendixes/Appendix"].contains(key) {
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
        problems.append(Self.error("", "XML không hợp lệ: \(parseError.localizedDescription)", "Malformed XML: \(parseError.localizedDescription)"))
    }

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
