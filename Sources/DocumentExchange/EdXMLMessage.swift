import Core
import Foundation

/// An organisation in an edXML header (`From`, `To`).
public struct EdXMLOrganization: Codable, Sendable, Equatable {
    public var organId: String
    public var organizationInCharge: String
    public var organName: String
    public var organAdd: String
    public var email: String
    public var telephone: String
    public var fax: String
    public var website: String

    public init(
        organId: String,
        organizationInCharge: String = "",
        organName: String,
        organAdd: String = "",
        email: String = "",
        telephone: String = "",
        fax: String = "",
        website: String = ""
    ) {
        self.organId = organId
        self.organizationInCharge = organizationInCharge
        self.organName = organName
        self.organAdd = organAdd
        self.email = email
        self.telephone = telephone
        self.fax = fax
        self.website = website
    }
}

/// `ResponseFor`: the document this one answers.
public struct EdXMLResponseFor: Codable, Sendable, Equatable {
    public var organId: String
    public var code: String
    public var promulgationDate: LocalDate
    public var documentId: String

    public init(organId: String, code: String, promulgationDate: LocalDate, documentId: String) {
        self.organId = organId
        self.code = code
        self.promulgationDate = promulgationDate
        self.documentId = documentId
    }
}

/// One hop of the trace (`TraceHeader`).
public struct EdXMLTrace: Codable, Sendable, Equatable {
    public var organId: String
    /// `yyyy/MM/dd HH:mm:ss`, Vietnam time.
    public var timestamp: String

    public init(organId: String, timestamp: String) {
        self.organId = organId
        self.timestamp = timestamp
    }
}

/// The `Bussiness` block (spelled as the standard spells it).
public struct EdXMLBusiness: Codable, Sendable, Equatable {
    /// 0 new, 1 revoke, 2 update, 3 replace.
    public var docType: Int
    public var reason: String
    /// 1 when a paper copy is also sent.
    public var paper: Int
    public var department: String
    public var staff: String
    public var email: String
    public var mobile: String
    public var documentId: String?
    /// The documents a replacement (3) replaces, as the national axis's SDK lists them
    /// (`ReplacementInfoList/ReplacementInfo/DocumentId`; read on receipt, not written).
    public var replacedDocumentIds: [String] = []
    /// An update (2) as the SDK describes it (`BussinessDocumentInfo`, read on receipt): whether
    /// the document's information changed (`DocumentInfo` 1), whether its receivers changed
    /// (`DocumentReceiver` 1), and the receivers listed (`ReceiverList`), nil when not given.
    public var informationChanged: Bool? = nil
    public var receiversChanged: Bool? = nil
    public var receiverChanges: [ReceiverChange] = []

    /// A receiver an update lists, with its `ReceiverType` code as given.
    public struct ReceiverChange: Codable, Sendable, Equatable {
        public var organId: String
        public var type: String
    }

    public init(docType: Int, reason: String, paper: Int, department: String, staff: String, email: String, mobile: String, documentId: String? = nil)
    {
        self.docType = docType
        self.reason = reason
        self.paper = paper
        self.department = department
        self.staff = staff
        self.email = email
        self.mobile = mobile
        self.documentId = documentId
    }
}

/// A file carried in the package (`Reference` in the manifest, `Attachment` outside the envelope).
public struct EdXMLAttachment: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case data(Data)
        /// Large files are streamed from and to disk.
        case file(URL)
        /// Bytes already in base64, 76-character lines (`EdXMLAttachment.lines(_:)`): a package
        /// built for several recipients, or digested and then written, encodes its files once.
        case base64Lines(String)
    }

    /// Base64 in the package's form: 76-character lines separated by line feeds.
    public static func lines(_ data: Data) -> String {
        data.base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
    }

    public var contentId: String
    public var contentType: String
    public var name: String
    public var description: String
    public var source: Source

    public init(contentId: String, contentType: String, name: String, description: String = "", source: Source) {
        self.contentId = contentId
        self.contentType = contentType
        self.name = name
        self.description = description
        self.source = source
    }

    /// The bytes (read from disk for file sources).
    public func data() throws -> Data {
        switch source {
        case .data(let data): data
        case .file(let url): try Data(contentsOf: url)
        case .base64Lines(let text): Data(base64Encoded: text, options: .ignoreUnknownCharacters) ?? Data()
        }
    }
}

