import Audit
import Core
import Delivery
import DocumentExchange
import Foundation
import SQLKit
import Storage

/// The workflow: assignment and processing of incoming documents (each step reported to the
/// sender through the axis), review and issuing of outgoing ones.
extension DocumentStore {
    public func perform(_ action: DocumentAction, on id: Int64, input: DocumentActionInput, by principal: Principal, requestID: String?) async throws
        -> OfficialDocument
    {
        let document = try await visible(id, for: principal)
        let involvement = try await involvement(in: document, of: principal)
        let next = try DocumentRules.next(after: action, document: document, principal: principal, involvement: involvement)
        switch action {
        case .issue:
            try await issue(document, note: input.note ?? "", by: principal, requestID: requestID)
            // Sent at once; if the axis fails now, the outbox worker sends it later.
            try? await dispatch(id, requestID: requestID)
        case .dispatch:
            try await dispatch(id, requestID: requestID)
        default:
            try await apply(action, to: document, next: next, input: input, by: principal, requestID: requestID)
        }
        return try await self.document(id, for: principal)
    }

    /// The actions the principal may take on a document now (for the pages' buttons).
    public func allowedActions(on document: OfficialDocument, for principal: Principal) async throws -> [DocumentAction] {
        let involvement = try await involvement(in: document, of: principal)
        return DocumentAction.allCases.filter { action in
            (try? DocumentRules.next(after: action, document: document, principal: principal, involvement: involvement)) != nil
        }
    }

