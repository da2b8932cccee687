import Core
import Directory
import Foundation
import Hummingbird
import Identity

/// Administration of staff accounts from pages: list, create, edit, lock and unlock, and a
/// password-reset code sent to the owner. Agency administrators see and manage only their
/// agency's accounts; every change is audited by the store.
struct AdminUserPages: Sendable {
    let services: WebServices

    func addRoutes(to routes: RouteBuilder) {
        routes.get("/admin/users", .permission(.usersRead)) { request, context in try await list(request, context) }
        routes.get("/admin/users/new", .permission(.usersManage)) { request, context in
            try await newForm(request, context, agency: request.uri.stringParameter("agency"))
        }
        routes.post("/admin/users", .permission(.usersManage)) { request, context in try await create(request, context) }
        routes.get("/admin/users/:id", .permission(.usersRead)) { request, context in
            try await detail(request, context, id: try context.parameters.number("id", orNotFound: "user"))
        }
        routes.post("/admin/users/:id", .permission(.usersManage)) { request, context in try await update(request, context) }
        routes.post("/admin/users/:id/lock", .permission(.usersManage)) { request, context in try await setActive(false, request, context) }
        routes.post("/admin/users/:id/unlock", .permission(.usersManage)) { request, context in try await setActive(true, request, context) }
        routes.post("/admin/users/:id/password-reset", .permission(.usersManage)) { request, context in
            try await sendPasswordReset(request, context)
        }
    }

    // MARK: List