/// An edXML document message (QCVN 102:2016/BTTTT).
public struct EdXMLDocument: Sendable, Equatable {
    public var from: EdXMLOrganization
    public var to: [EdXMLOrganization]
    public var codeNumber: String
    public var codeNotation: String
    public var place: String
    public var promulgationDate: LocalDate
    /// `Type`: 1 legal document, 2 administrative document (the code list of the standard).
    public var type: Int
    public var typeDetail: Int
    public var typeName: String
    public var subject: String
    public var content: String
    public var signerCompetence: String
    public var signerPosition: String
    public var signerFullName: String
    public var dueDate: LocalDate?
    public var toPlaces: [String]
    /// 0 normal, 1 urgent, 2 very urgent, 3 flash, 4 flash at a set time.
    public var priority: Int
    public var sphereOfPromulgation: String
    public var typerNotation: String
    public var promulgationAmount: Int?
    public var pageAmount: Int?
    public var direction: Bool
    public var appendixes: [String]
    public var responseFor: [EdXMLResponseFor]
    /// 0 not a directive, 1 directive, 2 report on a directive.
    public var steeringType: Int
    public var traces: [EdXMLTrace]
    public var business: EdXMLBusiness
    public var attachments: [EdXMLAttachment]
    /// A received document's `DocumentId` exactly as the sender wrote it (an opaque identifier to
    /// the national axis: real packages carry UUIDs or ids that disagree with their own code).
    public var givenDocumentId: String? = nil

    /// The id of the document: as received, else `<issuer OrganId>,<yyyy/MM/dd>,<CodeNumber>/<CodeNotation>`.
    public var documentId: String { givenDocumentId ?? composedDocumentId }

    /// `DocumentId` as this platform writes it: `<issuer OrganId>,<yyyy/MM/dd>,<CodeNumber>/<CodeNotation>`.
    public var composedDocumentId: String {
        EdXML.documentId(organId: from.organId, date: promulgationDate, number: codeNumber, notation: codeNotation)
    }

    public init(
        from: EdXMLOrganization,
        to: [EdXMLOrganization],
        codeNumber: String,
        codeNotation: String,
        place: String,
        promulgationDate: LocalDate,
        type: Int,
        typeDetail: Int,
        typeName: String,
        subject: String,
        content: String,
        signerCompetence: String,
        signerPosition: String,
        signerFullName: String,
        dueDate: LocalDate? = nil,
        toPlaces: [String],
        priority: Int,
        sphereOfPromulgation: String,
        typerNotation: String,
        promulgationAmount: Int? = nil,
        pageAmount: Int? = nil,
        direction: Bool,
        appendixes: [String],
        responseFor: [EdXMLResponseFor],
        steeringType: Int,
        traces: [EdXMLTrace],
        business: EdXMLBusiness,
        attachments: [EdXMLAttachment]
    ) {
        self.from = from
        self.to = to
        self.codeNumber = codeNumber
        self.codeNotation = codeNotation
        self.place = place
        self.promulgationDate = promulgationDate
        self.type = type
        self.typeDetail = typeDetail
        self.typeName = typeName
        self.subject = subject
        self.content = content
        self.signerCompetence = signerCompetence
        self.signerPosition = signerPosition
        self.signerFullName = signerFullName
        self.dueDate = dueDate
        self.toPlaces = toPlaces
        self.priority = priority
        self.sphereOfPromulgation = sphereOfPromulgation
        self.typerNotation = typerNotation
        self.promulgationAmount = promulgationAmount
        self.pageAmount = pageAmount
        self.direction = direction
        self.appendixes = appendixes
        self.responseFor = responseFor
        self.steeringType = steeringType
        self.traces = traces
        self.business = business
        self.attachments = attachments
    }
}

/// An edXML status message: what happened to a document at a recipient.
public struct EdXMLStatus: Codable, Sendable, Equatable {
    /// 01 arrived, 02 refused, 03 accepted, 04 assigned, 05 processing, 06 finished,
    /// 13 recalled by the sender, 15 recall/update agreed, 16 recall/update refused.
    public enum Code: String, Codable, Sendable, CaseIterable {
        case arrived = "01"
        case refused = "02"
        case accepted = "03"
        case assigned = "04"
        case processing = "05"
        case finished = "06"
        case recalled = "13"
        case recallAgreed = "15"
        case recallRefused = "16"
    }