    /// How the principal stands to a document.
    func involvement(in document: OfficialDocument, of principal: Principal) async throws -> Involvement {
        let department = try await accounts.account(username: principal.username)?.departmentCode
        return try await database.read { db in
            var leads = try await db.select().column("id").from("document_assignments").where("document_id", .equal, document.id)
                .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .in, Assignment.Status.activeValues)
                .where { group in
                    _ = group.where("assignee_user", .equal, principal.username)
                    if let department { _ = group.orWhere("assignee_department", .equal, department) }
                    return group
                }.first()
            if principal.agency != document.agency { leads = nil }
            let current =
                document.status == .review && document.approvalStep < document.approvers.count ? document.approvers[document.approvalStep] : nil
            return Involvement(
                named: try await Self.isNamed(document.id, principal.username, db),
                leadsIt: leads != nil,
                drafter: document.createdBy == principal.username,
                currentApprover: current == principal.username
            )
        }
    }

    /// The usernames an assignee stands for: the account, or every account of the department.
    func usernames(of assignee: Assignee, agency: String) async throws -> [String] {
        if let user = assignee.user {
            try await requireStaff([user], of: agency, field: "assignee")
            return [user]
        }
        guard let department = assignee.department, try await directory.hasDepartment(department, in: agency) else {
            throw DomainError.invalid(
                "assignee",
                "Người hoặc phòng được giao không thuộc cơ quan",
                "The assignee is not a person or department of the agency"
            )
        }
        return try await accounts.staff(of: agency).filter { $0.departmentCode == department }.map(\.username)
    }

    /// Takes `action` on `document` (already permitted), moving it to `next`: the status, the
    /// assignments it makes or ends, the history, the status back to an axis sender, the audit.
    func apply(
        _ action: DocumentAction,
        to document: OfficialDocument,
        next: DocumentStatus,
        input: DocumentActionInput,
        by principal: Principal,
        requestID: String?
    ) async throws {
        let now = clock.now()
        let note = (input.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if action == .comment || action == .return, note.isEmpty { throw DomainError.invalid("note", "Cần nội dung ý kiến", "A note is required") }
        let assigned = try await newAssignments(action, to: document, input: input, now: now)
        let forwarded = try await forwardee(action, of: document, input: input)
        let clock = clock
        let step = AssignmentStep(document: document, actor: principal.username, note: note, millis: now.epochMillis)
        try await database.transaction { db in
            try await Self.saveStatus(of: document, action: action, next: next, input: input, deadline: assigned.deadline, millis: step.millis, db)
            try await step.assign(
                assigned.assignments,
                deadline: assigned.deadline,
                subassign: action == .subassign,
                replacing: action == .assign && input.lead != nil,
                db
            )
            if let forwarded { try await step.forward(to: forwarded, db) }
            if action == .process { try await step.setLeads(from: [.open], to: .processing, db) }
            if action == .complete { try await step.setAll(from: Assignment.Status.active, to: .done, db) }
            let summary = assigned.assignments.map { "\($0.role.rawValue): \($0.assignee.label)" }.joined(separator: ", ")
            try await Self.event(
                document.id,
                action.rawValue,
                actor: step.actor,
                note: [summary, forwarded.map { "→ \($0)" } ?? "", note].filter { !$0.isEmpty }.joined(separator: " · "),
                now: step.millis,
                db
            )
            // Each step of an incoming document from the axis is reported to its sender.
            if let message = document.exchangeMessageId, next != document.status, let code = DocumentRules.exchangeStatus(next),
                let status = EdXMLStatus.Code(rawValue: code)
            {
                try await ExchangeStore.recordStatus(message, code: status, description: note, actor: step.actor, on: db, now: step.millis)
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "document.\(action.rawValue)",
                    targetType: "document",
                    targetID: String(document.id),
                    requestID: requestID,
                    change: ["status": next.rawValue, "assignments": summary]
                ),
                on: db,
                clock: clock
            )
        }
    }

    /// Who is assigned: each named person or department with the accounts it stands for.
    typealias NewAssignment = (role: Assignment.Role, assignee: Assignee, users: [String])

    /// The assignments and their deadline an `assign` or `subassign` makes (none for other actions).
    func newAssignments(
        _ action: DocumentAction,
        to document: OfficialDocument,
        input: DocumentActionInput,
        now: Date
    ) async throws -> (assignments: [NewAssignment], deadline: LocalDate?) {
        guard action == .assign || action == .subassign else { return ([], nil) }
        if action == .assign, input.lead == nil {
            throw DomainError.invalid("lead", "Cần người hoặc phòng chủ trì", "A lead person or department is required")
        }
        let roles: [(Assignment.Role, [Assignee])] = [
            (.lead, input.lead.map { [$0] } ?? []), (.coordinate, input.coordinators ?? []), (.inform, input.informed ?? []),
        ]
        var assignments: [NewAssignment] = []
        for (role, assignees) in roles {
            for assignee in assignees { assignments.append((role, assignee, try await usernames(of: assignee, agency: document.agency))) }
        }
        guard !assignments.isEmpty else {
            throw DomainError.invalid("lead", "Cần ít nhất một người được giao", "At least one assignee is required")
        }
        let deadline = try DocumentRules.deadline(
            date: input.deadline,
            workingDays: input.deadlineDays,
            today: VietnamTime.today(now),
            calendar: try await calendar.workingCalendar()
        )
        return (assignments, deadline)
    }

    /// The staff member a `forward` hands the lead to (nil for other actions).
    func forwardee(_ action: DocumentAction, of document: OfficialDocument, input: DocumentActionInput) async throws -> String? {
        guard action == .forward else { return nil }
        guard let to = input.to, !to.isEmpty else { throw DomainError.invalid("to", "Cần người nhận chuyển", "Whom to forward to is required") }
        try await requireStaff([to], of: document.agency, field: "to")
        return to
    }

    /// The document's new status (and what moves with it), only if it is still as it was read:
    /// a concurrent step makes this one fail cleanly.
    static func saveStatus(
        of document: OfficialDocument,
        action: DocumentAction,
        next: DocumentStatus,
        input: DocumentActionInput,
        deadline: LocalDate?,
        millis: Int64,
        _ db: any SQLDatabase
    ) async throws {
        let update = db.update("documents").set("status", to: next.rawValue).set("updated_at", to: millis)
            .where("id", .equal, document.id).where("status", .equal, document.status.rawValue)
            .where("approval_step", .equal, document.approvalStep)
        switch action {
        case .approve where next == .review: update.set("approval_step", to: document.approvalStep + 1)
        case .return, .submit: update.set("approval_step", to: 0)
        case .complete: update.set("finished_at", to: millis)
        case .assign where input.lead != nil: update.set("deadline", to: deadline?.iso)
        default: break
        }
        guard try await update.returning("id").first() != nil else {
            throw DomainError.conflict(
                messageVi: "Văn bản vừa được người khác xử lý, hãy tải lại",
                messageEn: "The document changed meanwhile; reload it"
            )
        }
    }

    /// The assignment rows one action on one document writes.
    struct AssignmentStep {
        let document: OfficialDocument
        let actor: String
        let note: String
        let millis: Int64

        /// New assignments (under the actor's own lead for a sub-assignment); a new lead
        /// assignment replaces the document's active top-level ones.
        func assign(_ assignments: [NewAssignment], deadline: LocalDate?, subassign: Bool, replacing: Bool, _ db: any SQLDatabase) async throws {
            let parent = subassign ? try await DocumentStore.openLead(of: document.id, for: actor, db) : nil
            if replacing {
                try await db.update("document_assignments").set("status", to: Assignment.Status.replaced.rawValue)
                    .where("document_id", .equal, document.id).where("parent_id", .is, SQLLiteral.null)
                    .where("status", .in, Assignment.Status.activeValues).run()
            }
            for assignment in assignments {
                try await insert(role: assignment.role, assignee: assignment.assignee, parent: parent, deadline: deadline?.iso, db)
                try await DocumentStore.name(assignment.users, on: document.id, db)
            }
        }

        /// The lead passes to `username`, keeping the lead's deadline.
        func forward(to username: String, _ db: any SQLDatabase) async throws {
            let lead = try await DocumentStore.openLead(of: document.id, for: actor, db)
            let previous = try await db.select().columns("deadline").from("document_assignments").where("document_id", .equal, document.id)
                .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .in, Assignment.Status.activeValues)
                .orderBy("id", .descending).first()?
                .decode(column: "deadline", as: String?.self)
            try await setLeads(from: Assignment.Status.active, to: .forwarded, db)
            try await insert(role: .lead, assignee: Assignee(user: username), parent: lead, deadline: previous, db)
            try await DocumentStore.name([username], on: document.id, db)
        }

        func insert(role: Assignment.Role, assignee: Assignee, parent: Int64?, deadline: String?, _ db: any SQLDatabase) async throws {
            try await db.insert(into: "document_assignments")
                .model(
                    NewAssignmentRow(
                        documentId: document.id,
                        parentId: parent,
                        role: role.rawValue,
                        assigneeUser: assignee.user,
                        assigneeDepartment: assignee.department,
                        assignedBy: actor,
                        deadline: deadline,
                        instructions: note,
                        status: Assignment.Status.open.rawValue,
                        createdAt: millis
                    )
                ).run()
        }

        /// Moves the document's lead assignments in `from` to `to`.
        func setLeads(from: [Assignment.Status], to: Assignment.Status, _ db: any SQLDatabase) async throws {
            try await db.update("document_assignments").set("status", to: to.rawValue).where("document_id", .equal, document.id)
                .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .in, from.map(\.rawValue)).run()
        }

        /// Moves every assignment of the document in `from` to `to`.
        func setAll(from: [Assignment.Status], to: Assignment.Status, _ db: any SQLDatabase) async throws {
            try await db.update("document_assignments").set("status", to: to.rawValue).where("document_id", .equal, document.id)
                .where("status", .in, from.map(\.rawValue)).run()
        }
    }

    /// The acting user's open lead assignment on a document, if any.
    static func openLead(of id: Int64, for username: String, _ db: any SQLDatabase) async throws -> Int64? {
        try await db.select().column("id").from("document_assignments").where("document_id", .equal, id).where(
            "role",
            .equal,
            Assignment.Role.lead.rawValue
        )
        .where("assignee_user", .equal, username).where("status", .in, Assignment.Status.activeValues).orderBy("id", .descending).first()?
        .decode(column: "id", as: Int64.self)
    }
}
