import Core
import DocumentExchange
import Foundation

/// Incoming (văn bản đến) or outgoing (văn bản đi).
public enum DocumentDirection: String, Codable, Sendable, CaseIterable {
    case incoming = "in"
    case outgoing = "out"
}

/// Where a document's life stands. Incoming: registered → assigned → processing → finished
/// (edXML statuses 03–06). Outgoing: draft → review → approved → issued.
public enum DocumentStatus: String, Codable, Sendable, CaseIterable {
    case registered, assigned, processing, finished
    case draft, review, approved, issued

    public var nameVi: String {
        switch self {
        case .registered: "Đã vào sổ"
        case .assigned: "Đã phân công"
        case .processing: "Đang xử lý"
        case .finished: "Đã hoàn thành"
        case .draft: "Dự thảo"
        case .review: "Chờ duyệt"
        case .approved: "Đã duyệt, chờ ban hành"
        case .issued: "Đã ban hành"
        }
    }
}

/// How an incoming document arrived: through the axis, as a scan of paper, or typed in.
public enum ArrivalChannel: String, Codable, Sendable, CaseIterable { case exchange, scan, manual }

/// Who a step is given to: an account (username) or a department (code) of the agency.
public struct Assignee: Codable, Sendable, Hashable {
    public var user: String?
    public var department: String?
    public init(user: String? = nil, department: String? = nil) {
        self.user = user
        self.department = department
    }

    public var label: String { user ?? department.map { "Phòng \($0)" } ?? "" }
}

/// One assignment (phân công) of an incoming document: lead, coordinating or for information.
public struct Assignment: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case lead, coordinate, inform }
    /// Open (not yet taken up), processing, forwarded (to a new lead), replaced (by a new
    /// assignment of the document), done.
    public enum Status: String, Codable, Sendable {
        case open, processing, forwarded, replaced, done

        /// Assignments still in someone's hands.
        public static let active: [Status] = [.open, .processing]
        static let activeValues = active.map(\.rawValue)
    }
    public let id: Int64
    public let parentId: Int64?
    public let role: Role
    public let assignee: Assignee
    public let assignedBy: String
    public let deadline: LocalDate?
    public let instructions: String
    public let status: Status
    public let createdAt: Int64
}

/// A file of a document; outgoing drafts keep every version.
public struct DocumentFile: Codable, Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let contentType: String
    public let sha256: String
    public let size: Int64
    public let version: Int
    public let signed: Bool
    public let uploadedBy: String
    public let createdAt: Int64
}

/// One step in a document's history (registered, assigned, commented, approved, issued…).
public struct DocumentEvent: Codable, Sendable, Equatable {
    public let action: String
    public let actor: String
    public let note: String
    public let at: Int64
}

/// An official document as an agency keeps it.
public struct OfficialDocument: Codable, Sendable, Equatable {
    public let id: Int64
    public let agency: String
    public let direction: DocumentDirection
    public let status: DocumentStatus
    /// Number in the register (sổ) of this agency, direction, year and series.
    public let registerNumber: Int?
    public let registerYear: Int?
    /// Incoming: the sender's number and notation. Outgoing: assigned when issued.
    public let codeNumber: String?
    public let codeNotation: String?
    public let typeCode: String
    public let typeName: String
    public let subject: String
    public let summary: String
    public let urgency: Urgency
    public let secrecy: Secrecy
    public let counterpart: String?
    public let counterpartName: String?
    public let documentDate: LocalDate?
    public let arrivedAt: Int64?
    public let issuedAt: Int64?
    public let channel: ArrivalChannel?
    public let exchangeMessageId: Int64?
    public let exchangeDocumentId: String?
    public let draftingUnit: String?
    public let signer: String?
    public let signerName: String?
    public let signerPosition: String?
    public let recipients: [Recipient]
    public let approvers: [String]
    public let approvalStep: Int
    public let deadline: LocalDate?
    public let finishedAt: Int64?
    public let responseFor: Int64?
    public let businessType: Int
    public let originalId: Int64?
    /// Set on an issued document later revoked, updated or replaced (1, 2, 3).
    public let supersededBy: Int64?
    public let createdBy: String
    public let createdAt: Int64
    public let updatedAt: Int64
    public var files: [DocumentFile]?
    public var assignments: [Assignment]?
    public var events: [DocumentEvent]?
    /// Outgoing: each recipient's exchange status (edXML code), once sent.
    public var deliveries: [Delivery]?
    /// Received through the axis: what the package's signature checks found when it arrived.
    public var verification: Verification? = nil
    /// Received through the axis: the sender later revoked, updated or replaced it.
    public var senderChange: SenderChange? = nil

    /// What the sender did to a received document after it arrived.
    public struct SenderChange: Codable, Sendable, Equatable {
        /// 1 revoked, 2 updated, 3 replaced.
        public let businessType: Int
        /// The sender's reason and what changed.
        public let note: String
    }

    /// The signature checks of a received document, and why it was registered if they failed.
    public struct Verification: Codable, Sendable, Equatable {
        public let checks: [ExchangeMessage.SignatureCheck]
        /// The clerk's reason for registering a package whose checks failed.
        public let acceptedReason: String?
        public var valid: Bool { !checks.isEmpty && checks.allSatisfy(\.valid) }

