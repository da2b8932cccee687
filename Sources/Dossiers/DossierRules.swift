import Core
import Foundation
import Procedures

/// The dossier state machine and who may drive it. Pure: every rule here is unit-tested
/// without a database.
public enum DossierRules {
    /// The status each action leads to from each status; absent means not allowed.
    /// `nil` targets keep the status (assign, forward, extend) or restore it (supplement).
    static let transitions: [DossierStatus: [DossierAction: DossierStatus?]] = [
        .submitted: [.receive: .received, .refuse: .refused, .requestSupplement: .supplementRequested, .withdraw: .withdrawn],
        .received: [.assign: .processing, .requestSupplement: .supplementRequested, .stop: .stopped, .withdraw: .withdrawn, .extendDeadline: nil],
        .processing: [
            .assign: nil, .forward: nil, .requestSupplement: .supplementRequested, .requestPayment: .awaitingPayment,
            .approve: .approved, .reject: .rejected, .stop: .stopped, .withdraw: .withdrawn, .extendDeadline: nil,
        ],
        .supplementRequested: [.supplement: nil, .withdraw: .withdrawn, .stop: .stopped],
        .awaitingPayment: [.confirmPayment: .processing, .withdraw: .withdrawn, .stop: .stopped],
        .approved: [.recordResult: .resultReady],
        .rejected: [.recordResult: .resultReady],
        .resultReady: [.returnResult: .returned],
    ]

    /// The required documents an online submission lacks, each named as its field
    /// (`documents[i]`, the document's position in the procedure), whether the dossier comes
    /// from the page or the API. A counter officer checks the papers in hand and may receive
    /// a dossier before they are scanned.
    public static func missingDocuments(_ documents: [RequiredDocument], given names: Set<String>) -> [ValidationError] {
        documents.enumerated().filter { $0.element.required && !names.contains($0.element.name) }.map {
            ValidationError(
                field: "documents[\($0.offset)]",
                messageVi: "Thiếu tệp: \($0.element.name)",
                messageEn: "Missing file: \($0.element.name)"
            )
        }
    }

    /// Who may attach a file of `kind`: the applicant while the dossier waits for them
    /// (submitted, supplement requested) and the receiving desk while it is open; the result,
    /// the processing agency once decided.
    public static func mayAttach(_ kind: Attachment.Kind, by actor: Actor, status: DossierStatus) -> Bool {
        switch kind {
        case .submission, .supplement:
            let waitingForApplicant = status == .submitted || status == .supplementRequested
            return (actor.isOwner && waitingForApplicant) || (actor.atReceivingAgency && actor.has(.counterOfficer) && !status.isFinal)
        case .result:
            return actor.atCurrentAgency && actor.has(.processingOfficer, .leader, .counterOfficer)
                && (status == .approved || status == .rejected || status == .resultReady)
        }
    }

    /// Whether the applicant may pay online now: a fee is due, nothing is paid yet, the dossier is open.
    public static func mayPay(by actor: Actor, status: DossierStatus, due: Int64, paid: Bool) -> Bool {
        actor.isOwner && due > 0 && !paid && !status.isFinal
    }

    /// Whether the applicant may rate: the result was returned and they have not rated yet.
    public static func mayRate(by actor: Actor, status: DossierStatus, rated: Bool) -> Bool {
        actor.isOwner && status == .returned && !rated
    }

    /// Actions the status allows, whoever asks.
    public static func actions(from status: DossierStatus) -> [DossierAction] {
        DossierAction.allCases.filter { transitions[status]?.keys.contains($0) == true }
    }

    /// The status after `action`, or nil when the status does not allow it.
    public static func target(of action: DossierAction, from status: DossierStatus, resumeStatus: DossierStatus?) -> DossierStatus? {
        guard let entry = transitions[status], let target = entry[action] else { return nil }
        if let target { return target }
        return action == .supplement ? (resumeStatus ?? .received) : status
    }

