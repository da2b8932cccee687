import Dossiers

/// View models of the dossier pages: what each template shows, already in the reader's language.
enum DossierViews {
    /// The submission form (online or at the counter).
    struct NewForm {
        struct Procedure {
            let code: String
            let name: String
            let days: String
            /// The fees the applicant will owe, each with its amount in VND.
            let fees: [Fee]
        }

        struct Fee {
            let name: String
            let amount: String
        }

        struct Document {
            let index: Int
            let name: String
            /// Whether the browser must ask for a file (required, and none kept from before).
            let required: Bool
            let optional: Bool
            /// The file kept from the refused try, if any.
            let kept: String?
            let error: String?
        }

        struct Commune {
            let identifier: String
            let name: String
            let selected: Bool
        }

        let procedure: Procedure
        let documents: [Document]
        /// The token of the files kept from a refused try.
        let draft: String?
        let communes: [Commune]
        let chooseCommune: Bool
        let atCounter: Bool
        let fullName: String
        let phone: String
        let citizenId: String
        let email: String
        let address: String
        let subject: String
    }

    /// My dossiers (citizens) or the work queue (staff).
    struct Queue {
        struct Row {
            let code: String
            let procedure: String
            let applicant: String
            let status: String
            let due: String
            let overdue: Bool
            let received: String
        }

        let rows: [Row]
        let statuses: [Choice]
        let overdueOnly: Bool
        let isStaff: Bool
        let next: String?

        /// A tab of the work queue with how many dossiers it holds.
        struct Tab {
            let path: String
            let label: String
            let count: Int
            let current: Bool
        }

        let tabs: [Tab]
        /// The tab shown (kept by the filter form).
        let view: String?
    }

    /// An option of a select or a radio group.
    struct Choice {
        let value: String
        let name: String
        let selected: Bool
    }

    /// A dossier with the actions this user may take on it.
    struct Detail {
        struct Action {
            let action: String
            let label: String
            let needsNote: Bool
            let isAssign: Bool
            let isExtend: Bool
            let staff: [Officer]
            /// `primary`, `secondary` or `destructive` (the button's class).
            let emphasis: String
            /// The note typed before a refusal, kept.
            let note: String
        }

        struct Officer {
            let username: String
            let name: String
        }

        struct Event {
            let at: String
            let action: String
            let actor: String
            let note: String?
            let status: String
        }

        struct File {
            let id: Int64
            let name: String
            let document: String
            let kind: String
            let size: String
        }

        struct Slip {
            let slip: String
            let label: String
        }

        struct RatingChoice {
            let value: Int
            let label: String
        }

        let code: String
        let procedure: String
        let procedureCode: String
        let status: String
        let overdue: Bool
        let applicant: String
        let phone: String
        let subject: String
        let created: String
        let received: String?
        let due: String?
        let receivingAgency: String
        let currentAgency: String
        let step: Int
        let stepCount: Int
        let assigned: String?
        let channel: String
        let isStaff: Bool
        let events: [Event]
        let files: [File]
        let actions: [Action]
        let hasActions: Bool
        /// What the dossier waits for, told at the top (`DossierGuidance`).
        let banner: Banner?

        struct Banner {
            struct File {
                let id: Int64
                let name: String
            }

            /// `action` (the reader must act), `info` or `done`.
            let tone: String
            let title: String
            let text: String
            let files: [File]
            let link: String?
            let linkLabel: String?
            let pay: Bool
        }
        /// The step's ways forward, shown first; side steps and ends come after, folded.
        let mainActions: [Action]
        let otherActions: [Action]
        let canUploadSupplement: Bool
        let canUploadResult: Bool
        let uploadKind: String
        let slips: [Slip]
        let error: String?
        let feesDue: String?
        let isPaid: Bool
        let canPay: Bool
        let canRate: Bool
        let rating: String?
        let ratingComment: String?
        let ratingChoices: [RatingChoice]
    }

    /// The public status lookup and what it found.
    struct Lookup {
        struct Result {
            let code: String
            let procedure: String
            let status: String
            let received: String?
            let due: String?
            let overdue: Bool
        }

        let code: String
        let phone: String
        var result: Result?
        var error: String?
    }
}

extension DossierViews {
    /// The citizen's return from the payment gateway.
    struct PaymentReturn {
        let paid: Bool
        let invalid: Bool
        let amount: String
        let order: String
    }

    /// The built-in sandbox gateway's payment page.
    struct SandboxPayment {
        let amount: String
        let order: String
        let query: String
    }

    /// A printed slip (receipt, supplement request, refusal, apology, control sheet).
    struct Slip {
        struct File {
            let document: String
            let name: String
        }

        struct Event {
            let at: String
            let action: String
            let actor: String
            let agency: String
            let note: String
        }

        let slipTitle: String
        let agency: String
        let code: String
        let procedure: String
        let applicant: String
        let phone: String
        let address: String
        let citizenId: String
        let received: String
        let due: String
        let note: String
        let officer: String
        let eventTime: String
        let files: [File]
        let events: [Event]
        let isReceipt: Bool
        let isSupplement: Bool
        let isRefusal: Bool
        let isApology: Bool
        let isControl: Bool
        let dateLine: String
    }
}

extension DossierViews {
    /// The one-stop statistics page: one row per group and the total, with the chart.
    struct Statistics {
        struct Row {
            let name: String
            let total: Int
            let online: Int
            let direct: Int
            let carried: Int
            let processed: Int
            let before: Int
            let on: Int
            let late: Int
            let inProgress: Int
            let within: Int
            let overdue: Int
            let returned: Int
            let withdrawn: Int
            let onlineShare: String
            let onTimeShare: String
            let days: String
            let satisfaction: String

            init(_ r: StatisticsRow) {
                name = r.name
                total = r.total
                online = r.receivedOnline
                direct = r.receivedDirect
                carried = r.carriedOver
                processed = r.processed
                before = r.processedBeforeDeadline
                on = r.processedOnDeadline
                late = r.processedLate
                inProgress = r.inProgress
                within = r.inProgressWithinDeadline
                overdue = r.inProgressOverdue
                returned = r.returned
                withdrawn = r.withdrawn
                onlineShare = "\(Int((r.onlineShare * 100).rounded()))%"
                onTimeShare = "\(Int((r.onTimeShare * 100).rounded()))%"
                days = String(r.averageProcessingDays)
                satisfaction = r.ratings == 0 ? "—" : "\(Int((r.satisfactionShare * 100).rounded()))% (\(r.ratings))"
            }
        }

        struct Option {
            let value: String
            let label: String
            let selected: Bool
        }

        let from: String
        let to: String
        let rows: [Row]
        let total: Row
        let chart: String
        let groupings: [Option]
        let forms: [Option]
        let csv: String
    }
}
