import Audit
import Core
import Directory
import Foundation
import SQLKit
import Storage

/// Task tracking (theo dõi nhiệm vụ): assignment to agencies, progress, extensions, completion,
/// overdue and due-soon lists per agency and for the province.
public struct TaskStore: Sendable {
    let database: Database
    let directory: AgencyDirectory
    let calendar: CalendarStore
    let files: ContentStore
    let clock: WallClock

    public init(database: Database, directory: AgencyDirectory, calendar: CalendarStore, files: ContentStore, clock: WallClock = .system) {
        self.database = database
        self.directory = directory
        self.calendar = calendar
        self.files = files
        self.clock = clock
    }

    static let notFound = DomainError.notFound(what: "task")
    /// The largest report file a task accepts.
    public static let maxFileSize = 50 * 1_048_576

    /// Whether the principal's agency follows every agency (the provincial People's Committee and
    /// its office), and auditors.
    public func seesProvince(_ principal: Principal) async throws -> Bool {
        if principal.roles.contains(.auditor) || principal.roles.contains(.systemAdmin) { return true }
        guard let id = principal.agency, let agency = try await directory.agency(id),
            principal.roles.contains(.leader) || principal.roles.contains(.clerk)
        else { return false }
        if agency.kind == .peopleCommittee, agency.parentIdentifier == nil { return true }
        if agency.kind == .office, let parent = agency.parentIdentifier, let committee = try await directory.agency(parent) {
            return committee.kind == .peopleCommittee && committee.parentIdentifier == nil
        }
        return false
    }