    func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let chosen = request.uri.stringParameter("agency").flatMap { $0.isEmpty ? nil : $0 }
        let page = try await services.accounts.list(page: try request.uri.pageRequest(), agency: chosen, by: context.principal)
        let agencies = try await services.directory.names()
        let labels = Labels(context.language)
        let rows = page.items.map { account in
            AdminUserViews.List.Row(
                id: account.id,
                username: account.username,
                fullName: account.fullName,
                roles: account.roles.map(labels.role),
                agency: account.agencyIdentifier.map { agencies[$0] ?? $0 } ?? "",
                status: labels.status(of: account, now: Date()),
                locked: account.status != .active
            )
        }
        let isSystemAdmin = context.principal.roles.contains(.systemAdmin) || context.principal.roles.contains(.auditor)
        let filter =
            isSystemAdmin
            ? agencies.map { SelectOption(value: $0.key, label: $0.value, selected: $0.key == chosen) }.sorted(by: Self.byLabel) : []
        return try services.pages.render(
            "users",
            titleKey: "users",
            page: AdminUserViews.List(
                users: rows,
                nextCursor: page.nextCursor,
                canCreate: context.principal.has(.usersManage),
                agencies: filter,
                agency: chosen ?? ""
            ),
            request: request,
            context: context
        )
    }

    // MARK: Create

    func newForm(
        _ request: Request,
        _ context: SignedInContext,
        agency requested: String?,
        refusal: Problem? = nil,
        typed: [String: String] = [:]
    ) async throws -> Response {
        let isSystemAdmin = context.principal.roles.contains(.systemAdmin)
        let agencyID = isSystemAdmin ? requested.flatMap { $0.isEmpty ? nil : $0 } : context.principal.agency
        let agency = try await agencyID.asyncFlatMap { try await services.directory.agency($0) }
        let choices =
            isSystemAdmin
            ? try await services.directory.names().map { SelectOption(value: $0.key, label: $0.value, selected: $0.key == agencyID) }
                .sorted(by: Self.byLabel) : []
        let roles = Set(Self.roles(in: typed))
        return try services.pages.render(
            "user-new",
            titleKey: "newUser",
            page: AdminUserViews.Form(
                action: "/admin/users",
                username: typed["username"] ?? "",
                fullName: typed["fullName"] ?? "",
                email: typed["email"] ?? "",
                phone: typed["phone"] ?? "",
                roles: roleOptions(checked: roles, for: context),
                departments: departmentOptions(agency, selected: typed["departmentCode"]),
                agency: agency.map { SelectOption(value: $0.identifier, label: "\($0.name) (\($0.identifier))", selected: true) },
                agencies: choices,
                chooseAgency: isSystemAdmin
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func create(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let form = try await Form.read(request)
        let input = NewStaffAccount(
            username: form["username"] ?? "",
            password: form["password"] ?? "",
            fullName: form["fullName"] ?? "",
            roles: Self.roles(in: form),
            agencyIdentifier: form["agencyIdentifier"],
            departmentCode: form["departmentCode"],
            email: form["email"],
            phone: form["phone"]
        )
        return try await Refusal.shown(in: context) {
            let account = try await services.accounts.createStaff(input, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/admin/users/\(account.id)", type: .normal)
                .flashing(context.language == .vi ? "Đã tạo tài khoản \(account.username)." : "Account \(account.username) created.")
        } again: { problem in
            var typed = form.fields
            typed["password"] = nil
            return try await newForm(request, context, agency: form["agencyIdentifier"], refusal: problem, typed: typed)
        }
    }

    // MARK: One account

    func detail(_ request: Request, _ context: SignedInContext, id: Int64, refusal: Problem? = nil, typed: [String: String]? = nil) async throws
        -> Response
    {
        let account = try await services.accounts.managed(id, by: context.principal)
        let agency = try await account.agencyIdentifier.asyncFlatMap { try await services.directory.agency($0) }
        let labels = Labels(context.language)
        let checked =
            typed.map { Set(Self.roles(in: $0)) } ?? Set(account.roles)
        let mayManage = context.principal.may(.usersManage, inAgency: account.agencyIdentifier) && account.kind == .staff
        return try services.pages.render(
            "user",
            titleKey: "user",
            page: AdminUserViews.Detail(
                id: account.id,
                username: account.username,
                status: labels.status(of: account, now: Date()),
                active: account.status == .active,
                isSelf: account.id == context.principal.userID,
                mayManage: mayManage,
                roleNames: account.roles.map(labels.role),
                agencyName: agency.map { "\($0.name) (\($0.identifier))" } ?? account.agencyIdentifier,
                form: AdminUserViews.Form(
                    action: "/admin/users/\(account.id)",
                    username: account.username,
                    fullName: typed?["fullName"] ?? account.fullName,
                    email: typed?["email"] ?? account.email ?? "",
                    phone: typed?["phone"] ?? account.phone ?? "",
                    roles: roleOptions(checked: checked, for: context, keeping: Set(account.roles)),
                    departments: departmentOptions(agency, selected: typed?["departmentCode"] ?? account.departmentCode),
                    agency: nil,
                    agencies: [],
                    chooseAgency: false
                )
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func update(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try context.parameters.number("id", orNotFound: "user")
        let form = try await Form.read(request)
        let change = StaffChange(
            fullName: form["fullName"] ?? "",
            roles: Self.roles(in: form),
            departmentCode: form["departmentCode"],
            email: form["email"],
            phone: form["phone"]
        )
        return try await Refusal.shown(in: context) {
            let account = try await services.accounts.updateStaff(id, change, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/admin/users/\(id)", type: .normal)
                .flashing(context.language == .vi ? "Đã lưu tài khoản \(account.username)." : "Account \(account.username) saved.")
        } again: { problem in
            try await detail(request, context, id: id, refusal: problem, typed: form.fields)
        }
    }

    /// Locks (after a confirmation page) or unlocks an account.
    func setActive(_ active: Bool, _ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try context.parameters.number("id", orNotFound: "user")
        let form = try await Form.read(request)
        let vi = context.language == .vi
        if !active, form["confirmed"] != "yes" {
            let account = try await services.accounts.managed(id, by: context.principal)
            return try services.pages.confirm(
                ConfirmPage(
                    question: vi ? "Khóa tài khoản \(account.fullName) (\(account.username))?" : "Lock \(account.fullName) (\(account.username))?",
                    consequence: vi
                        ? "Người dùng bị đăng xuất ngay trên mọi thiết bị và không đăng nhập được cho đến khi được mở khóa. Hồ sơ, văn bản của họ vẫn giữ nguyên."
                        : "They are signed out at once everywhere and cannot sign in until unlocked. Their dossiers and documents stay as they are.",
                    action: "/admin/users/\(id)/lock",
                    fields: [],
                    confirmLabel: vi ? "Khóa tài khoản" : "Lock the account",
                    back: "/admin/users/\(id)",
                    note: nil
                ),
                request: request,
                context: context
            )
        }
        return try await Refusal.shown(in: context) {
            let account = try await services.accounts.setActive(active, id, by: context.principal, requestID: context.requestID)
            let done =
                active
                ? (vi ? "Đã mở khóa tài khoản \(account.username)." : "Account \(account.username) unlocked.")
                : (vi ? "Đã khóa tài khoản \(account.username)." : "Account \(account.username) locked.")
            return Response.redirect(to: "/admin/users/\(id)", type: .normal).flashing(done)
        } again: { problem in
            try await detail(request, context, id: id, refusal: problem)
        }
    }

    func sendPasswordReset(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let id = try context.parameters.number("id", orNotFound: "user")
        return try await Refusal.shown(in: context) {
            try await services.accounts.sendPasswordReset(id, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/admin/users/\(id)", type: .normal)
                .flashing(
                    context.language == .vi
                        ? "Đã gửi mã đặt lại mật khẩu tới điện thoại hoặc thư điện tử của người dùng."
                        : "A password-reset code was sent to the user's phone or e-mail."
                )
        } again: { problem in
            try await detail(request, context, id: id, refusal: problem)
        }
    }

    // MARK: Pieces

    /// The roles this administrator may give: a system administrator any staff or system-wide
    /// role, an agency administrator the staff roles (a system-wide role already held is shown,
    /// fixed, so that saving keeps it).
    func roleOptions(checked: Set<Role>, for context: SignedInContext, keeping held: Set<Role> = []) -> [AdminUserViews.RoleOption] {
        let labels = Labels(context.language)
        let isSystemAdmin = context.principal.roles.contains(.systemAdmin)
        return Role.allCases.filter { $0 != .citizen && (isSystemAdmin || $0.isStaffRole || held.contains($0)) }.map { role in
            AdminUserViews.RoleOption(
                value: role.rawValue,
                label: labels.role(role),
                checked: checked.contains(role),
                fixed: !isSystemAdmin && !role.isStaffRole
            )
        }
    }

    func departmentOptions(_ agency: Agency?, selected: String?) -> [SelectOption] {
        (agency?.departments ?? []).map { SelectOption(value: $0.code, label: $0.name, selected: $0.code == selected) }
            .sorted(by: Self.byLabel)
    }

    static func roles(in form: Form) -> [Role] { roles(in: form.fields) }

    /// The roles ticked in a form's fields (`role_<raw value>` checkboxes).
    static func roles(in fields: [String: String]) -> [Role] {
        fields.keys.compactMap { $0.hasPrefix("role_") ? Role(rawValue: String($0.dropFirst(5))) : nil }.sorted()
    }

    static func byLabel(_ a: SelectOption, _ b: SelectOption) -> Bool { VietnameseOrder.precedes(a.label, b.label) }
}

/// The labels of accounts' internal values in the page's language.
struct Labels {
    let language: Language

    init(_ language: Language) { self.language = language }

    func role(_ role: Role) -> String { language == .vi ? role.nameVi : role.nameEn }

    func status(of account: Account, now: Date) -> String {
        if account.status != .active { return language == .vi ? "Đã khóa" : "Locked" }
        if let until = account.lockedUntil, until > now.epochMillis {
            return language == .vi ? "Tạm khóa do đăng nhập sai nhiều lần" : "Paused after failed sign-ins"
        }
        return language == .vi ? "Đang hoạt động" : "Active"
    }
}

/// View models of the user administration pages.
enum AdminUserViews {
    struct RoleOption {
        let value: String
        let label: String
        let checked: Bool
        /// Held but not the administrator's to change (kept as it is).
        let fixed: Bool
    }

    struct List {
        struct Row {
            let id: Int64
            let username: String
            let fullName: String
            let roles: [String]
            let agency: String
            let status: String
            let locked: Bool
        }

        let users: [Row]
        let nextCursor: String?
        let canCreate: Bool
        /// The agency filter (system administrators and auditors only).
        let agencies: [SelectOption]
        let agency: String
    }

    /// The fields of a staff account, new or edited.
    struct Form {
        let action: String
        let username: String
        let fullName: String
        let email: String
        let phone: String
        let roles: [RoleOption]
        let departments: [SelectOption]
        /// The agency a new account is created in.
        let agency: SelectOption?
        /// Agencies a system administrator chooses from (a new account).
        let agencies: [SelectOption]
        let chooseAgency: Bool
    }

    struct Detail {
        let id: Int64
        let username: String
        let status: String
        let active: Bool
        let isSelf: Bool
        let mayManage: Bool
        let roleNames: [String]
        let agencyName: String?
        let form: Form
    }
}
