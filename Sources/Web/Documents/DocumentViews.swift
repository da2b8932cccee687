/// View models of the document-management pages.
enum DocumentViews {
    /// A person or department a document can be given to.
    struct Person {
        let username: String
        let name: String
    }

    /// An option of a select.
    struct Option {
        let value: String
        let name: String
    }

    /// A document type as a select option.
    struct TypeOption {
        let code: String
        let name: String
        let selected: Bool
    }

    /// A register (incoming or outgoing), with what waits from the axis for incoming ones.
    struct List {
        struct Row {
            let id: Int64
            let number: String?
            let code: String
            let subject: String
            let counterpart: String
            let date: String
            let status: String
            let deadline: String?
            let overdue: Bool
            let urgent: String?
            let secret: String?
            let senderChange: String?
        }

        struct Pending {
            struct Problem {
                let file: String
                let text: String
            }

            let id: Int64
            let subject: String
            let code: String
            let sender: String
            let arrived: String
            let unverified: Bool
            let problems: [Problem]
            let files: String
            let business: String?
            let warnings: [String]
            let hasWarnings: Bool
            let date: String?
            let typeName: String?
            let signer: String?
        }

        let rows: [Row]
        let incoming: Bool
        let q: String
        let from: String
        let to: String
        let overdueOnly: Bool
        /// Only what is in this user's hands (incoming).
        let mine: Bool
        let types: [TypeOption]
        let pending: [Pending]
        let isClerk: Bool
        let next: String?
        let year: Int
        let dirName: String
    }

    /// Registering an incoming document or drafting an outgoing one.
    struct NewForm {
        struct Agency {
            let identifier: String
            let name: String
        }

        struct Department {
            let code: String
            let name: String
        }

        struct Level {
            let value: Int
            let name: String
        }

        let incoming: Bool
        let direction: String
        let types: [TypeOption]
        let urgencies: [Level]
        let secrecies: [Level]
        let leaders: [Person]
        let staff: [Person]
        let departments: [Department]
        let agencies: [Agency]
        let subject: String
        let senderName: String
        let codeNumber: String
        let codeNotation: String
        let documentDate: String
        let summary: String
        let responseFor: String
    }

    /// A document with the actions this user may take on it.
    struct Detail {
        struct Action {
            let action: String
            let label: String
            let isAssign: Bool
            let isForward: Bool
            let needsNote: Bool
            let assignees: [Option]
            let staff: [Person]
            /// What was typed in this action's form when it was refused (kept for the next try).
            var note = ""
            var deadlineDays = ""
            var deadline = ""
        }

        struct Approver {
            let name: String
            let current: Bool
            let done: Bool
        }

        struct File {
            let id: Int64
            let name: String
            let version: Int
            let signed: Bool
            let by: String
            let size: String
        }

        struct AssignmentRow {
            let role: String
            let assignee: String
            let deadline: String
            let status: String
            let by: String
            let instructions: String
            let sub: Bool
        }

        struct Verification {
            struct Check {
                let file: String
                let valid: Bool
                let signer: String
                let problems: String
            }

            let valid: Bool
            let reason: String?
            let checks: [Check]
        }

        struct SenderChange {
            let label: String
            let note: String
        }

        struct Delivery {
            let name: String
            let statuses: String
        }

        struct Event {
            let at: String
            let action: String
            let actor: String
            let note: String
        }

        let id: Int64
        let documentId: Int64
        let incoming: Bool
        let subject: String
        let summary: String
        let code: String
        let number: String?
        let type: String
        let status: String
        let urgency: String
        let secrecy: String
        let isSecret: Bool
        let counterpart: String?
        let date: String?
        let arrived: String?
        let issued: String?
        let deadline: String?
        let overdue: Bool
        let signer: String?
        let channel: String?
        let approvers: [Approver]
        let files: [File]
        let assignments: [AssignmentRow]
        let verification: Verification?
        let senderChange: SenderChange?
        let deliveries: [Delivery]
        let events: [Event]
        let actions: [Action]
        let hasActions: Bool
        let error: String?
        let canUpload: Bool
        let canAnswer: Bool
    }

    /// A year's register book, as printed.
    struct RegisterBook {
        struct Row {
            let number: String
            let secret: String?
            let arrived: String
            let date: String
            let counterpart: String
            let code: String
            let type: String
            let subject: String
            let signer: String
            let deadline: String
            let status: String
            let id: Int64
        }

        let incoming: Bool
        let direction: String
        let year: Int
        let agency: String
        let rows: [Row]
    }
}

/// View models of the task-tracking pages and the leaders' dashboard.
enum TaskViews {
    /// A labelled option of a filter.
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    /// An agency as a select option.
    struct Agency {
        let identifier: String
        let name: String
        var selected = false
    }

    /// The tasks this user owns, assigned or sees, filtered.
    struct List {
        struct Row {
            let id: Int64
            let taskTitle: String
            let owner: String
            let assigner: String
            let deadline: String
            let progress: Int
            let overdue: Bool
            let done: Bool
            let `extension`: Bool
        }

        let rows: [Row]
        let scopes: [Option]
        let filters: [Option]
        let isLeader: Bool
        let next: String?
    }

    /// Assigning a new task.
    struct NewForm {
        let taskTitle: String
        let description: String
        let sourceDocumentId: String
        let owners: [Agency]
        let agencies: [Agency]
    }

    /// One task, its reports and what this user may do.
    struct Detail {
        struct Action {
            let action: String
            let label: String
            let isReport: Bool
            let isRequest: Bool
            /// What was typed in this action's form when it was refused.
            var note = ""
            var progress = ""
            var deadline = ""
        }

        struct Report {
            let at: String
            let kind: String
            let note: String
            let progress: String?
            let deadline: String?
            let actor: String
            let file: String?
            let fileName: String?
        }

        let id: Int64
        let taskTitle: String
        let description: String
        let owner: String
        let assigner: String
        let coordinators: String
        let deadline: String
        let progress: Int
        let overdue: Bool
        let done: Bool
        let onTime: Bool
        let requested: String?
        let reason: String?
        let source: Int64?
        let error: String?
        let actions: [Action]
        let canUpload: Bool
        let reports: [Report]
    }

    /// The leaders' dashboard of documents and tasks per agency.
    struct Dashboard {
        struct Row {
            let name: String
            let received: Int
            let receivedElectronic: Int
            let sent: Int
            let sentElectronic: Int
            let share: String
            let belowTarget: Bool
            let onTime: Int
            let late: Int
            let openOverdue: Int
            let tasksOnTime: Int
            let tasksLate: Int
            let tasksOverdue: Int
        }

        let from: String
        let to: String
        let rows: [Row]
        let total: Row
        let flowChart: String
        let timelinessChart: String
    }
}
