import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// Accounts: creation (staff and citizens), lookup and listing. Every change is audited.
public struct AccountStore: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let clock: WallClock

    public init(database: Database, hasher: PasswordHasher, clock: WallClock = .system) {
        self.database = database
        self.hasher = hasher
        self.clock = clock
    }

    struct Row: Decodable {
        let id: Int64
        let username: String
        let passwordHash: String
        let fullName: String
        let kind: String
        let phone: String?
        let email: String?
        let citizenId: String?
        let agencyIdentifier: String?
        let departmentCode: String?
        let status: String
        let failedLogins: Int
        let lockedUntil: Int64?
        let tokensRevokedAt: Int64?
    }

    static let columns = [
        "id", "username", "password_hash", "full_name", "kind", "phone", "email", "citizen_id",
        "agency_identifier", "department_code", "status", "failed_logins", "locked_until", "tokens_revoked_at",
    ]

    func row(username: String, _ db: any SQLDatabase) async throws -> Row? {
        try await db.select().columns(Self.columns).from("users").where("username", .equal, username)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    static func roles(of id: Int64, _ db: any SQLDatabase) async throws -> [Role] {
        try await db.select().column("role").from("user_roles").where("user_id", .equal, id).all()
            .compactMap { Role(rawValue: try $0.decode(column: "role", as: String.self)) }.sorted()
    }

    static func account(_ row: Row, roles: [Role]) -> Account {
        Account(
            id: row.id,
            username: row.username,
            fullName: row.fullName,
            kind: AccountKind(rawValue: row.kind) ?? .citizen,
            roles: roles,
            phone: row.phone,
            email: row.email,
            citizenId: row.citizenId,
            agencyIdentifier: row.agencyIdentifier,
            departmentCode: row.departmentCode,
            status: AccountStatus(rawValue: row.status) ?? .disabled,
            lockedUntil: row.lockedUntil,
            tokensRevokedAt: row.tokensRevokedAt
        )
    }

    public func account(id: Int64) async throws -> Account? {
        try await accountWithRoles(where: "id", equals: id)
    }

    public func account(username: String) async throws -> Account? {
        try await accountWithRoles(where: "username", equals: username.lowercased())
    }

    /// One account and its roles in one statement (every authenticated request reads it).
    func accountWithRoles(where column: String, equals value: some Encodable & Sendable) async throws -> Account? {
        try await database.read { db in
            let rows = try await db.select().columns(Self.columns.map { SQLColumn($0, table: "users") }).column(
                SQLColumn("role", table: "user_roles")
            )
            .from("users").join(
                "user_roles",
                method: SQLJoinMethod.left,
                on: SQLColumn("user_id", table: "user_roles"),
                .equal,
                SQLColumn("id", table: "users")
            )
            .where(SQLColumn(column, table: "users"), .equal, SQLBind(value)).all()
            guard let first = rows.first else { return nil }
            let roles = try rows.compactMap { try $0.decode(column: "role", as: String?.self).flatMap(Role.init(rawValue:)) }.sorted()
            return Self.account(try first.decode(model: Row.self, keyDecodingStrategy: .convertFromSnakeCase), roles: roles)
        }
    }

    /// Creates a staff account. Staff roles need an agency (and the department, if given, must
    /// belong to it); an agency admin may only create accounts in their own agency and may not
    /// grant system-wide roles.
    @discardableResult
    public func createStaff(_ input: NewStaffAccount, by principal: Principal, requestID: String?) async throws -> Account {
        var errors: [ValidationError] = []
        func check<T>(_ body: () throws(ValidationError) -> T) -> T? {
            do { return try body() } catch {
                errors.append(error)
                return nil
            }
        }
        let username = check { () throws(ValidationError) in try AccountRules.staffUsername(input.username) }
        _ = check { () throws(ValidationError) in try AccountRules.checkPassword(input.password) }
        let fullName = check { () throws(ValidationError) in try AccountRules.fullName(input.fullName) }
        let roles = Set(input.roles)
        if let problem = AccountRules.staffRolesProblem(roles) { errors.append(problem) }
        var agency: String?
        if let text = input.agencyIdentifier, !text.isEmpty {
            agency = check { () throws(ValidationError) in try AgencyIdentifier(text).value }
        }
        if roles.contains(where: \.isStaffRole) && agency == nil && input.agencyIdentifier?.isEmpty != false {
            errors.append(
                ValidationError(
                    field: "agencyIdentifier",
                    messageVi: "Vai trò cán bộ cần gắn với một cơ quan",
                    messageEn: "Staff roles require an agency"
                )
            )
        }
        let email = input.email.flatMap { $0.isEmpty ? nil : $0 }
        let phone = input.phone.flatMap { $0.isEmpty ? nil : $0 }
        errors += AccountRules.contactProblems(email: email, phone: phone)
        guard errors.isEmpty, let username, let fullName else { throw DomainError.invalid(errors) }
        guard principal.may(.usersManage, inAgency: agency) else {
            throw DomainError.forbidden(
                messageVi: "Bạn chỉ được tạo tài khoản trong cơ quan của mình",
                messageEn: "You may only create accounts in your own agency"
            )
        }
        if !principal.roles.contains(.systemAdmin) && roles.contains(where: { !$0.isStaffRole }) {
            throw DomainError.forbidden(
                messageVi: "Chỉ quản trị hệ thống được cấp vai trò này",
                messageEn: "Only a system administrator may grant this role"
            )
        }
        let directory = AgencyDirectory(database: database, clock: clock)
        if let agency {
            guard try await directory.exists(agency) else {
                throw DomainError.invalid("agencyIdentifier", "Cơ quan \(agency) không tồn tại", "Agency \(agency) does not exist")
            }
            if let department = input.departmentCode, !department.isEmpty, try await !directory.hasDepartment(department, in: agency) {
                throw DomainError.invalid(
                    "departmentCode",
                    "Phòng ban \(department) không thuộc cơ quan \(agency)",
                    "Department \(department) is not part of \(agency)"
                )
            }
        }
        let hash = try await hasher.hash(input.password)
        let row = NewRow(
            username: username,
            passwordHash: hash,
            fullName: fullName,
            kind: .staff,
            phone: phone.flatMap(AccountRules.phone),
            email: email.flatMap(AccountRules.email),
            citizenId: nil,
            agency: agency,
            department: input.departmentCode.flatMap { $0.isEmpty ? nil : $0 },
            roles: roles.sorted()
        )
        return try await insert(row, action: "user.create", by: principal, requestID: requestID)
    }

    /// A citizen's account, checked and hashed, not yet stored (registration waits for its code).
    func checkedRegistration(_ input: CitizenRegistration) async throws -> NewRow {
        var errors: [ValidationError] = []
        let phone = AccountRules.phone(input.phoneOrEmail)
        let email = phone == nil ? AccountRules.email(input.phoneOrEmail) : nil
        if phone == nil && email == nil {
            errors.append(
                ValidationError(
                    field: "phoneOrEmail",
                    messageVi: "Nhập số điện thoại di động (10 số) hoặc địa chỉ thư điện tử",
                    messageEn: "Enter a mobile number (10 digits) or an e-mail address"
                )
            )
        }
        do { try AccountRules.checkPassword(input.password) } catch { errors.append(error) }
        var fullName = ""
        do { fullName = try AccountRules.fullName(input.fullName) } catch { errors.append(error) }
        var citizenID: String?
        if let text = input.citizenId, !text.isEmpty {
            do { citizenID = try CitizenID(text, currentYear: VietnamTime.today(clock.now()).year).value } catch { errors.append(error) }
        }
        guard errors.isEmpty, let username = phone ?? email else { throw DomainError.invalid(errors) }
        let hash = try await hasher.hash(input.password)
        return NewRow(
            username: username,
            passwordHash: hash,
            fullName: fullName,
            kind: .citizen,
            phone: phone,
            email: email,
            citizenId: citizenID,
            agency: nil,
            department: nil,
            roles: [.citizen]
        )
    }

    /// A citizen's account created by an operator (demo data, a move from an earlier system),
    /// without the code a citizen's own registration needs.
    public func createCitizen(_ input: CitizenRegistration, by principal: Principal, requestID: String?) async throws -> Account {
        try await insert(try await checkedRegistration(input), action: "user.create", by: principal, requestID: requestID)
    }

    /// Stores a confirmed citizen's account.
    func registerCitizen(_ row: NewRow, requestID: String?) async throws -> Account {
        let principal = Principal(userID: nil, username: row.username, roles: [.citizen], agency: nil)
        return try await insert(row, action: "user.register", by: principal, requestID: requestID)
    }

    struct NewRow: Sendable {
        let username: String, passwordHash: String, fullName: String, kind: AccountKind
        let phone: String?, email: String?, citizenId: String?, agency: String?, department: String?
        let roles: [Role]
    }

    func insert(_ new: NewRow, action: String, by principal: Principal, requestID: String?) async throws -> Account {
        let now = clock.millis()
        let clock = clock
        do {
            return try await database.transaction { db in
                guard
                    let inserted = try await db.insert(into: "users")
                        .columns(
                            "username",
                            "password_hash",
                            "full_name",
                            "kind",
                            "phone",
                            "email",
                            "citizen_id",
                            "agency_identifier",
                            "department_code",
                            "status",
                            "failed_logins",
                            "locked_until",
                            "created_at",
                            "updated_at"
                        )
                        .values(
                            SQLBind(new.username),
                            SQLBind(new.passwordHash),
                            SQLBind(new.fullName),
                            SQLBind(new.kind.rawValue),
                            SQLBind(new.phone),
                            SQLBind(new.email),
                            SQLBind(new.citizenId),
                            SQLBind(new.agency),
                            SQLBind(new.department),
                            SQLBind(AccountStatus.active.rawValue),
                            SQLBind(0),
                            SQLBind(Int64?.none),
                            SQLBind(now),
                            SQLBind(now)
                        )
                        .returning("id").first()
                else { throw StorageError.corrupt("insert returned no id") }
                let id = try inserted.decode(column: "id", as: Int64.self)
                for role in new.roles {
                    try await db.insert(into: "user_roles").columns("user_id", "role").values(SQLBind(id), SQLBind(role.rawValue)).run()
                }
                try await AuditLog.record(
                    AuditEntry(
                        principal: principal,
                        action: action,
                        targetType: "user",
                        targetID: String(id),
                        requestID: requestID,
                        change: [
                            "username": new.username, "kind": new.kind.rawValue, "roles": new.roles.map(\.rawValue).joined(separator: ","),
                            "agency": new.agency ?? "", "department": new.department ?? "",
                        ]
                    ),
                    on: db,
                    clock: clock
                )
                return Account(
                    id: id,
                    username: new.username,
                    fullName: new.fullName,
                    kind: new.kind,
                    roles: new.roles,
                    phone: new.phone,
                    email: new.email,
                    citizenId: new.citizenId,
                    agencyIdentifier: new.agency,
                    departmentCode: new.department,
                    status: .active,
                    lockedUntil: nil
                )
            }
        } catch  where StorageError.isUniqueViolation(error) {
            throw DomainError.conflict(
                messageVi: "Tên đăng nhập \(new.username) đã được sử dụng",
                messageEn: "Username \(new.username) is already taken"
            )
        }
    }

    /// Accounts visible to `principal`: all for system-wide roles, own agency for agency admins.
    public func list(page: PageRequest, agency: String?, by principal: Principal) async throws -> Page<Account> {
        let scope: String?
        if principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor) {
            scope = agency
        } else {
            guard let own = principal.agency, principal.has(.usersRead), agency == nil || agency == own else {
                throw DomainError.forbidden(
                    messageVi: "Bạn chỉ xem được tài khoản trong cơ quan của mình",
                    messageEn: "You may only list accounts of your own agency"
                )
            }
            scope = own
        }
        let after = try page.afterKey()
        return try await database.read { db in
            let query = db.select().columns(Self.columns).from("users")
            if let after { query.where("id", .greaterThan, after) }
            if let scope { query.where("agency_identifier", .equal, scope) }
            let rows = try await query.orderBy("id").limit(page.limit + 1).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            var accounts: [Account] = []
            for row in rows { accounts.append(Self.account(row, roles: try await Self.roles(of: row.id, db))) }
            return Page(fetched: accounts, limit: page.limit, key: \.id)
        }
    }

    /// Active staff of an agency (e.g. to choose whom to assign work to), by given name as
    /// Vietnamese lists are.
    public func staff(of agency: String) async throws -> [Account] {
        try await database.read { db in
            let rows = try await db.select().columns(Self.columns).from("users").where("agency_identifier", .equal, agency)
                .where("kind", .equal, AccountKind.staff.rawValue).where("status", .equal, AccountStatus.active.rawValue)
                .orderBy("username").all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            var accounts: [Account] = []
            for row in rows { accounts.append(Self.account(row, roles: try await Self.roles(of: row.id, db))) }
            return accounts.sortedVietnamese { VietnameseOrder.personKey($0.fullName) }
        }
    }

    /// People's full names by username (history and slips name people, not accounts); unknown
    /// usernames (the system, a peer) are left out.
    public func fullNames(of usernames: Set<String>) async throws -> [String: String] {
        guard !usernames.isEmpty else { return [:] }
        return try await database.read { db in
            let rows = try await db.select().columns("username", "full_name").from("users")
                .where("username", .in, Array(usernames.prefix(500))).all()
            return Dictionary(
                try rows.map { (try $0.decode(column: "username", as: String.self), try $0.decode(column: "full_name", as: String.self)) },
                uniquingKeysWith: { first, _ in first }
            )
        }
    }

    public func count() async throws -> Int {
        try await database.read { try await $0.count("users") }
    }
}