        public init(checks: [ExchangeMessage.SignatureCheck], acceptedReason: String?) {
            self.checks = checks
            self.acceptedReason = acceptedReason
        }
    }

    /// `15/QĐ-UBND`, or nil before a number is given.
    public var code: String? { codeNumber.map { n in codeNotation.map { "\(n)/\($0)" } ?? n } }

    /// A recipient of an outgoing document (an agency inside or outside the platform).
    public struct Recipient: Codable, Sendable, Equatable {
        public var organId: String
        public var name: String?
        public init(organId: String, name: String? = nil) {
            self.organId = organId
            self.name = name
        }
    }

    /// Where an outgoing document stands at one recipient.
    public struct Delivery: Codable, Sendable, Equatable {
        public let organId: String
        public let name: String
        public let statusCode: String?
        public let statuses: [String]
    }
}

/// An incoming document registered by hand or from a scan (files are attached afterwards).
public struct NewIncoming: Codable, Sendable {
    public var senderName: String
    public var senderId: String?
    public var codeNumber: String
    public var codeNotation: String?
    public var documentDate: LocalDate
    public var typeCode: String
    public var subject: String
    public var summary: String?
    public var urgency: Urgency?
    public var secrecy: Secrecy?
    public var channel: ArrivalChannel?
    /// Secret documents: who may read them besides the registering clerk.
    public var readers: [String]?
    public init(
        senderName: String,
        senderId: String? = nil,
        codeNumber: String,
        codeNotation: String? = nil,
        documentDate: LocalDate,
        typeCode: String,
        subject: String,
        summary: String? = nil,
        urgency: Urgency? = nil,
        secrecy: Secrecy? = nil,
        channel: ArrivalChannel? = nil,
        readers: [String]? = nil
    ) {
        self.senderName = senderName
        self.senderId = senderId
        self.codeNumber = codeNumber
        self.codeNotation = codeNotation
        self.documentDate = documentDate
        self.typeCode = typeCode
        self.subject = subject
        self.summary = summary
        self.urgency = urgency
        self.secrecy = secrecy
        self.channel = channel
        self.readers = readers
    }
}

/// A draft of an outgoing document.
public struct NewOutgoing: Codable, Sendable {
    public var typeCode: String
    public var subject: String
    public var summary: String?
    public var urgency: Urgency?
    public var secrecy: Secrecy?
    public var recipients: [OfficialDocument.Recipient]
    /// The department drafting it (its code is the công văn notation's suffix).
    public var draftingUnit: String?
    /// Who signs (a leader's username); the approvers review in order before it.
    public var signer: String
    public var signerPosition: String?
    public var approvers: [String]?
    /// The incoming document this one answers (edXML ResponseFor).
    public var responseFor: Int64?
    /// 1 revoke, 2 update, 3 replace `originalId` (an issued outgoing document of this agency).
    public var businessType: Int?
    public var originalId: Int64?
    public var readers: [String]?
    public init(
        typeCode: String,
        subject: String,
        summary: String? = nil,
        urgency: Urgency? = nil,
        secrecy: Secrecy? = nil,
        recipients: [OfficialDocument.Recipient],
        draftingUnit: String? = nil,
        signer: String,
        signerPosition: String? = nil,
        approvers: [String]? = nil,
        responseFor: Int64? = nil,
        businessType: Int? = nil,
        originalId: Int64? = nil,
        readers: [String]? = nil
    ) {
        self.typeCode = typeCode
        self.subject = subject
        self.summary = summary
        self.urgency = urgency
        self.secrecy = secrecy
        self.recipients = recipients
        self.draftingUnit = draftingUnit
        self.signer = signer
        self.signerPosition = signerPosition
        self.approvers = approvers
        self.responseFor = responseFor
        self.businessType = businessType
        self.originalId = originalId
        self.readers = readers
    }
}

/// What an action on a document carries (each action reads what it needs).
public struct DocumentActionInput: Codable, Sendable {
    public var note: String?
    public var lead: Assignee?
    public var coordinators: [Assignee]?
    public var informed: [Assignee]?
    public var deadline: LocalDate?
    public var deadlineDays: Int?
    public var to: String?
    public init(
        note: String? = nil,
        lead: Assignee? = nil,
        coordinators: [Assignee]? = nil,
        informed: [Assignee]? = nil,
        deadline: LocalDate? = nil,
        deadlineDays: Int? = nil,
        to: String? = nil
    ) {
        self.note = note
        self.lead = lead
        self.coordinators = coordinators
        self.informed = informed
        self.deadline = deadline
        self.deadlineDays = deadlineDays
        self.to = to
    }
}

/// A search over an agency's documents.
public struct DocumentQuery: Sendable {
    public var text: String?
    public var direction: DocumentDirection?
    public var typeCode: String?
    public var from: LocalDate?
    public var to: LocalDate?
    public var status: DocumentStatus?
    /// Only documents with an assignment still in this user's hands (their work queue).
    public var assignedTo: String?
    public init(
        text: String? = nil,
        direction: DocumentDirection? = nil,
        typeCode: String? = nil,
        from: LocalDate? = nil,
        to: LocalDate? = nil,
        status: DocumentStatus? = nil,
        assignedTo: String? = nil
    ) {
        self.assignedTo = assignedTo
        self.text = text
        self.direction = direction
        self.typeCode = typeCode
        self.from = from
        self.to = to
        self.status = status
    }
}
