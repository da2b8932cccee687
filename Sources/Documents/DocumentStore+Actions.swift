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
        // Assignments: who, and until when.
        var assignments: [(role: Assignment.Role, assignee: Assignee, users: [String])] = []
        var deadline: LocalDate?
        if action == .assign || action == .subassign {
            if action == .assign, input.lead == nil {
                throw DomainError.invalid("lead", "Cần người hoặc phòng chủ trì", "A lead person or department is required")
            }
            let roles: [(Assignment.Role, [Assignee])] = [
                (.lead, input.lead.map { [$0] } ?? []), (.coordinate, input.coordinators ?? []), (.inform, input.informed ?? []),
            ]
            for (role, assignees) in roles {
                for assignee in assignees { assignments.append((role, assignee, try await usernames(of: assignee, agency: document.agency))) }
            }
            guard !assignments.isEmpty else {
                throw DomainError.invalid("lead", "Cần ít nhất một người được giao", "At least one assignee is required")
            }
            deadline = try DocumentRules.deadline(
                date: input.deadline,
                workingDays: input.deadlineDays,
                today: VietnamTime.today(now),
                calendar: try await calendar.workingCalendar()
            )
        }
        var forwardTo: String?
        if action == .forward {
            guard let to = input.to, !to.isEmpty else { throw DomainError.invalid("to", "Cần người nhận chuyển", "Whom to forward to is required") }
            try await requireStaff([to], of: document.agency, field: "to")
            forwardTo = to
        }
        let clock = clock
        let millis = now.epochMillis
        let actor = principal.username
        let (assigned, due, forwarded) = (assignments, deadline, forwardTo)
        try await database.transaction { db in
            let (assignments, deadline, forwardTo) = (assigned, due, forwarded)
            // The status is re-checked in the update: a concurrent step makes this one fail cleanly.
            let update = db.update("documents").set("status", to: next.rawValue).set("updated_at", to: millis)
                .where("id", .equal, document.id).where("status", .equal, document.status.rawValue).where(
                    "approval_step",
                    .equal,
                    document.approvalStep
                )
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
            let parent = action == .subassign ? try await Self.openLead(of: document.id, for: actor, db) : nil
            if action == .assign, input.lead != nil {
                try await db.update("document_assignments").set("status", to: "replaced").where("document_id", .equal, document.id)
                    .where("parent_id", .is, SQLLiteral.null).where("status", .in, Assignment.Status.activeValues).run()
            }
            for assignment in assignments {
                try await db.insert(into: "document_assignments")
                    .columns(
                        "document_id",
                        "parent_id",
                        "role",
                        "assignee_user",
                        "assignee_department",
                        "assigned_by",
                        "deadline",
                        "instructions",
                        "status",
                        "created_at"
                    )
                    .values(
                        SQLBind(document.id),
                        SQLBind(parent),
                        SQLBind(assignment.role.rawValue),
                        SQLBind(assignment.assignee.user),
                        SQLBind(assignment.assignee.department),
                        SQLBind(actor),
                        SQLBind(deadline?.iso),
                        SQLBind(note),
                        SQLBind(Assignment.Status.open.rawValue),
                        SQLBind(millis)
                    ).run()
                try await Self.name(assignment.users, on: document.id, db)
            }
            if let forwardTo {
                let lead = try await Self.openLead(of: document.id, for: actor, db)
                let previous = try await db.select().columns("deadline").from("document_assignments").where("document_id", .equal, document.id)
                    .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .in, Assignment.Status.activeValues).orderBy(
                        "id",
                        .descending
                    ).first()?
                    .decode(column: "deadline", as: String?.self)
                try await db.update("document_assignments").set("status", to: Assignment.Status.forwarded.rawValue).where(
                    "document_id",
                    .equal,
                    document.id
                )
                .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .in, Assignment.Status.activeValues).run()
                try await db.insert(into: "document_assignments")
                    .columns("document_id", "parent_id", "role", "assignee_user", "assigned_by", "deadline", "instructions", "status", "created_at")
                    .values(
                        SQLBind(document.id),
                        SQLBind(lead),
                        SQLBind(Assignment.Role.lead.rawValue),
                        SQLBind(forwardTo),
                        SQLBind(actor),
                        SQLBind(previous),
                        SQLBind(note),
                        SQLBind(Assignment.Status.open.rawValue),
                        SQLBind(millis)
                    ).run()
                try await Self.name([forwardTo], on: document.id, db)
            }
            if action == .process {
                try await db.update("document_assignments").set("status", to: Assignment.Status.processing.rawValue).where(
                    "document_id",
                    .equal,
                    document.id
                )
                .where("role", .equal, Assignment.Role.lead.rawValue).where("status", .equal, Assignment.Status.open.rawValue).run()
            }
            if action == .complete {
                try await db.update("document_assignments").set("status", to: Assignment.Status.done.rawValue).where(
                    "document_id",
                    .equal,
                    document.id
                )
                .where("status", .in, Assignment.Status.activeValues).run()
            }
            let summary = assignments.map { "\($0.role.rawValue): \($0.assignee.label)" }.joined(separator: ", ")
            try await Self.event(
                document.id,
                action.rawValue,
                actor: actor,
                note: [summary, forwardTo.map { "→ \($0)" } ?? "", note].filter { !$0.isEmpty }
                    .joined(separator: " · "),
                now: millis,
                db
            )
            // Each step of an incoming document from the axis is reported to its sender.
            if let message = document.exchangeMessageId, next != document.status, let code = DocumentRules.exchangeStatus(next),
                let status = EdXMLStatus.Code(rawValue: code)
            {
                try await ExchangeStore.recordStatus(message, code: status, description: note, actor: actor, on: db, now: millis)
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
