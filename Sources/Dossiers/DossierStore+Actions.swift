import Audit
import Core
import Foundation
import Procedures
import SQLKit
import Storage

extension DossierStore {
    /// Performs `action` on a dossier. Illegal transitions are a 409 naming the allowed
    /// actions; actions outside the caller's role or agency are a 403. The change, its history
    /// entry, audit record and outbox message commit together, guarded by the row's version.
    public func perform(_ action: DossierAction, on code: String, input: ActionInput, by principal: Principal, requestID: String?) async throws
        -> Dossier
    {
        let note = try Self.note(for: action, input.note)
        let workingCalendar = try await calendar.workingCalendar()
        let procedures = procedures
        let clock = clock
        let now = clock.now()
        let assignee = try await resolveAssignee(action == .assign ? input.assignee : nil)
        return try await database.transaction { db in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            let status = row.statusValue
            let target = try Self.target(of: action, on: row, by: principal)
            let update = db.update("dossiers").set("status", to: target.rawValue).set("updated_at", to: now.epochMillis)
                .set("version", to: row.version + 1)
            var change: [String: String] = ["from": status.rawValue, "to": target.rawValue]
            let step = ActionStep(row: row, now: now, calendar: workingCalendar, procedures: procedures)
            let part = try await step.apply(action, input: input, assignee: assignee, to: update, change: &change, db)
            try await Self.saveVersioned(update, row, db)
            try await step.change(part, target: target, db)
            try await Self.recordEvent(
                id: row.id,
                code: row.code,
                action: action.rawValue,
                from: status,
                to: target,
                principal: principal,
                note: note,
                now: now,
                db
            )
            if let note { change["note"] = note }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "dossier.\(action.rawValue)",
                    targetType: "dossier",
                    targetID: row.code,
                    requestID: requestID,
                    change: change
                ),
                on: db,
                clock: clock
            )
            guard let fresh = try await DossierRow.load(code: code, db) else { throw Self.notFound }
            return fresh.dossier
        }
    }

    /// The action's note, trimmed and cut to 2,000 characters; refused when the action needs one.
    static func note(for action: DossierAction, _ text: String?) throws -> String? {
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let note = trimmed.isEmpty ? nil : String(trimmed.prefix(2000))
        if action.requiresNote && note == nil {
            throw DomainError.invalid("note", "Cần ghi lý do hoặc nội dung (\(action.nameVi))", "A reason or note is required (\(action.nameEn))")
        }
        return note
    }

    /// The status the action leads to from the dossier's, if this principal may take it now.
    static func target(of action: DossierAction, on row: DossierRow, by principal: Principal) throws -> DossierStatus {
        let status = row.statusValue
        let actor = DossierVisibility.actor(row, principal: principal)
        guard let target = DossierRules.target(of: action, from: status, resumeStatus: row.resumeStatus.flatMap(DossierStatus.init)) else {
            let allowed = DossierRules.allowedActions(for: actor, status: status).map(\.rawValue).joined(separator: ", ")
            throw DomainError.conflict(
                messageVi:
                    "Không thể \(action.nameVi.lowercased()) khi hồ sơ \(status.nameVi.lowercased()). Thao tác được phép: \(allowed.isEmpty ? "không có" : allowed)",
                messageEn:
                    "Cannot \(action.nameEn.lowercased()) a dossier that is \(status.nameEn.lowercased()). Allowed: \(allowed.isEmpty ? "none" : allowed)"
            )
        }
        guard DossierRules.permits(action, by: actor, status: status) else {
            throw DomainError.forbidden(
                messageVi: "Bạn không được \(action.nameVi.lowercased()) hồ sơ này",
                messageEn: "You may not \(action.nameEn.lowercased()) this dossier"
            )
        }
        return target
    }

    /// Writes `update` only if nobody changed the dossier since it was read (its `version`).
    static func saveVersioned(_ update: SQLUpdateBuilder, _ row: DossierRow, _ db: any SQLDatabase) async throws {
        let updated = try await update.where("id", .equal, row.id).where("version", .equal, row.version).returning("id").all()
        guard !updated.isEmpty else {
            throw DomainError.conflict(
                messageVi: "Hồ sơ vừa được người khác cập nhật, vui lòng tải lại",
                messageEn: "The dossier was just changed by someone else; reload it"
            )
        }
    }

    /// One action on one dossier as read: what it sets besides the status, and how it changes
    /// the processing agency's part.
    struct ActionStep {
        let row: DossierRow
        let now: Date
        let calendar: WorkingCalendar
        let procedures: ProcedureCatalog

        /// Adds the action's own columns to `update` and what changed to `change`.
        func apply(
            _ action: DossierAction,
            input: ActionInput,
            assignee: Assignee?,
            to update: SQLUpdateBuilder,
            change: inout [String: String],
            _ db: any SQLDatabase
        ) async throws -> PartChange? {
            switch action {
            case .receive:
                return try await receive(update, &change)
            case .refuse, .stop, .withdraw:
                update.set("ended_at", to: now.epochMillis).set("paused_at", to: Int64?.none)
                if row.endAt == nil { update.set("end_at", to: now.epochMillis) }
                return .close
            case .assign:
                try assign(assignee, update, &change)
                return nil
            case .forward:
                return try await forward(update, &change)
            case .requestSupplement, .requestPayment:
                update.set("resume_status", to: row.statusValue.rawValue)
                if row.dueAt != nil { update.set("paused_at", to: now.epochMillis) }
                if action == .requestSupplement { update.set("supplement_count", to: row.supplementCount + 1) }
                return nil
            case .supplement, .confirmPayment:
                return resume(update, &change)
            case .approve, .reject:
                update.set("finished_at", to: now.epochMillis).set("end_at", to: now.epochMillis)
                return .close
            case .recordResult:
                try await requireResultFile(db)
                return nil
            case .returnResult:
                update.set("returned_at", to: now.epochMillis)
                if row.endAt == nil { update.set("end_at", to: now.epochMillis) }
                return nil
            case .extendDeadline:
                return try extend(to: input.newDueDate, update, &change)
            }
        }

        /// Receipt sets the appointment from the procedure's processing time and opens the first part.
        func receive(_ update: SQLUpdateBuilder, _ change: inout [String: String]) async throws -> PartChange {
            guard let procedure = try await procedures.procedure(row.procedureCode) else {
                throw StorageError.corrupt("procedure \(row.procedureCode) gone")
            }
            let due = Deadlines.due(
                receivedAt: VietnamTime.local(now),
                processingDays: procedure.processingDays,
                cutoff: procedure.cutoffTime.flatMap(LocalTime.init),
                calendar: calendar
            )
            update.set("received_at", to: now.epochMillis).set("due_at", to: VietnamTime.instant(due).epochMillis)
            change["due"] = due.description
            return .open(index: row.currentStep, procedure: procedure, dossierDue: VietnamTime.instant(due).epochMillis)
        }

        /// Assignment to an officer of the processing agency.
        func assign(_ assignee: Assignee?, _ update: SQLUpdateBuilder, _ change: inout [String: String]) throws {
            guard let assignee else { throw DomainError.invalid("assignee", "Chọn cán bộ xử lý", "Choose the officer") }
            guard assignee.agency == row.currentAgency else {
                throw DomainError.invalid(
                    "assignee",
                    "Cán bộ \(assignee.username) không thuộc cơ quan đang xử lý",
                    "\(assignee.username) is not staff of the processing agency"
                )
            }
            update.set("assigned_user_id", to: assignee.id).set("assigned_username", to: assignee.username)
            change["assignee"] = assignee.username
        }

        /// The next step of the procedure; a part of its own when it moves to another agency.
        func forward(_ update: SQLUpdateBuilder, _ change: inout [String: String]) async throws -> PartChange? {
            guard row.currentStep + 1 < row.stepCount, let procedure = try await procedures.procedure(row.procedureCode),
                procedure.steps.count > row.currentStep + 1
            else {
                throw DomainError.conflict(messageVi: "Đây là bước xử lý cuối cùng", messageEn: "This is the last processing step")
            }
            let next = procedure.steps[row.currentStep + 1].agencyIdentifier ?? row.implementingAgency
            update.set("current_step", to: row.currentStep + 1).set("current_agency", to: next)
                .set("assigned_user_id", to: Int64?.none).set("assigned_username", to: String?.none)
            change["agency"] = next
            return next != row.currentAgency ? .forward(index: row.currentStep + 1, procedure: procedure) : nil
        }

        /// A supplement or payment ends the pause: the appointment and the part's deadline move by it.
        func resume(_ update: SQLUpdateBuilder, _ change: inout [String: String]) -> PartChange? {
            if let moved = DossierStore.resumedDeadline(row, now: now, calendar: calendar) {
                update.set("due_at", to: moved.dueAt).set("paused_days", to: moved.pausedDays)
                change["due"] = VietnamTime.display(Date(epochMillis: moved.dueAt))
            }
            update.set("paused_at", to: Int64?.none).set("resume_status", to: String?.none)
            guard let pausedAt = row.pausedAt else { return nil }
            let (now, calendar) = (now, calendar)
            return .move { DossierStore.resumed($0, pausedAt: pausedAt, now: now, calendar: calendar).dueAt }
        }

        /// A result is recorded only once its digitised file is attached.
        func requireResultFile(_ db: any SQLDatabase) async throws {
            let results = try await db.select().column("id").from("dossier_attachments")
                .where("dossier_id", .equal, row.id).where("kind", .equal, Attachment.Kind.result.rawValue).first()
            guard results != nil else {
                throw DomainError.conflict(messageVi: "Cần tải lên tệp kết quả đã số hóa trước", messageEn: "Upload the digitised result file first")
            }
        }

        /// A new appointment: a working day after the old one, at the same time of day.
        func extend(to text: String?, _ update: SQLUpdateBuilder, _ change: inout [String: String]) throws -> PartChange {
            guard let text, let date = LocalDate(typed: text), let dueAt = row.dueAt else {
                throw DomainError.invalid("newDueDate", "Cần ngày hẹn mới (ngày/tháng/năm)", "A new appointment date (day/month/year) is required")
            }
            let old = VietnamTime.local(Date(epochMillis: dueAt))
            guard date > old.date, calendar.isWorkingDay(date) else {
                throw DomainError.invalid(
                    "newDueDate",
                    "Ngày hẹn mới phải là ngày làm việc sau ngày hẹn cũ",
                    "The new date must be a working day after the old one"
                )
            }
            let extended = VietnamTime.instant(LocalDateTime(date: date, time: old.time)).epochMillis
            update.set("due_at", to: extended).set("extension_count", to: row.extensionCount + 1)
            change["due"] = date.iso
            return .move { $0 + (extended - dueAt) }
        }

        /// Opens, closes or moves the agency's part as the action requires.
        func change(_ part: PartChange?, target: DossierStatus, _ db: any SQLDatabase) async throws {
            switch part {
            case .open(let index, let procedure, let dossierDue)?:
                try await DossierStore.openPart(row, index: index, procedure: procedure, start: now, dossierDue: dossierDue, calendar: calendar, db)
            case .forward(let index, let procedure)?:
                try await DossierStore.closePart(of: row.id, at: now.epochMillis, status: .processing, db)
                try await DossierStore.openPart(row, index: index, procedure: procedure, start: now, dossierDue: row.dueAt, calendar: calendar, db)
            case .close?: try await DossierStore.closePart(of: row.id, at: now.epochMillis, status: target, db)
            case .move(let move)?: try await DossierStore.movePartDue(of: row.id, move, db)
            case nil: break
            }
        }
    }

    /// How an action changes the agency's part (`dossier_steps`).
    enum PartChange {
        case open(index: Int, procedure: Procedure, dossierDue: Int64)
        case forward(index: Int, procedure: Procedure)
        case close
        case move((Int64) -> Int64)
    }

    /// When a paused dossier resumes: the appointment moved by the working days it waited.
    static func resumedDeadline(_ row: DossierRow, now: Date, calendar: WorkingCalendar) -> (dueAt: Int64, pausedDays: Int)? {
        guard let pausedAt = row.pausedAt, let dueAt = row.dueAt else { return nil }
        let moved = resumed(dueAt, pausedAt: pausedAt, now: now, calendar: calendar)
        return (moved.dueAt, row.pausedDays + moved.pausedDays)
    }

    struct Assignee: Sendable {
        let id: Int64
        let username: String
        let agency: String?
    }

    func resolveAssignee(_ username: String?) async throws -> Assignee? {
        guard let username, !username.isEmpty else { return nil }
        guard let account = try await accounts.account(username: username), account.kind == .staff, account.status == .active else {
            throw DomainError.invalid("assignee", "Không có cán bộ \(username)", "No officer \(username)")
        }
        return Assignee(id: account.id, username: account.username, agency: account.agencyIdentifier)
    }
}
