import Core
import Documents
import Foundation
import Hummingbird

/// Task tracking over HTTP (the task rules decide who may see or do what).
public struct TasksAPI: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        let tasks = services.tasks
        routes.get("/api/v1/tasks", .permission(.documentsWork)) { request, context in
            let page = try await tasks.list(
                scope: try request.uri.caseParameter("scope", as: TaskStore.Scope.self) ?? .owned,
                filter: try request.uri.caseParameter("filter", as: TaskStore.Filter.self) ?? .all,
                for: context.principal,
                page: try request.uri.pageRequest()
            )
            return JSONResponse(page)
        }
        routes.post("/api/v1/tasks", .permission(.documentsWork)) { request, context in
            let input = try await RequestBody.json(NewTask.self, from: request, context: context)
            let task = try await tasks.create(input, by: context.principal, requestID: context.requestID)
            return JSONResponse.created(task, at: "/api/v1/tasks/\(task.id)")
        }
        routes.get("/api/v1/tasks/:id", .permission(.documentsWork)) { request, context in
            JSONResponse(try await tasks.task(try DocumentRequests.taskID(context), for: context.principal))
        }
        routes.post("/api/v1/tasks/:id/actions/:action", .permission(.documentsWork)) { request, context in
            let name = try context.parameters.require("action")
            guard let action = TaskAction(rawValue: name) else {
                throw DomainError.invalid("action", "Thao tác \"\(name)\" không tồn tại", "Unknown action \"\(name)\"")
            }
            let input = try await RequestBody.json(TaskActionInput.self, from: request, context: context, orEmpty: TaskActionInput())
            let task = try await tasks.perform(
                action,
                on: try DocumentRequests.taskID(context),
                input: input,
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(task)
        }
        routes.post("/api/v1/tasks/:id/files", .permission(.documentsWork)) { request, context in
            guard let name = request.uri.stringParameter("name"), !name.isEmpty else {
                throw DomainError.invalid("name", "Cần tham số name (tên tệp)", "The name parameter (file name) is required")
            }
            let data = Data(buffer: try await RequestBody.bytes(request, limit: TaskStore.maxFileSize))
            let task = try await tasks.attach(
                data,
                name: name,
                to: try DocumentRequests.taskID(context),
                by: context.principal,
                requestID: context.requestID
            )
            return JSONResponse(task, status: .created)
        }
    }
}

extension NewTask: KnownFields {
    public static let fieldNames: Set<String> = [
        "ownerAgency", "coordinators", "title", "description", "sourceDocumentId", "deadline", "deadlineDays",
    ]
}

extension TaskActionInput: KnownFields {
    public static let fieldNames: Set<String> = ["note", "progress", "deadline"]
}
