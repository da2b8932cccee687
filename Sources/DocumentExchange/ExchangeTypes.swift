import Core
import Foundation
import SQLKit
import Synchronization

/// A document to send through the axis.
public struct OutgoingDocument: Codable, Sendable {
    public struct File: Codable, Sendable {
        public var name: String
        public var contentType: String
        /// Base64 on the wire.
        public var content: Data
        /// A detached CMS signature made beforehand (by the document's signer); when nil the
        /// sending agency's certificate signs the file.
        public var signature: Data?
        public init(name: String, contentType: String, content: Data, signature: Data? = nil) {
            self.name = name
            self.contentType = contentType
            self.content = content
            self.signature = signature
        }
    }

    /// A recipient outside the directory (another province, a ministry) needs its name.
    public struct Recipient: Codable, Sendable {
        public var organId: String
        public var name: String?
        public init(organId: String, name: String? = nil) {
            self.organId = organId
            self.name = name
        }
    }

    public var codeNumber: String
    public var codeNotation: String
    public var typeName: String
    public var subject: String
    public var content: String?
    public var signerPosition: String?
    public var signerFullName: String?
    public var priority: Int?
    public var steeringType: Int?
    public var recipients: [Recipient]
    public var files: [File]
    /// 0 new (default), 1 revoke, 2 update, 3 replace — of `originalDocumentId`.
    public var businessType: Int?
    public var originalDocumentId: String?
    public var reason: String?
    /// The promulgation date (today when nil); part of the DocumentId.
    public var promulgationDate: LocalDate?
    /// The documents this one answers.
    public var responseFor: [EdXMLResponseFor]?

    public init(
        codeNumber: String,
        codeNotation: String,
        typeName: String,
        subject: String,
        content: String? = nil,
        signerPosition: String? = nil,
        signerFullName: String? = nil,
        priority: Int? = nil,
        steeringType: Int? = nil,
        recipients: [Recipient],
        files: [File],
        businessType: Int? = nil,
        originalDocumentId: String? = nil,
        reason: String? = nil,
        promulgationDate: LocalDate? = nil,
        responseFor: [EdXMLResponseFor]? = nil
    ) {
        self.codeNumber = codeNumber
        self.codeNotation = codeNotation
        self.typeName = typeName
        self.subject = subject
        self.content = content
        self.signerPosition = signerPosition
        self.signerFullName = signerFullName
        self.priority = priority
        self.steeringType = steeringType
        self.recipients = recipients
        self.files = files
        self.businessType = businessType
        self.originalDocumentId = originalDocumentId
        self.reason = reason
        self.promulgationDate = promulgationDate
        self.responseFor = responseFor
    }

    enum CodingKeys: String, CodingKey {
        case codeNumber, codeNotation, typeName, subject, content, signerPosition, signerFullName, priority, steeringType, recipients, files
        case businessType, originalDocumentId, reason, promulgationDate, responseFor
    }

    /// `files` may be left out: a multipart upload sends them as file parts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            codeNumber: try c.decode(String.self, forKey: .codeNumber),
            codeNotation: try c.decode(String.self, forKey: .codeNotation),
            typeName: try c.decode(String.self, forKey: .typeName),
            subject: try c.decode(String.self, forKey: .subject),
            content: try c.decodeIfPresent(String.self, forKey: .content),
            signerPosition: try c.decodeIfPresent(String.self, forKey: .signerPosition),
            signerFullName: try c.decodeIfPresent(String.self, forKey: .signerFullName),
            priority: try c.decodeIfPresent(Int.self, forKey: .priority),
            steeringType: try c.decodeIfPresent(Int.self, forKey: .steeringType),
            recipients: try c.decode([Recipient].self, forKey: .recipients),
            files: try c.decodeIfPresent([File].self, forKey: .files) ?? [],
            businessType: try c.decodeIfPresent(Int.self, forKey: .businessType),
            originalDocumentId: try c.decodeIfPresent(String.self, forKey: .originalDocumentId),
            reason: try c.decodeIfPresent(String.self, forKey: .reason),
            promulgationDate: try c.decodeIfPresent(LocalDate.self, forKey: .promulgationDate),
            responseFor: try c.decodeIfPresent([EdXMLResponseFor].self, forKey: .responseFor)
        )
    }
}

/// A document as one agency sees it (sent or received), with its timeline.
public struct ExchangeMessage: Codable, Sendable, Equatable {
    public enum Direction: String, Codable, Sendable {
        case outgoing = "out"
        case incoming = "in"
    }
    public struct Event: Codable, Sendable, Equatable {
        public let code: String
        public let description: String
        public let actor: String
        public let at: Int64
    }
    /// A received attachment's signature check.
    public struct SignatureCheck: Codable, Sendable, Equatable {
        public let file: String
        public let valid: Bool
        public let signer: String?
        public let problems: [String]
        /// Accepted but worth telling (an old algorithm, a signature outside its namespace).
        public var warnings: [String]? = nil
    }

    public let id: Int64
    public let documentId: String
    public let direction: Direction
    public let agency: String
    public let counterpart: String
    public let counterpartName: String
    public let subject: String
    public let code: String
    public let businessType: Int
    public let statusCode: String?
    public let createdAt: Int64
    public var events: [Event]?
    public var signatures: [SignatureCheck]?
    /// Received: the rules the package breaks (it was accepted all the same), `field: message`.
    public var warnings: [String]? = nil
    /// Received: the document's date (PromulgationDate), type name and signer, as the sender wrote them.
    public var documentDate: LocalDate? = nil
    public var typeName: String? = nil
    public var signer: String? = nil

    /// Received and not yet registered or refused (01: an update its sender made meanwhile
    /// leaves it there, with the new content).
    public static func awaitsRegistration(_ statusCode: String?) -> Bool { statusCode == EdXMLStatus.Code.arrived.rawValue }
}

/// A sender's revocation (1), update (2) or replacement (3) of a document an agency of this
/// platform received, told to whoever keeps a record made from that copy (Documents marks the
/// registered document). Listeners run inside the transaction that records the change.
public struct SenderChange: Sendable, Equatable {
    /// The received copy the change is about (`ExchangeMessage.id`).
    public let messageID: Int64
    public let agency: String
    public let businessType: Int
    public let reason: String
    /// What the update changed, one line per field ("Trích yếu: … → …").
    public let changes: [String]
    public let actor: String
    public let at: Int64
}

/// Who is told of sender changes (shared by every copy of an `ExchangeStore`).
public final class SenderChangeListeners: Sendable {
    public typealias Listener = @Sendable (SenderChange, any SQLDatabase) async throws -> Void
    private let listeners = Mutex<[Listener]>([])

    public init() {}

    /// Adds a listener (at start-up, before requests are served).
    public func add(_ listener: @escaping Listener) { listeners.withLock { $0.append(listener) } }

    func tell(_ change: SenderChange, on db: any SQLDatabase) async throws {
        for listener in listeners.withLock({ $0 }) { try await listener(change, db) }
    }
}
