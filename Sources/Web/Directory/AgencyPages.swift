import Core
import Directory
import Foundation
import Hummingbird

/// The agency directory from pages: list and search, add an agency, edit one, and add or rename
/// its departments. Every change goes through the directory's rules and audit.
struct AgencyPages: Sendable {
    let services: WebServices

    func addRoutes(to routes: RouteBuilder) {
        routes.get("/admin/agencies", .permission(.directoryManage)) { request, context in try await list(request, context) }
        routes.get("/admin/agencies/new", .permission(.directoryManage)) { request, context in try await form(request, context, agency: nil) }
        routes.post("/admin/agencies", .permission(.directoryManage)) { request, context in try await save(request, context, identifier: nil) }
        routes.get("/admin/agencies/:identifier", .permission(.directoryManage)) { request, context in
            try await form(request, context, agency: try await existing(context))
        }
        routes.post("/admin/agencies/:identifier", .permission(.directoryManage)) { request, context in
            try await save(request, context, identifier: try await existing(context).identifier)
        }
        routes.post("/admin/agencies/:identifier/departments", .permission(.directoryManage)) { request, context in
            try await saveDepartment(request, context)
        }
    }

    func existing(_ context: SignedInContext) async throws -> Agency {
        let identifier = try context.parameters.require("identifier")
        guard let agency = try await services.directory.agency(identifier) else { throw DomainError.notFound(what: "agency \(identifier)") }
        return agency
    }

    func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let q = request.uri.stringParameter("q")
        let page = try await services.directory.list(page: try request.uri.pageRequest(), query: q)
        let t = Strings.all(context.language)
        let names = try await services.directory.names()
        let rows = page.items.map {
            AgencyViews.List.Row(
                identifier: $0.identifier,
                name: $0.name,
                shortName: $0.shortName,
                parentName: $0.parentIdentifier.map { names[$0] ?? $0 } ?? "",
                kind: t["agencyKind_\($0.kind.rawValue)"] ?? $0.kind.rawValue
            )
        }
        return try services.pages.render(
            "agencies",
            titleKey: "agencies",
            page: AgencyViews.List(agencies: rows, q: q ?? "", nextCursor: page.nextCursor),
            request: request,
            context: context
        )
    }

    /// The form of a new agency (`agency` nil) or of an existing one with its departments.
    func form(
        _ request: Request,
        _ context: SignedInContext,
        agency: Agency?,
        refusal: Problem? = nil,
        typed: [String: String]? = nil
    ) async throws -> Response {
        let t = Strings.all(context.language)
        let input = agency?.input
        func value(_ key: String, _ current: String?) -> String { typed?[key] ?? current ?? "" }
        let parent = value("parentIdentifier", input?.parentIdentifier)
        let kind = value("kind", input?.kind ?? AgencyKind.department.rawValue)
        let parents = try await services.directory.all().filter { $0.identifier != agency?.identifier }
            .map { SelectOption(value: $0.identifier, label: "\($0.name) (\($0.identifier))", selected: $0.identifier == parent) }
            .sortedVietnamese(by: \.label)
        return try services.pages.render(
            "agency",
            titleKey: agency == nil ? "newAgency" : "agency",
            page: AgencyViews.Form(
                isNew: agency == nil,
                action: agency.map { "/admin/agencies/\($0.identifier)" } ?? "/admin/agencies",
                identifier: value("identifier", input?.identifier),
                name: value("name", input?.name),
                shortName: value("shortName", input?.shortName),
                adminUnitCode: value("adminUnitCode", input?.adminUnitCode),
                email: value("email", input?.email),
                phone: value("phone", input?.phone),
                address: value("address", input?.address),
                parents: parents,
                kinds: AgencyKind.allCases.map {
                    SelectOption(value: $0.rawValue, label: t["agencyKind_\($0.rawValue)"] ?? $0.rawValue, selected: $0.rawValue == kind)
                },
                departments: (agency?.departments ?? []).sortedVietnamese(by: \.name).map { AgencyViews.Department(code: $0.code, name: $0.name) },
                departmentCode: typed?["code"] ?? "",
                departmentName: typed?["departmentName"] ?? ""
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func save(_ request: Request, _ context: SignedInContext, identifier fixed: String?) async throws -> Response {
        let form = try await Form.read(request)
        func field(_ key: String) -> String? { form[key].flatMap { $0.isEmpty ? nil : $0 } }
        let input = AgencyInput(
            identifier: fixed ?? (form["identifier"] ?? "").trimmingCharacters(in: .whitespaces),
            name: (form["name"] ?? "").trimmingCharacters(in: .whitespaces),
            shortName: (form["shortName"] ?? "").trimmingCharacters(in: .whitespaces),
            parentIdentifier: field("parentIdentifier"),
            adminUnitCode: field("adminUnitCode"),
            kind: field("kind"),
            email: field("email"),
            phone: field("phone"),
            address: field("address")
        )
        return try await Refusal.shown(in: context) {
            if fixed == nil, try await services.directory.exists(input.identifier) {
                throw DomainError.invalid("identifier", "Mã định danh đã có trong danh mục", "This identifier is already in the directory")
            }
            _ = try await services.directory.importAgencies([input], by: context.principal, requestID: context.requestID)
            let done = context.language == .vi ? "Đã lưu \(input.name)." : "\(input.name) saved."
            return Response.redirect(to: "/admin/agencies/\(input.identifier)", type: .normal).flashing(done)
        } again: { problem in
            try await self.form(
                request,
                context,
                agency: try await fixed.asyncFlatMap { try await services.directory.agency($0) },
                refusal: problem,
                typed: form.fields
            )
        }
    }

    func saveDepartment(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let agency = try await existing(context)
        let form = try await Form.read(request)
        let department = Department(code: form["code"] ?? "", name: form["departmentName"] ?? "")
        return try await Refusal.shown(in: context) {
            do {
                try await services.directory.upsertDepartment(department, in: agency.identifier, by: context.principal, requestID: context.requestID)
            } catch DomainError.invalid(let errors) {
                // The department's name field is `departmentName` on this page (beside the agency's `name`).
                throw DomainError.invalid(
                    errors.map {
                        ValidationError(field: $0.field == "name" ? "departmentName" : $0.field, messageVi: $0.messageVi, messageEn: $0.messageEn)
                    }
                )
            }
            let done = context.language == .vi ? "Đã lưu phòng ban \(department.name)." : "Department \(department.name) saved."
            return Response.redirect(to: "/admin/agencies/\(agency.identifier)#departments", type: .normal).flashing(done)
        } again: { problem in
            try await self.form(
                request,
                context,
                agency: agency,
                refusal: problem,
                typed: ["code": department.code, "departmentName": department.name]
            )
        }
    }
}

/// View models of the agency directory's pages.
enum AgencyViews {
    struct Department {
        let code: String
        let name: String
    }

    struct List {
        struct Row {
            let identifier: String
            let name: String
            let shortName: String
            let parentName: String
            let kind: String
        }

        let agencies: [Row]
        let q: String
        let nextCursor: String?
    }

    struct Form {
        let isNew: Bool
        let action: String
        let identifier: String
        let name: String
        let shortName: String
        let adminUnitCode: String
        let email: String
        let phone: String
        let address: String
        let parents: [SelectOption]
        let kinds: [SelectOption]
        let departments: [Department]
        /// The department being added, as typed.
        let departmentCode: String
        let departmentName: String
    }
}