    /// Assigns a task (leaders): to the leader's own agency or one under it; province-wide for
    /// the provincial People's Committee and its office.
    public func create(_ input: NewTask, by principal: Principal, requestID: String?) async throws -> TrackedTask {
        guard let agency = principal.agency, principal.roles.contains(.leader) else {
            throw DomainError.forbidden(messageVi: "Chỉ lãnh đạo giao nhiệm vụ", messageEn: "Only leaders assign tasks")
        }
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 500 else {
            throw DomainError.invalid("title", "Cần tên nhiệm vụ (tối đa 500 ký tự)", "A title is required (at most 500 characters)")
        }
        guard let owner = try await directory.agency(input.ownerAgency) else {
            throw DomainError.invalid("ownerAgency", "Cơ quan chủ trì không tồn tại", "Unknown owner agency")
        }
        let provinceWide = try await seesProvince(principal)
        guard provinceWide || owner.identifier == agency || owner.parentIdentifier == agency else {
            throw DomainError.forbidden(
                messageVi: "Chỉ giao nhiệm vụ cho cơ quan mình hoặc cơ quan trực thuộc",
                messageEn: "Tasks go to your agency or one under it"
            )
        }
        let coordinators = input.coordinators ?? []
        for coordinator in coordinators where try await !directory.exists(coordinator) {
            throw DomainError.invalid("coordinators", "Cơ quan phối hợp \(coordinator) không tồn tại", "Unknown coordinating agency \(coordinator)")
        }
        let now = clock.now()
        let today = VietnamTime.today(now)
        guard
            let deadline = try DocumentRules.deadline(
                date: input.deadline,
                workingDays: input.deadlineDays,
                today: today,
                calendar: try await calendar.workingCalendar()
            )
        else {
            throw DomainError.invalid("deadline", "Cần hạn hoàn thành", "A deadline is required")
        }
        let clock = clock
        let id = try await database.transaction { db -> Int64 in
            guard
                let row = try await db.insert(into: "tasks")
                    .columns(
                        "assigning_agency",
                        "owner_agency",
                        "coordinators",
                        "title",
                        "description",
                        "source_document_id",
                        "deadline",
                        "status",
                        "progress",
                        "created_by",
                        "created_at",
                        "updated_at"
                    )
                    .values(
                        SQLBind(agency),
                        SQLBind(owner.identifier),
                        SQLBind(DocumentRow.json(coordinators)),
                        SQLBind(title),
                        SQLBind(input.description ?? ""),
                        SQLBind(input.sourceDocumentId),
                        SQLBind(deadline.iso),
                        SQLBind(TrackedTask.Status.open.rawValue),
                        SQLBind(0),
                        SQLBind(principal.username),
                        SQLBind(now.epochMillis),
                        SQLBind(now.epochMillis)
                    )
                    .returning("id").first()
            else { throw StorageError.corrupt("insert returned no id") }
            let id = try row.decode(column: "id", as: Int64.self)
            try await Self.report(id, "assigned", note: title, deadline: deadline, actor: principal.username, now: now.epochMillis, db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "task.create",
                    targetType: "task",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["owner": owner.identifier, "deadline": deadline.iso, "title": title]
                ),
                on: db,
                clock: clock
            )
            return id
        }
        return try await task(id, for: principal)
    }

    static func report(
        _ id: Int64,
        _ kind: String,
        progress: Int? = nil,
        note: String,
        deadline: LocalDate? = nil,
        fileName: String? = nil,
        fileSha256: String? = nil,
        actor: String,
        now: Int64,
        _ db: any SQLDatabase
    ) async throws {
        try await db.insert(into: "task_reports").columns(
            "task_id",
            "kind",
            "progress",
            "note",
            "deadline",
            "file_name",
            "file_sha256",
            "actor",
            "at"
        )
        .values(
            SQLBind(id),
            SQLBind(kind),
            SQLBind(progress),
            SQLBind(note),
            SQLBind(deadline?.iso),
            SQLBind(fileName),
            SQLBind(fileSha256),
            SQLBind(actor),
            SQLBind(now)
        ).run()
    }

    /// A task with its reports, for the assigning, owner and coordinating agencies (and province-wide followers).
    public func task(_ id: Int64, for principal: Principal) async throws -> TrackedTask {
        let today = VietnamTime.today(clock.now())
        guard
            let task = try await database.read({ db in
                try await db.select().column("*").from("tasks").where("id", .equal, id).first(
                    decoding: TaskRow.self,
                    keyDecodingStrategy: .convertFromSnakeCase
                )
            })?.task(today: today)
        else { throw Self.notFound }
        let involved = [task.assigningAgency, task.ownerAgency] + task.coordinators
        let mine = principal.agency.map(involved.contains) == true && principal.roles.contains(where: \.isStaffRole)
        let followsProvince = try await seesProvince(principal)
        guard mine || followsProvince else { throw Self.notFound }
        return try await withReports(task)
    }

    func withReports(_ task: TrackedTask) async throws -> TrackedTask {
        var task = task
        let id = task.id
        task.reports = try await database.read { db in
            try await db.select().columns("kind", "progress", "note", "deadline", "file_name", "file_sha256", "actor", "at").from("task_reports")
                .where("task_id", .equal, id).orderBy("id").all(decoding: TaskReport.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return task
    }

    /// Acts on a task: progress, extension request and decision, completion (audited).
    public func perform(_ action: TaskAction, on id: Int64, input: TaskActionInput, by principal: Principal, requestID: String?) async throws
        -> TrackedTask
    {
        let task = try await self.task(id, for: principal)
        let now = clock.now()
        let today = VietnamTime.today(now)
        try TaskRules.check(action, task: task, principal: principal, input: input, today: today)
        let note = input.note ?? ""
        let clock = clock
        let millis = now.epochMillis
        try await database.transaction { db in
            let update = db.update("tasks").set("updated_at", to: millis).where("id", .equal, id).where(
                "status",
                .equal,
                TrackedTask.Status.open.rawValue
            )
            switch action {
            case .report: update.set("progress", to: input.progress ?? task.progress)
            case .requestExtension:
                update.set("requested_deadline", to: input.deadline?.iso).set("request_reason", to: note).where(
                    "requested_deadline",
                    .is,
                    SQLLiteral.null
                )
            case .approveExtension:
                update.set("deadline", to: task.requestedDeadline?.iso).set("requested_deadline", to: SQLLiteral.null).set(
                    "request_reason",
                    to: SQLLiteral.null
                )
            case .rejectExtension: update.set("requested_deadline", to: SQLLiteral.null).set("request_reason", to: SQLLiteral.null)
            case .complete:
                update.set("status", to: TrackedTask.Status.done.rawValue).set("progress", to: 100).set("completed_at", to: millis).set(
                    "completed_on_time",
                    to: today <= task.deadline ? 1 : 0
                )
            }
            guard try await update.returning("id").first() != nil else {
                throw DomainError.conflict(messageVi: "Nhiệm vụ vừa thay đổi, hãy tải lại", messageEn: "The task changed meanwhile; reload it")
            }
            let deadline = action == .requestExtension ? input.deadline : action == .approveExtension ? task.requestedDeadline : nil
            try await Self.report(
                id,
                action.rawValue,
                progress: action == .report ? input.progress : action == .complete ? 100 : nil,
                note: note,
                deadline: deadline,
                actor: principal.username,
                now: millis,
                db
            )
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "task.\(action.rawValue)",
                    targetType: "task",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["note": note, "deadline": deadline?.iso ?? ""]
                ),
                on: db,
                clock: clock
            )
        }
        return try await self.task(id, for: principal)
    }

    /// Attaches a file to a task as a report of the owner agency.
    public func attach(_ data: Data, name: String, to id: Int64, by principal: Principal, requestID: String?) async throws -> TrackedTask {
        let task = try await self.task(id, for: principal)
        guard TaskRules.mayAttach(to: task, principal: principal) else {
            throw DomainError.forbidden(messageVi: "Chỉ cơ quan chủ trì gửi tệp báo cáo", messageEn: "Only the owner agency attaches report files")
        }
        let fileName = try FileType.accept(data, name: name, maxSize: Self.maxFileSize).name
        let digest = try await files.put(data)
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            try await Self.report(id, "file", note: fileName, fileName: fileName, fileSha256: digest, actor: principal.username, now: now, db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "task.file",
                    targetType: "task",
                    targetID: String(id),
                    requestID: requestID,
                    change: ["file": fileName, "sha256": digest]
                ),
                on: db,
                clock: clock
            )
        }
        return try await self.task(id, for: principal)
    }

    /// A report file of a task, for those who may see the task.
    public func file(_ sha256: String, of id: Int64, for principal: Principal) async throws -> (name: String, data: Data) {
        let task = try await self.task(id, for: principal)
        guard let report = task.reports?.first(where: { $0.fileSha256 == sha256 }), let name = report.fileName else { throw Self.notFound }
        return (name, try await files.get(sha256))
    }

    /// Which tasks a list shows.
    public enum Scope: String, Sendable, CaseIterable { case owned, assigned, province }
    public enum Filter: String, Sendable, CaseIterable {
        case all, open, overdue
        case dueSoon = "due-soon"
        case done
    }

    /// Tasks of the principal's agency (owned or assigned by it), or of the whole province for
    /// those who follow it; filtered to overdue or due within three working days.
    public func list(scope: Scope, filter: Filter, for principal: Principal, page: PageRequest) async throws -> Page<TrackedTask> {
        guard principal.roles.contains(where: \.isStaffRole) || principal.roles.contains(.auditor) || principal.roles.contains(.systemAdmin) else {
            throw DomainError.forbidden(messageVi: "Chỉ cán bộ xem nhiệm vụ", messageEn: "Only staff see tasks")
        }
        if scope == .province, try await !seesProvince(principal) {
            throw DomainError.forbidden(
                messageVi: "Chỉ UBND tỉnh, Văn phòng theo dõi toàn tỉnh",
                messageEn: "Only the provincial committee and its office follow the whole province"
            )
        }
        let now = clock.now()
        let today = VietnamTime.today(now)
        let soon = try await calendar.workingCalendar().addWorkingDays(3, to: today)
        let after = try page.afterKey()
        let rows = try await database.read { db in
            let select = db.select().column("*").from("tasks")
            switch scope {
            case .owned: select.where("owner_agency", .equal, principal.agency ?? "")
            case .assigned: select.where("assigning_agency", .equal, principal.agency ?? "")
            case .province: break
            }
            switch filter {
            case .all: break
            case .open: select.where("status", .equal, TrackedTask.Status.open.rawValue)
            case .done: select.where("status", .equal, TrackedTask.Status.done.rawValue)
            case .overdue: select.where("status", .equal, TrackedTask.Status.open.rawValue).where("deadline", .lessThan, today.iso)
            case .dueSoon:
                select.where("status", .equal, TrackedTask.Status.open.rawValue).where("deadline", .greaterThanOrEqual, today.iso).where(
                    "deadline",
                    .lessThanOrEqual,
                    soon.iso
                )
            }
            if let after { select.where("id", .lessThan, after) }
            return try await select.orderBy("id", .descending).limit(page.limit + 1).all(
                decoding: TaskRow.self,
                keyDecodingStrategy: .convertFromSnakeCase
            )
        }
        return Page(fetched: rows, limit: page.limit, key: \.id) { $0.task(today: today) }
    }
}

struct TaskRow: Decodable, Sendable {
    let id: Int64, assigningAgency: String, ownerAgency: String, coordinators: String, title: String, description: String, sourceDocumentId: Int64?
    let deadline: String, status: String, progress: Int, requestedDeadline: String?, requestReason: String?, createdBy: String, createdAt: Int64
    let completedAt: Int64?, completedOnTime: Int?

    func task(today: LocalDate) -> TrackedTask {
        let due = LocalDate(iso: deadline) ?? today
        let state = TrackedTask.Status(rawValue: status) ?? .open
        return TrackedTask(
            id: id,
            assigningAgency: assigningAgency,
            ownerAgency: ownerAgency,
            coordinators: (try? JSONDecoder().decode([String].self, from: Data(coordinators.utf8))) ?? [],
            title: title,
            description: description,
            sourceDocumentId: sourceDocumentId,
            deadline: due,
            status: state,
            progress: progress,
            requestedDeadline: requestedDeadline.flatMap { LocalDate(iso: $0) },
            requestReason: requestReason,
            createdBy: createdBy,
            createdAt: createdAt,
            completedAt: completedAt,
            completedOnTime: completedOnTime.map { $0 != 0 },
            overdue: state == .open && due < today,
            reports: nil
        )
    }
}
