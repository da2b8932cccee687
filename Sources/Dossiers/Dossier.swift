import Core
import Foundation

/// The person or business a dossier is for (chủ hồ sơ).
public struct Applicant: Codable, Sendable, Equatable {
    public var fullName: String
    /// 1 citizen, 2 business (`LoaiDoiTuong`).
    public var kind: Int
    public var phone: String
    public var email: String?
    public var citizenId: String?
    public var address: String?

    public init(fullName: String, kind: Int = 1, phone: String, email: String? = nil, citizenId: String? = nil, address: String? = nil) {
        self.fullName = fullName
        self.kind = kind
        self.phone = phone
        self.email = email
        self.citizenId = citizenId
        self.address = address
    }

    enum CodingKeys: String, CodingKey { case fullName, kind, phone, email, citizenId, address }

    /// `kind` defaults to 1 (citizen).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            fullName: try c.decode(String.self, forKey: .fullName),
            kind: try c.decodeIfPresent(Int.self, forKey: .kind) ?? 1,
            phone: try c.decode(String.self, forKey: .phone),
            email: try c.decodeIfPresent(String.self, forKey: .email),
            citizenId: try c.decodeIfPresent(String.self, forKey: .citizenId),
            address: try c.decodeIfPresent(String.self, forKey: .address)
        )
    }
}

/// A dossier (hồ sơ) as its readers see it.
public struct Dossier: Codable, Sendable, Equatable {
    public let code: String
    public let procedureCode: String
    public let procedureName: String
    /// The one-stop desk that received it (and returns the result).
    public let receivingAgency: String
    /// The agency responsible for the procedure.
    public let implementingAgency: String
    /// The agency holding it now (the current step's).
    public let currentAgency: String
    public let currentStep: Int
    public let stepCount: Int
    public let assignedUsername: String?
    public let channel: Channel
    public let status: DossierStatus
    public let nationalStatus: Int
    public let applicant: Applicant
    public let subject: String
    public let ownerUserId: Int64?
    public let createdAt: Int64
    public let receivedAt: Int64?
    /// The appointment (ngày hẹn trả), when received.
    public let dueAt: Int64?
    public let pausedAt: Int64?
    public let pausedDays: Int
    public let supplementCount: Int
    public let extensionCount: Int
    public let finishedAt: Int64?
    public let endedAt: Int64?
    public let returnedAt: Int64?
    public let version: Int

    /// Past its appointment while the clock runs.
    public func isOverdue(at now: Int64) -> Bool {
        guard let dueAt, !status.clockStopped else { return false }
        return now > dueAt
    }
}

/// One entry of a dossier's history.
public struct DossierEvent: Codable, Sendable, Equatable {
    public let action: String
    public let fromStatus: String?
    public let toStatus: String
    public let actor: String
    public let actorRole: String
    public let agency: String?
    public let note: String?
    public let at: Int64
}

/// A file attached to a dossier.
public struct Attachment: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case submission, supplement, result }
    public let id: Int64
    public let kind: Kind
    public let documentName: String
    public let fileName: String
    public let mediaType: String
    public let size: Int
    public let sha256: String
    public let uploadedBy: String
    public let at: Int64
}

/// A dossier with its history, files and what the reader may do next.
public struct DossierDetail: Codable, Sendable {
    public let dossier: Dossier
    public let events: [DossierEvent]
    public let attachments: [Attachment]
    public let allowedActions: [DossierAction]
    public let overdue: Bool
    /// What else the reader may do now (decided by `DossierRules`, as the store checks it).
    public let abilities: DossierAbilities
}

/// What a reader may do on a dossier besides its actions.
public struct DossierAbilities: Codable, Sendable, Equatable {
    /// Attach submitted or supplementary papers.
    public let attachPapers: Bool
    /// Attach the digitised result.
    public let attachResult: Bool
    public let pay: Bool
    public let rate: Bool
}

/// What a submission or counter receipt carries.
public struct NewDossier: Codable, Sendable {
    public var procedureCode: String
    /// The receiving agency; defaults to the procedure's implementing agency.
    public var agencyIdentifier: String?
    public var applicant: Applicant
    public var subject: String?
    /// Counter receipts: 1 counter (default) or 3 postal. Online submissions are always 2.
    public var channel: Int?

    public init(procedureCode: String, agencyIdentifier: String?, applicant: Applicant, subject: String? = nil, channel: Int? = nil) {
        self.procedureCode = procedureCode
        self.agencyIdentifier = agencyIdentifier
        self.applicant = applicant
        self.subject = subject
        self.channel = channel
    }
}

/// A file given with a submission, a supplement or a result.
public struct NewAttachment: Sendable {
    public let data: Data
    public let fileName: String
    public let documentName: String

    public init(data: Data, fileName: String, documentName: String) {
        self.data = data
        self.fileName = fileName
        self.documentName = documentName
    }
}

/// The body of an action.
public struct ActionInput: Codable, Sendable {
    /// The reason or note the applicant and the history will show.
    public var note: String?
    /// `assign`: the officer's username (of the current agency).
    public var assignee: String?
    /// `extendDeadline`: the new appointment date (yyyy-MM-dd).
    public var newDueDate: String?

    public init(note: String? = nil, assignee: String? = nil, newDueDate: String? = nil) {
        self.note = note
        self.assignee = assignee
        self.newDueDate = newDueDate
    }
}
