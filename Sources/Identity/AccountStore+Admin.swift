import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// An administrator's edit of a staff account: name, roles, department and contacts (the
/// username and the agency stay; a move between agencies is a new account).
public struct StaffChange: Sendable {
    public let fullName: String
    public let roles: [Role]
    public let departmentCode: String?
    public let email: String?
    public let phone: String?

    public init(fullName: String, roles: [Role], departmentCode: String?, email: String?, phone: String?) {
        self.fullName = fullName
        self.roles = roles
        self.departmentCode = departmentCode
        self.email = email
        self.phone = phone
    }
}

extension AccountStore {
    /// The account `principal` may manage: a system administrator any account, an agency
    /// administrator those of their own agency (others are not found, so none is disclosed).
    public func managed(_ id: Int64, by principal: Principal) async throws -> Account {
        guard principal.has(.usersRead), let account = try await account(id: id), principal.may(.usersRead, inAgency: account.agencyIdentifier)
        else { throw DomainError.notFound(what: "user") }
        return account
    }

    /// Edits a staff account, every mistake reported at once. Nobody removes their own right to
    /// manage accounts, and only a system administrator grants system-wide roles. Audited with
    /// what changed.
    @discardableResult
    public func updateStaff(_ id: Int64, _ change: StaffChange, by principal: Principal, requestID: String?) async throws -> Account {
        let account = try await managed(id, by: principal)
        guard principal.may(.usersManage, inAgency: account.agencyIdentifier), account.kind == .staff else {
            throw DomainError.forbidden(messageVi: "Bạn không được sửa tài khoản này", messageEn: "You may not edit this account")
        }
        let roles = Set(change.roles)
        var errors: [ValidationError] = []
        var fullName = account.fullName
        do { fullName = try AccountRules.fullName(change.fullName) } catch { errors.append(error) }
        errors += Self.roleProblems(roles, of: account, by: principal)
        let email = change.email.flatMap { $0.isEmpty ? nil : $0 }
        let phone = change.phone.flatMap { $0.isEmpty ? nil : $0 }
        errors += AccountRules.contactProblems(email: email, phone: phone)
        let department = change.departmentCode.flatMap { $0.isEmpty ? nil : $0 }
        if let department, let agency = account.agencyIdentifier,
            try await !AgencyDirectory(database: database, clock: clock).hasDepartment(department, in: agency)
        {
            errors.append(
                ValidationError(
                    field: "departmentCode",
                    messageVi: "Phòng ban không thuộc cơ quan",
                    messageEn: "The department is not part of the agency"
                )
            )
        }
        guard errors.isEmpty else { throw DomainError.invalid(errors) }
        var changed: [String: String] = [:]
        if fullName != account.fullName { changed["fullName"] = fullName }
        if roles != Set(account.roles) { changed["roles"] = roles.sorted().map(\.rawValue).joined(separator: ",") }
        if department != account.departmentCode { changed["departmentCode"] = department ?? "" }
        if email.flatMap(AccountRules.email) != account.email { changed["email"] = email == nil ? "" : "changed" }
        if phone.flatMap(AccountRules.phone) != account.phone { changed["phone"] = phone == nil ? "" : "changed" }
        guard !changed.isEmpty else { return account }
        let (name, change) = (fullName, changed)
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            try await db.update("users").set("full_name", to: name).set("department_code", to: department)
                .set("email", to: email.flatMap(AccountRules.email)).set("phone", to: phone.flatMap(AccountRules.phone)).set("updated_at", to: now)
                .where("id", .equal, id).run()
            if change["roles"] != nil {
                try await db.delete(from: "user_roles").where("user_id", .equal, id).run()
                for role in roles.sorted() {
                    try await db.insert(into: "user_roles").columns("user_id", "role").values(SQLBind(id), SQLBind(role.rawValue)).run()
                }
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "user.update",
                    targetType: "user",
                    targetID: String(id),
                    requestID: requestID,
                    change: change
                ),
                on: db,
                clock: clock
            )
        }
        return try await self.account(id: id) ?? account
    }

    /// The problems of giving `roles` to `account`: at least one staff role, system-wide roles
    /// only from a system administrator, and an administrator keeps their own admin role.
    static func roleProblems(_ roles: Set<Role>, of account: Account, by principal: Principal) -> [ValidationError] {
        var errors: [ValidationError] = []
        if let problem = AccountRules.staffRolesProblem(roles) { errors.append(problem) }
        let granted = roles.symmetricDifference(Set(account.roles))
        if !principal.roles.contains(.systemAdmin), granted.contains(where: { !$0.isStaffRole }) {
            errors.append(
                ValidationError(
                    field: "roles",
                    messageVi: "Chỉ quản trị hệ thống được cấp vai trò này",
                    messageEn: "Only a system administrator may grant this role"
                )
            )
        }
        if account.id == principal.userID, !Principal(userID: nil, username: "", roles: roles, agency: nil).has(.usersManage) {
            errors.append(
                ValidationError(
                    field: "roles",
                    messageVi: "Bạn không thể tự bỏ quyền quản trị của mình",
                    messageEn: "You cannot remove your own administrator role"
                )
            )
        }
        return errors
    }

    /// Locks (`active == false`) or unlocks an account. Locking ends its sessions and API tokens
    /// at once; unlocking also clears a lock left by failed sign-ins. Nobody locks themselves.
    @discardableResult
    public func setActive(_ active: Bool, _ id: Int64, by principal: Principal, requestID: String?) async throws -> Account {
        let account = try await managed(id, by: principal)
        guard principal.may(.usersManage, inAgency: account.agencyIdentifier) else {
            throw DomainError.forbidden(messageVi: "Bạn không được khóa, mở tài khoản này", messageEn: "You may not lock or unlock this account")
        }
        guard account.id != principal.userID else {
            throw DomainError.conflict(messageVi: "Bạn không thể tự khóa tài khoản của mình", messageEn: "You cannot lock your own account")
        }
        if account.roles.contains(.systemAdmin), !principal.roles.contains(.systemAdmin) {
            throw DomainError.forbidden(
                messageVi: "Chỉ quản trị hệ thống được khóa tài khoản này",
                messageEn: "Only a system administrator may lock this account"
            )
        }
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let status = active ? AccountStatus.active : AccountStatus.disabled
            let update = db.update("users").set("status", to: status.rawValue).set("updated_at", to: now)
            if active {
                update.set("failed_logins", to: 0).set("locked_until", to: SQLLiteral.null)
            } else {
                update.set("tokens_revoked_at", to: now)
            }
            try await update.where("id", .equal, id).run()
            if !active { try await Self.endSessions(of: id, except: nil, db) }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: active ? "user.enable" : "user.disable",
                    targetType: "user",
                    targetID: String(id),
                    requestID: requestID
                ),
                on: db,
                clock: clock
            )
        }
        return try await self.account(id: id) ?? account
    }

    /// Sends the account's owner a password-reset code (to their phone or e-mail, never to the
    /// administrator, who never learns a password). Refused when the account has no contact.
    public func sendPasswordReset(_ id: Int64, by principal: Principal, requestID: String?) async throws {
        let account = try await managed(id, by: principal)
        guard principal.may(.usersManage, inAgency: account.agencyIdentifier) else {
            throw DomainError.forbidden(messageVi: "Bạn không được đặt lại mật khẩu này", messageEn: "You may not reset this password")
        }
        guard account.status == .active else {
            throw DomainError.conflict(messageVi: "Tài khoản đang bị khóa; hãy mở khóa trước", messageEn: "The account is locked; unlock it first")
        }
        guard account.phone != nil || account.email != nil else {
            throw DomainError.conflict(
                messageVi: "Tài khoản chưa có điện thoại hoặc thư điện tử để nhận mã; hãy cập nhật liên hệ trước",
                messageEn: "The account has no phone or e-mail to receive the code; add one first"
            )
        }
        _ = try await startPasswordReset(username: account.username, requestID: requestID)
        let clock = clock
        try await database.transaction { db in
            try await AuditLog.record(
                AuditEntry(principal: principal, action: "user.password_reset_sent", targetType: "user", targetID: String(id), requestID: requestID),
                on: db,
                clock: clock
            )
        }
    }
}
