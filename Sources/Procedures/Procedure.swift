import Core

/// How far a procedure can be done online (Decree 42/2022: "một phần" = old level 3,
/// "toàn trình" = old level 4; information only covers old levels 1–2).
public enum OnlineLevel: String, Codable, Sendable, CaseIterable {
    case information
    case partial
    case full

    public var nameVi: String {
        switch self {
        case .information: "Cung cấp thông tin"
        case .partial: "Trực tuyến một phần"
        case .full: "Trực tuyến toàn trình"
        }
    }

    public var nameEn: String {
        switch self {
        case .information: "Information only"
        case .partial: "Partly online"
        case .full: "Fully online"
        }
    }

    /// Whether dossiers can be submitted online.
    public var acceptsOnlineSubmission: Bool { self != .information }
}

/// A document the applicant must (or may) provide.
public struct RequiredDocument: Codable, Sendable, Equatable {
    public var name: String
    public var required: Bool
    public var copies: Int
    /// A downloadable form template (path or URL), if any.
    public var formTemplate: String?

    public init(name: String, required: Bool = true, copies: Int = 1, formTemplate: String? = nil) {
        self.name = name
        self.required = required
        self.copies = copies
        self.formTemplate = formTemplate
    }
}

/// A fee or charge (phí, lệ phí) in VND.
public struct Fee: Codable, Sendable, Equatable {
    public var name: String
    public var amount: Int64

    public init(name: String, amount: Int64) {
        self.name = name
        self.amount = amount
    }
}

/// One step of the processing workflow.
public struct WorkflowStep: Codable, Sendable, Equatable {
    public var name: String
    /// The agency that carries out the step; nil means the agency that received the dossier.
    public var agencyIdentifier: String?
    /// The department within that agency, if fixed.
    public var departmentCode: String?
    public var role: Role
    /// This step's share of the processing time, in working days.
    public var days: Int

    public init(name: String, agencyIdentifier: String? = nil, departmentCode: String? = nil, role: Role, days: Int) {
        self.name = name
        self.agencyIdentifier = agencyIdentifier
        self.departmentCode = departmentCode
        self.role = role
        self.days = days
    }
}

/// An administrative procedure (thủ tục hành chính) of the catalogue.
public struct Procedure: Codable, Sendable, Equatable {
    /// National code, e.g. `1.001612`.
    public var code: String
    public var name: String
    public var fieldCode: String
    public var fieldName: String
    /// The implementing agency; nil when any agency of `agencyLevel` implements it.
    public var agencyIdentifier: String?
    /// `province` or `commune` when the procedure is done at every agency of that level.
    public var agencyLevel: String?
    /// Processing time in working days.
    public var processingDays: Int
    public var fees: [Fee]
    public var documents: [RequiredDocument]
    public var onlineLevel: OnlineLevel
    public var resultName: String
    public var legalBasis: String
    public var steps: [WorkflowStep]
    /// Dossiers received after this time count from the next working day (e.g. "15:00").
    public var cutoffTime: String?

    public init(
        code: String,
        name: String,
        fieldCode: String,
        fieldName: String,
        agencyIdentifier: String?,
        agencyLevel: String?,
        processingDays: Int,
        fees: [Fee],
        documents: [RequiredDocument],
        onlineLevel: OnlineLevel,
        resultName: String,
        legalBasis: String,
        steps: [WorkflowStep],
        cutoffTime: String? = nil
    ) {
        self.code = code
        self.name = name
        self.fieldCode = fieldCode
        self.fieldName = fieldName
        self.agencyIdentifier = agencyIdentifier
        self.agencyLevel = agencyLevel
        self.processingDays = processingDays
        self.fees = fees
        self.documents = documents
        self.onlineLevel = onlineLevel
        self.resultName = resultName
        self.legalBasis = legalBasis
        self.steps = steps
        self.cutoffTime = cutoffTime
    }

    public var totalFee: Int64 { fees.reduce(0) { $0 + $1.amount } }

    /// Whether more than one agency takes part (liên thông).
    public var isInterAgency: Bool { Set(steps.map { $0.agencyIdentifier ?? "" }).count > 1 }
}
