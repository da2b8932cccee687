/// What a route or an action needs. Every route declares one `Access`; the mapping from roles
/// to permissions lives here and nowhere else.
public enum Permission: String, Codable, Sendable, CaseIterable {
    case directoryRead = "directory.read"
    case directoryManage = "directory.manage"
    case usersRead = "users.read"
    case usersManage = "users.manage"
    case auditRead = "audit.read"
    case calendarManage = "calendar.manage"
    case proceduresManage = "procedures.manage"
    case statisticsRead = "statistics.read"
    /// Document management and task tracking (văn bản, nhiệm vụ): staff of an agency.
    case documentsWork = "documents.work"
    /// Deliver raw packages as the national axis does (the axis gateway's service account).
    case exchangeReceive = "exchange.receive"
    case systemAdmin = "system.admin"
    /// Read the reporting definitions (indicators, disaggregations, templates, periods): staff.
    case reportingRead = "reporting.read"
    /// Manage indicators, disaggregations, validation rules and report templates.
    case reportingManage = "reporting.manage"
    /// Open and fill the reports of one's own agency.
    case reportingEnter = "reporting.enter"
    /// Return, accept and lock the reports addressed to one's own agency.
    case reportingReview = "reporting.review"

    /// The permissions each role grants.
    public static func granted(to role: Role) -> Set<Permission> {
        switch role {
        case .citizen: []
        case .counterOfficer: [.directoryRead, .documentsWork, .reportingRead]
        case .processingOfficer, .clerk: [.directoryRead, .documentsWork, .reportingRead, .reportingEnter]
        case .leader: [.directoryRead, .statisticsRead, .documentsWork, .reportingRead, .reportingEnter, .reportingReview]
        case .agencyAdmin: [.directoryRead, .usersRead, .usersManage, .reportingRead]
        case .systemAdmin: Set(Permission.allCases).subtracting([.auditRead])
        case .auditor: [.directoryRead, .usersRead, .auditRead, .statisticsRead, .reportingRead]
        }
    }

    /// Whether this permission is limited to the holder's own agency for agency-scoped roles.
    public var isAgencyScoped: Bool { self == .usersRead || self == .usersManage }
}

/// The access a route declares.
public enum Access: Sendable, Hashable, CustomStringConvertible {
    /// Open to anyone, signed in or not (home page, login, health, public catalogue).
    case everyone
    /// Any signed-in account.
    case signedIn
    /// A signed-in account whose roles grant the permission.
    case permission(Permission)

    public var description: String {
        switch self {
        case .everyone: "public"
        case .signedIn: "signed-in"
        case .permission(let p): p.rawValue
        }
    }
}
