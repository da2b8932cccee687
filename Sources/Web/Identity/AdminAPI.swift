import Audit
import Core
import Foundation
import Hummingbird
import Identity

/// Users and the audit log.
public struct AdminAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        routes.get("/api/v1/users", .permission(.usersRead)) { request, context in
            let page = try await services.accounts.list(
                page: try request.uri.pageRequest(),
                agency: request.uri.stringParameter("agency"),
                by: context.principal
            )
            return JSONResponse(page)
        }
        routes.post("/api/v1/users", .permission(.usersManage)) { request, context in
            let input = try await RequestBody.json(NewStaffAccount.self, from: request, context: context)
            let account = try await services.accounts.createStaff(input, by: context.principal, requestID: context.requestID)
            return JSONResponse.created(account, at: "/api/v1/users/\(account.id)")
        }
        routes.get("/api/v1/audit", .permission(.auditRead)) { request, context in
            let page = try await AuditLog.list(
                services.database,
                page: try request.uri.pageRequest(),
                action: request.uri.stringParameter("action"),
                targetType: request.uri.stringParameter("targetType"),
                targetID: request.uri.stringParameter("targetId")
            )
            return JSONResponse(page)
        }
        routes.get("/api/v1/audit/verify", .permission(.auditRead)) { request, context in
            JSONResponse(try await services.verifyAudit())
        }
    }
}
