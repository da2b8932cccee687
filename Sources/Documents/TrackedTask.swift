import Core
import Foundation

/// A task (nhiệm vụ) assigned by the People's Committee or a leader to an agency, followed to
/// completion: progress reports, extension requests, on-time or late.
public struct TrackedTask: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case open, done }
    public let id: Int64
    public let assigningAgency: String
    public let ownerAgency: String
    public let coordinators: [String]
    public let title: String
    public let description: String
    public let sourceDocumentId: Int64?
    public let deadline: LocalDate
    public let status: Status
    public let progress: Int
    public let requestedDeadline: LocalDate?
    public let requestReason: String?
    public let createdBy: String
    public let createdAt: Int64
    public let completedAt: Int64?
    public let completedOnTime: Bool?
    /// Open and past its deadline (as of the read).
    public let overdue: Bool
    public var reports: [TaskReport]?
}

/// A progress report, an extension request or decision, a file, or the completion.
public struct TaskReport: Codable, Sendable, Equatable {
    public let kind: String
    public let progress: Int?
    public let note: String
    public let deadline: LocalDate?
    public let fileName: String?
    public let fileSha256: String?
    public let actor: String
    public let at: Int64
}

public struct NewTask: Codable, Sendable {
    public var ownerAgency: String
    public var coordinators: [String]?
    public var title: String
    public var description: String?
    public var sourceDocumentId: Int64?
    public var deadline: LocalDate?
    public var deadlineDays: Int?
    public init(
        ownerAgency: String,
        coordinators: [String]? = nil,
        title: String,
        description: String? = nil,
        sourceDocumentId: Int64? = nil,
        deadline: LocalDate? = nil,
        deadlineDays: Int? = nil
    ) {
        self.ownerAgency = ownerAgency
        self.coordinators = coordinators
        self.title = title
        self.description = description
        self.sourceDocumentId = sourceDocumentId
        self.deadline = deadline
        self.deadlineDays = deadlineDays
    }
}

/// What can be done to a task, and by whom (the assigning side decides extensions).
public enum TaskAction: String, Codable, Sendable, CaseIterable {
    case report
    case requestExtension = "request-extension"
    case approveExtension = "approve-extension"
    case rejectExtension = "reject-extension"
    case complete

    public var nameVi: String {
        switch self {
        case .report: "Báo cáo tiến độ"
        case .requestExtension: "Xin gia hạn"
        case .approveExtension: "Đồng ý gia hạn"
        case .rejectExtension: "Không đồng ý gia hạn"
        case .complete: "Hoàn thành"
        }
    }
}

public struct TaskActionInput: Codable, Sendable {
    public var note: String?
    public var progress: Int?
    public var deadline: LocalDate?
    public init(note: String? = nil, progress: Int? = nil, deadline: LocalDate? = nil) {
        self.note = note
        self.progress = progress
        self.deadline = deadline
    }
}

/// Task rules. No I/O.
public enum TaskRules {
    /// Report files come from the owner agency while the task is open.
    public static func mayAttach(to task: TrackedTask, principal: Principal) -> Bool {
        principal.agency == task.ownerAgency && task.status == .open
    }

    /// Checks an action against the task's state, the principal's side and the input.
    public static func check(_ action: TaskAction, task: TrackedTask, principal: Principal, input: TaskActionInput, today: LocalDate)
        throws(DomainError)
    {
        try permit(action, task: task, principal: principal)
        try validate(action, task: task, input: input, today: today)
    }

    /// Whether the principal may take the action on the task as it stands (no input needed:
    /// the pages offer exactly these actions).
    public static func permit(_ action: TaskAction, task: TrackedTask, principal: Principal) throws(DomainError) {
        let owner = principal.agency == task.ownerAgency && principal.roles.contains(where: \.isStaffRole)
        let assigner = principal.agency == task.assigningAgency && principal.roles.contains(.leader)
        guard task.status == .open else {
            throw .conflict(messageVi: "Nhiệm vụ đã hoàn thành", messageEn: "The task is already completed")
        }
        switch action {
        case .report:
            guard owner else {
                throw .forbidden(messageVi: "Chỉ cơ quan chủ trì báo cáo tiến độ", messageEn: "Only the owner agency reports progress")
            }
        case .requestExtension:
            guard owner else {
                throw .forbidden(messageVi: "Chỉ cơ quan chủ trì xin gia hạn", messageEn: "Only the owner agency requests an extension")
            }
            guard task.requestedDeadline == nil else {
                throw .conflict(messageVi: "Đã có đề nghị gia hạn chờ duyệt", messageEn: "An extension request is pending")
            }
        case .approveExtension, .rejectExtension:
            guard assigner else {
                throw .forbidden(
                    messageVi: "Chỉ lãnh đạo cơ quan giao nhiệm vụ quyết định gia hạn",
                    messageEn: "Only the assigning leader decides extensions"
                )
            }
            guard task.requestedDeadline != nil else {
                throw .conflict(messageVi: "Không có đề nghị gia hạn", messageEn: "No extension request is pending")
            }
        case .complete:
            guard owner && !principal.roles.isDisjoint(with: [.leader, .processingOfficer]) || assigner else {
                throw .forbidden(
                    messageVi: "Chỉ cơ quan chủ trì hoặc cơ quan giao hoàn thành nhiệm vụ",
                    messageEn: "Only the owner or the assigning agency completes a task"
                )
            }
        }
    }

    /// Checks what an action carries: a progress of 0–100%, a later deadline with a reason.
    static func validate(_ action: TaskAction, task: TrackedTask, input: TaskActionInput, today: LocalDate) throws(DomainError) {
        switch action {
        case .report:
            guard let progress = input.progress, (0...100).contains(progress) else {
                throw .invalid("progress", "Tiến độ từ 0 đến 100%", "Progress must be 0–100%")
            }
        case .requestExtension:
            guard let deadline = input.deadline, deadline > task.deadline, deadline >= today else {
                throw .invalid("deadline", "Hạn mới phải sau hạn hiện tại", "The new deadline must be after the current one")
            }
            guard !(input.note ?? "").trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalid("note", "Cần lý do", "A reason is required")
            }
        case .approveExtension, .rejectExtension, .complete:
            break
        }
    }
}
