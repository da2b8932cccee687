import Core
import Documents
import Foundation
import Hummingbird

/// Task tracking pages, and the leaders' dashboard of documents and tasks (SVG charts).
public struct TaskPages: Sendable {
    let services: WebServices

    public init(services: WebServices) { self.services = services }

    public func addRoutes(to routes: RouteBuilder) {
        let work = Restricted.permission(.documentsWork)
        routes.get("/tasks", work) { request, context in try await list(request, context) }
        routes.get("/tasks/new", work) { request, context in try await newForm(request, context) }
        routes.post("/tasks", work) { request, context in
            let form = try await Form.read(request)
            do {
                let task = try await services.tasks.create(
                    NewTask(
                        ownerAgency: form["ownerAgency"] ?? "",
                        coordinators: form["coordinator"].flatMap { $0.isEmpty ? nil : [$0] },
                        title: form["title"] ?? "",
                        description: form["description"],
                        sourceDocumentId: form["sourceDocumentId"].flatMap { Int64($0) },
                        deadline: form["deadline"].flatMap { LocalDate(iso: $0) },
                        deadlineDays: form["deadlineDays"].flatMap { Int($0) }
                    ),
                    by: context.principal,
                    requestID: context.requestID
                )
                return Response.redirect(to: "/tasks/\(task.id)", type: .normal)
            } catch let error as DomainError {
                let problem = Problem.from(error, language: context.language)
                return try await newForm(
                    request,
                    context,
                    error: problem.detail,
                    values: form.fields,
                    status: HTTPResponse.Status(code: problem.status)
                )
            }
        }
        routes.get("/tasks/:id", work) { request, context in try await detail(request, context) }
        routes.post("/tasks/:id/actions/:action", work) { request, context in
            let id = try TasksAPI.id(context)
            let form = try await Form.read(request)
            let action = try context.parameters.value("action", as: TaskAction.self, orNotFound: "action")
            do {
                _ = try await services.tasks.perform(
                    action,
                    on: id,
                    input: TaskActionInput(
                        note: form["note"],
                        progress: form["progress"].flatMap { Int($0) },
                        deadline: form["deadline"].flatMap { LocalDate(iso: $0) }
                    ),
                    by: context.principal,
                    requestID: context.requestID
                )
                return Response.redirect(to: "/tasks/\(id)", type: .normal)
            } catch let error as DomainError {
                if case .notFound = error { throw error }
                let problem = Problem.from(error, language: context.language)
                return try await detail(request, context, error: problem.detail, status: HTTPResponse.Status(code: problem.status))
            }
        }
        routes.post("/tasks/:id/files", work) { request, context in
            let id = try TasksAPI.id(context)
            let form = try await Form.read(request)
            guard let file = form.files.first(where: { !$0.data.isEmpty }) else {
                throw DomainError.invalid("file", "Chọn tệp để tải lên", "Choose a file to upload")
            }
            _ = try await services.tasks.attach(file.data, name: file.fileName, to: id, by: context.principal, requestID: context.requestID)
            return Response.redirect(to: "/tasks/\(id)", type: .normal)
        }
        routes.get("/tasks/:id/files/:sha", work) { _, context in
            let (name, data) = try await services.tasks.file(
                try context.parameters.require("sha"),
                of: try TasksAPI.id(context),
                for: context.principal
            )
            return DossiersAPI.download(fileName: name, mediaType: FileType.detect(data)?.mediaType ?? "application/octet-stream", data)
        }
        routes.get("/documents/dashboard", .permission(.statisticsRead)) { request, context in try await dashboard(request, context) }
    }

