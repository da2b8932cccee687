import Core
import Delivery
import Directory
import Foundation
import Identity
import SQLKit
import Storage

/// Deadline reminders, queued in the e-mail outbox (one per assignment or task and day): lead
/// assignees of documents due by the next working day or overdue, and owner agencies of tasks
/// due within three working days or overdue.
extension DocumentStore {
    @discardableResult
    public func queueReminders() async throws -> Int {
        let now = clock.now()
        let today = VietnamTime.today(now)
        let working = try await calendar.workingCalendar()
        let soon = working.addWorkingDays(1, to: today)
        let taskSoon = working.addWorkingDays(3, to: today)
        struct Due: Decodable { let id: Int64, documentId: Int64, subject: String, secrecy: Int, deadline: String, assigneeUser: String? }
        struct TaskDue: Decodable { let id: Int64, title: String, deadline: String, ownerAgency: String }
        let (documents, tasks) = try await database.read { db -> ([Due], [TaskDue]) in
            let documents = try await db.select().column(SQLColumn("id", table: "document_assignments"))
                .column(SQLColumn("document_id", table: "document_assignments")).column(SQLColumn("subject", table: "documents"))
                .column(SQLColumn("secrecy", table: "documents"))
                .column(SQLColumn("deadline", table: "document_assignments")).column(SQLColumn("assignee_user", table: "document_assignments"))
                .from("document_assignments").join(
                    "documents",
                    on: SQLColumn("document_id", table: "document_assignments"),
                    .equal,
                    SQLColumn("id", table: "documents")
                )
                .where(SQLColumn("role", table: "document_assignments"), .equal, SQLBind(Assignment.Role.lead.rawValue))
                .where(SQLColumn("status", table: "document_assignments"), .in, SQLBind.group(Assignment.Status.activeValues))
                .where(SQLColumn("deadline", table: "document_assignments"), .lessThanOrEqual, SQLBind(soon.iso))
                .all(decoding: Due.self, keyDecodingStrategy: .convertFromSnakeCase)
            let tasks = try await db.select().columns("id", "title", "deadline", "owner_agency").from("tasks").where(
                "status",
                .equal,
                TrackedTask.Status.open.rawValue
            )
            .where("deadline", .lessThanOrEqual, taskSoon.iso).all(decoding: TaskDue.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (documents, tasks)
        }
        var messages: [(key: String, mail: EmailMessage)] = []
        for due in documents {
            guard let user = due.assigneeUser, let email = try await accounts.account(username: user)?.email,
                let deadline = LocalDate(iso: due.deadline)
            else { continue }
            let late = deadline < today
            // A secret document's subject never leaves the platform.
            let title = due.secrecy == 0 ? due.subject : "Văn bản mật số \(due.documentId)"
            messages.append(
                (
                    "doc-reminder#\(due.id)#\(today.iso)",
                    EmailMessage(
                        to: email,
                        subject: late ? "[Quá hạn] \(title)" : "[Sắp đến hạn] \(title)",
                        body: "Văn bản \"\(title)\" có hạn xử lý \(deadline.display).\n\nThis document is due on \(deadline.display)."
                    )
                )
            )
        }
        for task in tasks {
            guard let email = try await directory.agency(task.ownerAgency)?.email, let deadline = LocalDate(iso: task.deadline) else { continue }
            messages.append(
                (
                    "task-reminder#\(task.id)#\(today.iso)",
                    EmailMessage(
                        to: email,
                        subject: deadline < today ? "[Quá hạn] Nhiệm vụ: \(task.title)" : "[Sắp đến hạn] Nhiệm vụ: \(task.title)",
                        body: "Nhiệm vụ \"\(task.title)\" có hạn hoàn thành \(deadline.display).\n\nThis task is due on \(deadline.display)."
                    )
                )
            )
        }
        let queued = messages
        try await database.transaction { db in
            for message in queued {
                try await Outbox.enqueue(topic: SMTPClient.topic, key: message.key, value: message.mail, on: db, now: now.epochMillis)
            }
        }
        return queued.count
    }
}