    /// What a principal's relation to the dossier is.
    public struct Actor: Sendable {
        public let principal: Principal
        public let isOwner: Bool
        public let atReceivingAgency: Bool
        public let atCurrentAgency: Bool

        public init(principal: Principal, isOwner: Bool, atReceivingAgency: Bool, atCurrentAgency: Bool) {
            self.principal = principal
            self.isOwner = isOwner
            self.atReceivingAgency = atReceivingAgency
            self.atCurrentAgency = atCurrentAgency
        }

        func has(_ roles: Role...) -> Bool { !principal.roles.isDisjoint(with: roles) }
    }

    /// Whether `actor` may perform `action` on a dossier in `status` (status permitting).
    public static func permits(_ action: DossierAction, by actor: Actor, status: DossierStatus) -> Bool {
        let counter = actor.atReceivingAgency && actor.has(.counterOfficer)
        let processor = actor.atCurrentAgency && actor.has(.processingOfficer, .leader)
        let leader = actor.atCurrentAgency && actor.has(.leader)
        switch action {
        case .receive, .refuse, .returnResult: return counter
        case .assign: return actor.atCurrentAgency && actor.has(.leader, .counterOfficer)
        case .forward, .requestPayment: return processor
        case .requestSupplement: return processor || (counter && (status == .submitted || status == .received))
        case .confirmPayment: return counter || processor
        case .approve, .reject, .stop, .extendDeadline: return leader
        case .recordResult: return actor.atCurrentAgency && actor.has(.processingOfficer, .leader, .counterOfficer)
        case .supplement, .withdraw: return actor.isOwner || counter
        }
    }

    /// The actions `actor` may perform now.
    public static func allowedActions(for actor: Actor, status: DossierStatus) -> [DossierAction] {
        actions(from: status).filter { permits($0, by: actor, status: status) }
    }

    /// A dossier code: `<agency identifier>-<YYMMDD>-<NNNN>`.
    public static func code(agency: String, date: LocalDate, sequence: Int) -> String {
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(agency)-\(pad(date.year % 100, 2))\(pad(date.month, 2))\(pad(date.day, 2))-\(pad(sequence, 4))"
    }

    /// Parses a dossier code into its agency, date and sequence.
    public static func parse(code: String) -> (agency: String, date: LocalDate, sequence: Int)? {
        let parts = code.split(separator: "-")
        guard parts.count == 3, parts[1].count == 6, parts[2].count >= 4, let number = Int(parts[2]),
            let yy = Int(parts[1].prefix(2)), let mm = Int(parts[1].dropFirst(2).prefix(2)), let dd = Int(parts[1].suffix(2)),
            let date = LocalDate(year: 2000 + yy, month: mm, day: dd), (try? AgencyIdentifier(String(parts[0]))) != nil
        else { return nil }
        return (String(parts[0]), date, number)
    }
}

/// Deadline arithmetic in working days (pure).
public enum Deadlines {
    /// The appointment for a dossier received at `moment`: processing time counts from the next
    /// working moment (and from the next working day after the procedure's cut-off time); the
    /// appointment is the close of office on the last working day.
    public static func due(receivedAt moment: LocalDateTime, processingDays: Int, cutoff: LocalTime?, calendar: WorkingCalendar) -> LocalDateTime {
        let start = calendar.nextWorkingMoment(after: moment, cutoff: cutoff)
        let date = calendar.addWorkingDays(processingDays, to: start.date)
        return LocalDateTime(date: date, time: calendar.officeHours.periods.last?.end ?? LocalTime(hour: 17))
    }

    /// The appointment after a supplement pause from `paused` to `resumed`: it moves later by
    /// the working days the applicant took.
    public static func resumed(due: LocalDateTime, paused: LocalDate, resumed: LocalDate, calendar: WorkingCalendar) -> (
        due: LocalDateTime, pausedDays: Int
    ) {
        let days = max(0, calendar.workingDaysBetween(paused, resumed))
        return (LocalDateTime(date: calendar.addWorkingDays(days, to: due.date), time: due.time), days)
    }
}
