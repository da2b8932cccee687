/// Who is acting: the signed-in account (or the system itself for CLI and background work),
/// with what the audit log and permission checks need.
public struct Principal: Sendable, Hashable, Codable {
    public let userID: Int64?
    public let username: String
    public let roles: Set<Role>
    public let agency: String?

    public init(userID: Int64?, username: String, roles: Set<Role>, agency: String?) {
        self.userID = userID
        self.username = username
        self.roles = roles
        self.agency = agency
    }

    /// The platform itself (CLI, seeding, background workers).
    public static func system(_ name: String = "system") -> Principal {
        Principal(userID: nil, username: name, roles: [.systemAdmin], agency: nil)
    }

    public var permissions: Set<Permission> {
        roles.reduce(into: Set<Permission>()) { $0.formUnion(Permission.granted(to: $1)) }
    }

    public func has(_ permission: Permission) -> Bool { permissions.contains(permission) }

    public func allows(_ access: Access) -> Bool {
        switch access {
        case .everyone, .signedIn: true
        case .permission(let permission): has(permission)
        }
    }

    /// Whether the principal may act on something belonging to `agency` under `permission`:
    /// system-wide roles everywhere, agency admins only in their own agency.
    public func may(_ permission: Permission, inAgency agency: String?) -> Bool {
        guard has(permission) else { return false }
        if roles.contains(.systemAdmin) || roles.contains(.auditor) || !permission.isAgencyScoped { return true }
        return agency != nil && agency == self.agency
    }

    /// The main role, for the audit log.
    public var primaryRole: Role { roles.sorted().last ?? .citizen }
}
