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
            return try await Refusal.shown(in: context) {
                let task = try await services.tasks.create(
                    NewTask(
                        ownerAgency: form["ownerAgency"] ?? "",
                        coordinators: form["coordinator"].flatMap { $0.isEmpty ? nil : [$0] },
                        title: form["title"] ?? "",
                        description: form["description"],
                        sourceDocumentId: form["sourceDocumentId"].flatMap { Int64($0) },
                        deadline: form["deadline"].flatMap { LocalDate(typed: $0) },
                        deadlineDays: form["deadlineDays"].flatMap { Int($0) }
                    ),
                    by: context.principal,
                    requestID: context.requestID
                )
                return Response.redirect(to: "/tasks/\(task.id)", type: .normal)
            } again: { problem in
                try await newForm(request, context, refusal: problem, values: form.fields)
            }
        }
        routes.get("/tasks/:id", work) { request, context in try await detail(request, context) }
        routes.post("/tasks/:id/actions/:action", work) { request, context in
            let id = try DocumentRequests.taskID(context)
            let form = try await Form.read(request)
            let action = try context.parameters.value("action", as: TaskAction.self, orNotFound: "action")
            return try await Refusal.shown(in: context) {
                _ = try await services.tasks.perform(
                    action,
                    on: id,
                    input: TaskActionInput(
                        note: form["note"],
                        progress: form["progress"].flatMap { Int($0) },
                        deadline: form["deadline"].flatMap { LocalDate(typed: $0) }
                    ),
                    by: context.principal,
                    requestID: context.requestID
                )
                return Response.redirect(to: "/tasks/\(id)", type: .normal)
            } again: { problem in
                try await detail(request, context, refusal: problem, typed: (action.rawValue, form))
            }
        }
        routes.post("/tasks/:id/files", work) { request, context in
            let id = try DocumentRequests.taskID(context)
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
                of: try DocumentRequests.taskID(context),
                for: context.principal
            )
            return Response.download(fileName: name, mediaType: FileType.detect(data)?.mediaType ?? "application/octet-stream", data)
        }
        routes.get("/documents/dashboard", .permission(.statisticsRead)) { request, context in try await dashboard(request, context) }
    }

    func list(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let principal = context.principal
        let scope = try request.uri.caseParameter("scope", as: TaskStore.Scope.self) ?? .owned
        let filter = try request.uri.caseParameter("filter", as: TaskStore.Filter.self) ?? .open
        let page = try await services.tasks.list(scope: scope, filter: filter, for: principal, page: try request.uri.pageRequest())
        let names = try await services.directory.names()
        let t = Strings.all(context.language)
        let province = try await services.tasks.seesProvince(principal)
        return try services.pages.render(
            "tasks",
            titleKey: "tasks",
            page: TaskViews.List(
                rows: page.items.map { task in
                    .init(
                        id: task.id,
                        taskTitle: task.title,
                        owner: names[task.ownerAgency] ?? task.ownerAgency,
                        assigner: names[task.assigningAgency] ?? task.assigningAgency,
                        deadline: task.deadline.display,
                        progress: task.progress,
                        overdue: task.overdue,
                        done: task.status == .done,
                        extension: task.requestedDeadline != nil
                    )
                },
                scopes: TaskStore.Scope.allCases.filter { $0 != .province || province }.map {
                    .init(value: $0.rawValue, label: t["scope_\($0.rawValue)"] ?? $0.rawValue, selected: $0 == scope)
                },
                filters: TaskStore.Filter.allCases.map {
                    .init(value: $0.rawValue, label: t["filter_\($0.rawValue)"] ?? $0.rawValue, selected: $0 == filter)
                },
                isLeader: principal.roles.contains(.leader),
                next: page.nextCursor.map { "/tasks?scope=\(scope.rawValue)&filter=\(filter.rawValue)&cursor=\($0)" }
            ),
            request: request,
            context: context
        )
    }

    func newForm(
        _ request: Request,
        _ context: SignedInContext,
        refusal: Problem? = nil,
        values: [String: String] = [:]
    ) async throws -> Response {
        let principal = context.principal
        let agencies = try await services.directory.all()
        let province = try await services.tasks.seesProvince(principal)
        let allowed = agencies.filter { province || $0.identifier == principal.agency || $0.parentIdentifier == principal.agency }
        return try services.pages.render(
            "task-new",
            titleKey: "newTask",
            page: TaskViews.NewForm(
                taskTitle: values["title"] ?? "",
                description: values["description"] ?? "",
                sourceDocumentId: values["sourceDocumentId"] ?? request.uri.stringParameter("document") ?? "",
                owners: allowed.map { .init(identifier: $0.identifier, name: $0.name, selected: $0.identifier == values["ownerAgency"]) },
                agencies: agencies.map { .init(identifier: $0.identifier, name: $0.name) }
            ),
            errors: FormErrors(refusal, language: context.language),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    func detail(_ request: Request, _ context: SignedInContext, refusal: Problem? = nil, typed: (action: String, form: Form)? = nil) async throws
        -> Response
    {
        let principal = context.principal
        let task = try await services.tasks.task(try DocumentRequests.taskID(context), for: principal)
        let names = try await services.directory.names()
        let people = try await PeopleNames.of((task.reports ?? []).map(\.actor), accounts: services.accounts, language: context.language)
        let actions = TaskAction.allCases.filter { (try? TaskRules.permit($0, task: task, principal: principal)) != nil }
        let t = Strings.all(context.language)
        return try services.pages.render(
            "task",
            titleKey: "task",
            page: TaskViews.Detail(
                id: task.id,
                taskTitle: task.title,
                description: task.description,
                owner: names[task.ownerAgency] ?? task.ownerAgency,
                assigner: names[task.assigningAgency] ?? task.assigningAgency,
                coordinators: task.coordinators.map { names[$0] ?? $0 }.joined(separator: "; "),
                deadline: task.deadline.display,
                progress: task.progress,
                overdue: task.overdue,
                done: task.status == .done,
                onTime: task.completedOnTime == true,
                requested: task.requestedDeadline?.display,
                reason: task.requestReason,
                source: task.sourceDocumentId,
                error: refusal?.detail,
                actions: actions.map { action in
                    var shown = TaskViews.Detail.Action(
                        action: action.rawValue,
                        label: action.nameVi,
                        isReport: action == .report,
                        isRequest: action == .requestExtension
                    )
                    if let typed, typed.action == action.rawValue {
                        shown.note = typed.form["note"] ?? ""
                        shown.progress = typed.form["progress"] ?? ""
                        shown.deadline = typed.form["deadline"] ?? ""
                    }
                    return shown
                },
                canUpload: TaskRules.mayAttach(to: task, principal: principal),
                reports: (task.reports ?? []).map { r in
                    .init(
                        at: DossierPages.time(r.at) ?? "",
                        kind: TaskAction(rawValue: r.kind)?.nameVi ?? t["task_\(r.kind)"] ?? r.kind,
                        note: r.note,
                        progress: r.progress.map { "\($0)%" },
                        deadline: r.deadline?.display,
                        actor: people[r.actor],
                        file: r.fileSha256,
                        fileName: r.fileName
                    )
                }
            ),
            request: request,
            context: context,
            status: refusal?.httpStatus ?? .ok
        )
    }

    /// The leaders' dashboard: documents received and sent (electronic share), processing on time, tasks.
    func dashboard(_ request: Request, _ context: SignedInContext) async throws -> Response {
        let principal = context.principal
        let today = services.today()
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
        func row(_ r: DocumentStatistics.Row) -> TaskViews.Dashboard.Row {
            .init(
                name: r.agencyName,
                received: r.received,
                receivedElectronic: r.receivedElectronic,
                sent: r.sent,
                sentElectronic: r.sentElectronic,
                share: share(r.electronicShare),
                belowTarget: r.received + r.sent > 0 && r.electronicShare < 0.8,
                onTime: r.processedOnTime,
                late: r.processedLate,
                openOverdue: r.openOverdue,
                tasksOnTime: r.tasksOnTime,
                tasksLate: r.tasksLate,
                tasksOverdue: r.tasksOverdue
            )
        }
        return try services.pages.render(
            "documents-dashboard",
            titleKey: "documentsDashboard",
            page: TaskViews.Dashboard(
                from: from.display,
                to: to.display,
                rows: statistics.rows.map(row),
                total: row(statistics.total),
                flowChart: SVGChart.stackedBars(
                    bars(flow) { [$0.receivedElectronic, $0.received - $0.receivedElectronic, $0.sentElectronic, $0.sent - $0.sentElectronic] },
                    title: t["documentFlowChart"] ?? "",
                    legend: flow
                ),
                timelinessChart: SVGChart.stackedBars(
                    bars(timeliness) { [$0.processedOnTime, $0.processedLate, $0.openOverdue, $0.tasksOnTime, $0.tasksLate, $0.tasksOverdue] },
                    title: t["timelinessChart"] ?? "",
                    legend: timeliness
                )
            ),
            request: request,
            context: context
        )
    }
}