    func agencyNames() async throws -> [String: String] {
        Dictionary(try await services.directory.all().map { ($0.identifier, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let principal = context.principal
        let scope = try request.uri.caseParameter("scope", as: TaskStore.Scope.self) ?? .owned
        let filter = try request.uri.caseParameter("filter", as: TaskStore.Filter.self) ?? .open
        let page = try await services.tasks.list(scope: scope, filter: filter, for: principal, page: try request.uri.pageRequest())
        let names = try await agencyNames()
        let t = Strings.all(context.language)
        let province = try await services.tasks.seesProvince(principal)
        return try services.pages.render(
            "tasks",
            titleKey: "tasks",
            data: [
                "rows": page.items.map { task -> [String: Any] in
                    [
                        "id": task.id, "title": task.title, "owner": names[task.ownerAgency] ?? task.ownerAgency,
                        "assigner": names[task.assigningAgency] ?? task.assigningAgency,
                        "deadline": task.deadline.display, "progress": task.progress, "overdue": task.overdue, "done": task.status == .done,
                        "extension": task.requestedDeadline != nil,
                    ]
                },
                "scopes": TaskStore.Scope.allCases.filter { $0 != .province || province }.map {
                    ["value": $0.rawValue, "label": t["scope_\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == scope] as [String: Any]
                },
                "filters": TaskStore.Filter.allCases.map {
                    ["value": $0.rawValue, "label": t["filter_\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == filter] as [String: Any]
                },
                "isLeader": principal.roles.contains(.leader),
                "next": page.nextCursor.map { "/tasks?scope=\(scope.rawValue)&filter=\(filter.rawValue)&cursor=\($0)" } as Any,
            ],
            request: request,
            context: context
        )
    }

    func newForm(
        _ request: Request,
        _ context: SignedInContext,
        error: String? = nil,
        values: [String: String] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let principal = context.principal
        let agencies = try await services.directory.all()
        let province = try await services.tasks.seesProvince(principal)
        let allowed = agencies.filter { province || $0.identifier == principal.agency || $0.parentIdentifier == principal.agency }
        return try services.pages.render(
            "task-new",
            titleKey: "newTask",
            data: [
                "error": error as Any, "title": values["title"] ?? "", "description": values["description"] ?? "",
                "sourceDocumentId": values["sourceDocumentId"] ?? request.uri.stringParameter("document") ?? "",
                "owners": allowed.map {
                    ["identifier": $0.identifier, "name": $0.name, "selected": $0.identifier == values["ownerAgency"]] as [String: Any]
                },
                "agencies": agencies.map { ["identifier": $0.identifier, "name": $0.name] },
            ],
            request: request,
            context: context,
            status: status
        )
    }

    func detail(_ request: Request, _ context: SignedInContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let principal = context.principal
        let task = try await services.tasks.task(try TasksAPI.id(context), for: principal)
        let names = try await agencyNames()
        let actions = TaskAction.allCases.filter { (try? TaskRules.permit($0, task: task, principal: principal)) != nil }
        return try services.pages.render(
            "task",
            titleKey: "task",
            data: [
                "id": task.id, "title": task.title, "description": task.description, "owner": names[task.ownerAgency] ?? task.ownerAgency,
                "assigner": names[task.assigningAgency] ?? task.assigningAgency,
                "coordinators": task.coordinators.map { names[$0] ?? $0 }.joined(separator: "; "),
                "deadline": task.deadline.display, "progress": task.progress, "overdue": task.overdue, "done": task.status == .done,
                "onTime": task.completedOnTime == true, "requested": task.requestedDeadline?.display as Any, "reason": task.requestReason as Any,
                "source": task.sourceDocumentId as Any, "error": error as Any,
                "actions": actions.map {
                    ["action": $0.rawValue, "label": $0.nameVi, "isReport": $0 == .report, "isRequest": $0 == .requestExtension] as [String: Any]
                },
                "canUpload": principal.agency == task.ownerAgency && task.status == .open,
                "reports": (task.reports ?? []).map { r -> [String: Any] in
                    [
                        "at": DossierPages.time(r.at) ?? "",
                        "kind": TaskAction(rawValue: r.kind)?.nameVi ?? Strings.all(context.language)["task_\(r.kind)"] ?? r.kind,
                        "note": r.note, "progress": r.progress.map { "\($0)%" } as Any, "deadline": r.deadline?.display as Any, "actor": r.actor,
                        "file": r.fileSha256 as Any, "fileName": r.fileName as Any,
                    ]
                },
            ],
            request: request,
            context: context,
            status: status
        )
    }

    /// The leaders' dashboard: documents received and sent (electronic share), processing on time, tasks.
    func dashboard(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let principal = context.principal
        let today = VietnamTime.today()
        let from = try request.uri.dateParameter("from") ?? LocalDate(year: today.year, month: 1, day: 1)!
        let to = try request.uri.dateParameter("to") ?? today
        let statistics = try await services.documents.statistics(
            from: from,
            to: to,
            provinceWide: try await services.tasks.seesProvince(principal),
            for: principal
        )
        let t = Strings.all(context.language)
        let flow = [
            SVGChart.Segment(value: 0, color: "#1565c0", label: t["receivedElectronic"] ?? ""),
            SVGChart.Segment(value: 0, color: "#90caf9", label: t["receivedPaper"] ?? ""),
            SVGChart.Segment(value: 0, color: "#2e7d32", label: t["sentElectronic"] ?? ""),
            SVGChart.Segment(value: 0, color: "#a5d6a7", label: t["sentPaper"] ?? ""),
        ]
        let timeliness = [
            SVGChart.Segment(value: 0, color: "#2e7d32", label: t["processedOnTime"] ?? ""),
            SVGChart.Segment(value: 0, color: "#c62828", label: t["processedLate"] ?? ""),
            SVGChart.Segment(value: 0, color: "#ef9a9a", label: t["openOverdue"] ?? ""),
            SVGChart.Segment(value: 0, color: "#81c784", label: t["tasksOnTime"] ?? ""),
            SVGChart.Segment(value: 0, color: "#ff8f00", label: t["tasksLate"] ?? ""),
            SVGChart.Segment(value: 0, color: "#6d4c41", label: t["tasksOverdue"] ?? ""),
        ]
        func bars(_ legend: [SVGChart.Segment], _ values: (DocumentStatistics.Row) -> [Int]) -> [SVGChart.Bar] {
            statistics.rows.map { r in
                SVGChart.Bar(
                    label: r.agencyName,
                    segments: zip(legend, values(r)).map { SVGChart.Segment(value: $1, color: $0.color, label: $0.label) }
                )
            }
        }
        func share(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
        func row(_ r: DocumentStatistics.Row) -> [String: Any] {
            [
                "name": r.agencyName, "received": r.received, "receivedElectronic": r.receivedElectronic, "sent": r.sent,
                "sentElectronic": r.sentElectronic,
                "share": share(r.electronicShare), "belowTarget": r.received + r.sent > 0 && r.electronicShare < 0.8, "onTime": r.processedOnTime,
                "late": r.processedLate,
                "openOverdue": r.openOverdue, "tasksOnTime": r.tasksOnTime, "tasksLate": r.tasksLate, "tasksOverdue": r.tasksOverdue,
            ]
        }
        return try services.pages.render(
            "documents-dashboard",
            titleKey: "documentsDashboard",
            data: [
                "from": from.iso, "to": to.iso, "rows": statistics.rows.map(row), "total": row(statistics.total),
                "flowChart": SVGChart.stackedBars(
                    bars(flow) { [$0.receivedElectronic, $0.received - $0.receivedElectronic, $0.sentElectronic, $0.sent - $0.sentElectronic] },
                    title: t["documentFlowChart"] ?? "",
                    legend: flow
                ),
                "timelinessChart": SVGChart.stackedBars(
                    bars(timeliness) { [$0.processedOnTime, $0.processedLate, $0.openOverdue, $0.tasksOnTime, $0.tasksLate, $0.tasksOverdue] },
                    title: t["timelinessChart"] ?? "",
                    legend: timeliness
                ),
            ],
            request: request,
            context: context
        )
    }
}
