import Core
import Crypto
import Foundation

/// Writes edXML: the `edXML:`-prefixed envelope the national axis requires, then the
/// attachments in base64 outside it, streamed in chunks so large files are never held whole.
public enum EdXMLEncoder {
    /// Escapes element text the way canonical XML writes it (`&`, `<`, `>` and CR), so that
    /// the package is its own exclusive canonical form and can be signed as written.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#xD;"
            default:
                // Control characters other than tab and newlines are not allowed in XML 1.0.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A writer of text pieces (a file, or memory).
    public typealias Sink = (String) throws -> Void

    static func element(_ name: String, _ value: String) -> String { "<edXML:\(name)>\(escape(value))</edXML:\(name)>" }

    static func organization(_ tag: String, _ org: EdXMLOrganization) -> String {
        "<edXML:\(tag)>" + element("OrganId", org.organId) + element("OrganizationInCharge", org.organizationInCharge)
            + element("OrganName", org.organName)
            + element("OrganAdd", org.organAdd) + element("Email", org.email) + element("Telephone", org.telephone) + element("Fax", org.fax)
            + element("Website", org.website) + "</edXML:\(tag)>"
    }

    /// Encodes a validated document message (throws the validation errors otherwise), with its
    /// XML signature when given. `validating: false` only re-writes a document received as it
    /// was (with its warnings), never one this platform sends.
    public static func encode(
        _ document: EdXMLDocument,
        today: LocalDate = VietnamTime.today(),
        signature: EdXMLSignature? = nil,
        validating: Bool = true,
        to sink: Sink
    ) throws {
        let errors = validating ? EdXMLValidator.validate(document, today: today) : []
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        try sink("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        try canonicalRoot(document, signature: signature, to: sink)
        try sink("\n")
    }

    /// The SHA-256 of the package as the signature covers it (streamed, never held whole).
    public static func digest(_ document: EdXMLDocument, today: LocalDate = VietnamTime.today()) throws -> Data {
        let errors = EdXMLValidator.validate(document, today: today)
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        var hasher = SHA256()
        try canonicalRoot(document, signature: nil) { piece in
            var text = piece
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return Data(hasher.finalize())
    }

    /// The root element, in exclusive canonical form: each namespace declared where it is first
    /// used, no whitespace but the newlines written here, explicit end tags.
    static func canonicalRoot(_ document: EdXMLDocument, signature: EdXMLSignature?, to sink: Sink) throws {
        try sink(
            "<edXML xmlns=\"\(EdXML.namespace)\">\n<edXML:edXMLEnvelope xmlns:edXML=\"\(EdXML.namespace)\">\n<edXML:edXMLHeader>\n<edXML:MessageHeader>\n"
        )
        try sink(organization("From", document.from) + "\n")
        for to in document.to { try sink(organization("To", to) + "\n") }
        var header = element("DocumentId", document.documentId)
        header += "<edXML:Code>" + element("CodeNumber", document.codeNumber) + element("CodeNotation", document.codeNotation) + "</edXML:Code>"
        header +=
            "<edXML:PromulgationInfo>" + element("Place", document.place) + element("PromulgationDate", EdXML.date(document.promulgationDate))
            + "</edXML:PromulgationInfo>"
        header +=
            "<edXML:DocumentType>" + element("Type", String(document.type)) + element("TypeDetail", String(document.typeDetail))
            + element("TypeName", document.typeName) + "</edXML:DocumentType>"
        header += element("Subject", document.subject) + element("Content", document.content)
        header +=
            "<edXML:SignerInfo>" + element("Competence", document.signerCompetence) + element("Position", document.signerPosition)
            + element("FullName", document.signerFullName) + "</edXML:SignerInfo>"
        if let due = document.dueDate { header += element("DueDate", EdXML.date(due)) }
        header += "<edXML:ToPlaces>" + document.toPlaces.map { element("Place", $0) }.joined() + "</edXML:ToPlaces>"
        header +=
            "<edXML:OtherInfo>" + element("Priority", String(document.priority)) + element("SphereOfPromulgation", document.sphereOfPromulgation)
            + element("TyperNotation", document.typerNotation) + element("PromulgationAmount", document.promulgationAmount.map(String.init) ?? "")
            + element("PageAmount", document.pageAmount.map(String.init) ?? "") + element("Direction", document.direction ? "true" : "false")
            + "<edXML:Appendixes>" + document.appendixes.map { element("Appendix", $0) }.joined() + "</edXML:Appendixes></edXML:OtherInfo>"
        for response in document.responseFor {
            header +=
                "<edXML:ResponseFor>" + element("OrganId", response.organId) + element("Code", response.code)
                + element("PromulgationDate", EdXML.date(response.promulgationDate)) + element("DocumentId", response.documentId)
                + "</edXML:ResponseFor>"
        }
        header += element("SteeringType", String(document.steeringType))
        try sink(header + "\n</edXML:MessageHeader>\n<edXML:TraceHeaderList>\n")
        for trace in document.traces {
            try sink("<edXML:TraceHeader>" + element("OrganId", trace.organId) + element("Timestamp", trace.timestamp) + "</edXML:TraceHeader>\n")
        }
        let b = document.business
        try sink(
            "<edXML:Bussiness>" + (b.documentId.map { element("DocumentId", $0) } ?? "") + element("BussinessDocType", String(b.docType))
                + element("BussinessDocReason", b.reason) + element("Paper", String(b.paper)) + "<edXML:StaffInfo>"
                + element("Department", b.department)
                + element("Staff", b.staff) + element("Email", b.email) + element("Mobile", b.mobile) + "</edXML:StaffInfo></edXML:Bussiness>\n"
        )
        try sink(
            "</edXML:TraceHeaderList>\n" + (signature?.xml ?? "") + "</edXML:edXMLHeader>\n<edXML:edXMLBody>\n<edXML:edXMLManifest version=\"1.0\">\n"
        )
        for a in document.attachments {
            try sink(
                "<edXML:Reference>" + element("ContentId", a.contentId) + element("ContentType", a.contentType)
                    + element("Description", a.description)
                    + element("AttachmentName", a.name) + "</edXML:Reference>\n"
            )
        }
        try sink("</edXML:edXMLManifest>\n</edXML:edXMLBody>\n</edXML:edXMLEnvelope>\n<edXML:AttachmentEncoded xmlns:edXML=\"\(EdXML.namespace)\">\n")
        for a in document.attachments {
            try sink(
                "<edXML:Attachment>" + element("ContentId", a.contentId) + element("AttachmentName", a.name) + element("Description", a.description)
                    + element("ContentType", a.contentType) + "<edXML:ContentTransferEncoded>"
            )
            try base64(a.source, to: sink)
            try sink("</edXML:ContentTransferEncoded></edXML:Attachment>\n")
        }
        try sink("</edXML:AttachmentEncoded>\n</edXML>")
    }

    /// Base64 in 76-character lines, read 57 KB at a time.
    static func base64(_ source: EdXMLAttachment.Source, to sink: Sink) throws {
        let chunk = 57 * 1024
        switch source {
        case .data(let data):
            var offset = 0
            while offset < data.count {
                let piece = data.subdata(in: offset..<min(offset + chunk, data.count))
                try sink("\n" + EdXMLAttachment.lines(piece))
                offset += chunk
            }
        case .file(let url):
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: chunk), !piece.isEmpty {
                try sink("\n" + EdXMLAttachment.lines(piece))
            }
        case .base64Lines(let text):
            // The same text the chunks give: each chunk is a whole number of 57-byte lines.
            try sink("\n")
            try sink(text)
        }
        try sink("\n")
    }

    /// The whole message in memory (small messages, tests).
    public static func encode(
        _ document: EdXMLDocument,
        today: LocalDate = VietnamTime.today(),
        signature: EdXMLSignature? = nil,
        validating: Bool = true
    ) throws -> Data {
        var out = Data()
        try encode(document, today: today, signature: signature, validating: validating) { out.append(contentsOf: $0.utf8) }
        return out
    }

    /// Streams the message into a file; returns the SHA-256 (hex) of what it wrote.
    @discardableResult
    public static func encode(_ document: EdXMLDocument, today: LocalDate = VietnamTime.today(), signature: EdXMLSignature? = nil, to url: URL) throws
        -> String
    {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        // Small pieces are gathered into 1 MiB writes, hashed on their way out.
        var buffer = Data()
        var hasher = SHA256()
        func flush() throws {
            hasher.update(data: buffer)
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        try encode(document, today: today, signature: signature) { piece in
            buffer.append(contentsOf: piece.utf8)
            if buffer.count >= 1 << 20 { try flush() }
        }
        try flush()
        return Digest.hex(hasher.finalize())
    }

    /// A status message.
    public static func encode(_ status: EdXMLStatus) throws -> Data {
        let errors = EdXMLValidator.validate(status)
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        let r = status.responseFor
        let xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edXML xmlns=\"\(EdXML.namespace)\" xmlns:edXML=\"\(EdXML.namespace)\">\n<edXML:edXMLEnvelope>\n<edXML:edXMLHeader>\n<edXML:MessageHeader>"
            + organization("From", status.from)
            + "<edXML:ResponseFor>" + element("OrganId", r.organId) + element("Code", r.code)
            + element("PromulgationDate", EdXML.date(r.promulgationDate))
            + element("DocumentId", r.documentId) + "</edXML:ResponseFor>"
            + "<edXML:StaffInfo>" + element("Department", status.department) + element("Staff", status.staff) + element("Email", status.email)
            + element("Mobile", status.mobile) + "</edXML:StaffInfo>"
            + element("StatusCode", status.code.rawValue) + element("Description", status.description) + element("Timestamp", status.timestamp)
            + "</edXML:MessageHeader>\n</edXML:edXMLHeader>\n<edXML:edXMLBody/>\n</edXML:edXMLEnvelope>\n</edXML>\n"
        return Data(xml.utf8)
    }
}
