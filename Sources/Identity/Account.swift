import Core

/// Whether an account belongs to a citizen/business or to staff of an agency.
public enum AccountKind: String, Codable, Sendable { case citizen, staff }

/// Whether an account may sign in.
public enum AccountStatus: String, Codable, Sendable { case active, disabled }

/// An account as shown to administrators and to its owner (never the password hash).
public struct Account: Codable, Sendable, Equatable {
    public let id: Int64
    public let username: String
    public let fullName: String
    public let kind: AccountKind
    public let roles: [Role]
    public let phone: String?
    public let email: String?
    public let citizenId: String?
    public let agencyIdentifier: String?
    public let departmentCode: String?
    public let status: AccountStatus
    public let lockedUntil: Int64?
    /// API tokens issued before this instant (ms) are no longer accepted (set at sign-out).
    public var tokensRevokedAt: Int64? = nil

    /// What is shown (the revocation instant is internal).
    enum CodingKeys: String, CodingKey {
        case id, username, fullName, kind, roles, phone, email, citizenId, agencyIdentifier, departmentCode, status, lockedUntil
    }

    public var principal: Principal {
        Principal(userID: id, username: username, roles: Set(roles), agency: agencyIdentifier)
    }
}

/// A staff account to create (by an operator, the CLI or an admin page).
public struct NewStaffAccount: Codable, Sendable {
    public var username: String
    public var password: String
    public var fullName: String
    public var roles: [Role]
    public var agencyIdentifier: String?
    public var departmentCode: String?
    public var email: String?
    public var phone: String?

    public init(
        username: String,
        password: String,
        fullName: String,
        roles: [Role],
        agencyIdentifier: String?,
        departmentCode: String? = nil,
        email: String? = nil,
        phone: String? = nil
    ) {
        self.username = username
        self.password = password
        self.fullName = fullName
        self.roles = roles
        self.agencyIdentifier = agencyIdentifier
        self.departmentCode = departmentCode
        self.email = email
        self.phone = phone
    }
}

/// A citizen's self-registration: by phone number or e-mail, with an optional citizen ID.
public struct CitizenRegistration: Codable, Sendable {
    public var phoneOrEmail: String
    public var password: String
    public var fullName: String
    public var citizenId: String?

    public init(phoneOrEmail: String, password: String, fullName: String, citizenId: String? = nil) {
        self.phoneOrEmail = phoneOrEmail
        self.password = password
        self.fullName = fullName
        self.citizenId = citizenId
    }
}