    public var from: EdXMLOrganization
    public var responseFor: EdXMLResponseFor
    public var department: String
    public var staff: String
    public var email: String
    public var mobile: String
    public var code: Code
    public var description: String
    /// `yyyy/MM/dd HH:mm:ss`, Vietnam time.
    public var timestamp: String

    public init(
        from: EdXMLOrganization,
        responseFor: EdXMLResponseFor,
        department: String,
        staff: String,
        email: String,
        mobile: String,
        code: Code,
        description: String,
        timestamp: String
    ) {
        self.from = from
        self.responseFor = responseFor
        self.department = department
        self.staff = staff
        self.email = email
        self.mobile = mobile
        self.code = code
        self.description = description
        self.timestamp = timestamp
    }
}

/// Constants and small helpers of the standard.
public enum EdXML {
    public static let namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    public static let prefix = "edXML"

    static func pad(_ n: Int, _ width: Int = 2) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }

    /// `yyyy/MM/dd`.
    public static func date(_ date: LocalDate) -> String { "\(pad(date.year, 4))/\(pad(date.month))/\(pad(date.day))" }

    public static func parseDate(_ text: String) -> LocalDate? {
        LocalDate(iso: text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "/", with: "-"))
    }

    /// `yyyy/MM/dd HH:mm:ss` in Vietnam time.
    public static func timestamp(_ instant: Date) -> String {
        let local = VietnamTime.local(instant)
        let seconds = Int(instant.timeIntervalSince1970) % 60
        return "\(date(local.date)) \(pad(local.time.minutes / 60)):\(pad(local.time.minutes % 60)):\(pad((seconds + 60) % 60))"
    }

    /// Reads `yyyy/MM/dd HH:mm:ss` (or with `-` and `T`) as Vietnam time.
    public static func parseTimestamp(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2, let date = parseDate(String(parts[0])) else { return nil }
        let clock = parts[1].split(separator: ":").compactMap { Int($0.prefix(2)) }
        guard clock.count >= 2, (0..<24).contains(clock[0]), (0..<60).contains(clock[1]) else { return nil }
        let time = LocalTime(hour: clock[0], minute: clock[1])
        let seconds = clock.count > 2 ? Double(min(max(clock[2], 0), 59)) : 0
        return VietnamTime.instant(LocalDateTime(date: date, time: time)).addingTimeInterval(seconds)
    }

    public static func documentId(organId: String, date: LocalDate, number: String, notation: String) -> String {
        "\(organId),\(Self.date(date)),\(number)/\(notation)"
    }
}

extension EdXMLStatus {
    /// Each status code's full name, the description of a status whose sender gave none.
    static let fullNames: [String: String] = [
        "00": "Đã gửi", "01": "Đã đến", "02": "Từ chối tiếp nhận", "03": "Đã tiếp nhận (vào sổ)", "04": "Đã phân công", "05": "Đang xử lý",
        "06": "Đã hoàn thành", "13": "Bên gửi thu hồi", "15": "Đồng ý thu hồi, cập nhật", "16": "Từ chối thu hồi, cập nhật",
    ]

    /// Each status code's short name, as the document page lists a recipient's statuses.
    static let shortNames: [String: String] = [
        "00": "Đã gửi", "01": "Đã đến", "02": "Từ chối", "03": "Đã vào sổ", "04": "Đã phân công", "05": "Đang xử lý", "06": "Hoàn thành",
        "13": "Thu hồi", "15": "Đồng ý thu hồi", "16": "Từ chối thu hồi",
    ]

    /// The description given, or when it is empty the code's full name ("00", sent, included).
    public static func description(_ given: String, of code: String) -> String {
        given.isEmpty ? (fullNames[code] ?? code) : given
    }

    /// A delivery status code's short name ("00", sent by us, included); a code not in the list
    /// is shown as it came.
    public static func shortName(_ code: String) -> String { shortNames[code] ?? code }
}
