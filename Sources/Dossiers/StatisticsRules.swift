import Core
import Foundation

/// One dossier's history as the one-stop statistics read it: its receipt, end and status, and
/// its history entries (each with the appointment as it stood after it), oldest first.
public struct DossierHistory: Sendable, Equatable {
    /// A history entry.
    public struct Event: Sendable, Equatable {
        public var action: String
        public var toStatus: DossierStatus
        public var at: Int64
        /// The appointment after this entry (nil for entries from before it was kept).
        public var dueAt: Int64?

        public init(action: String, toStatus: DossierStatus, at: Int64, dueAt: Int64?) {
            self.action = action
            self.toStatus = toStatus
            self.at = at
            self.dueAt = dueAt
        }
    }

    public var status: DossierStatus
    public var channel: Int
    public var receivedAt: Int64?
    /// The end of processing: finished, else returned, else stopped, refused or withdrawn.
    public var endAt: Int64?
    /// The appointment as it stands now (used where old entries do not keep it).
    public var dueAt: Int64?
    public var events: [Event]

    public init(status: DossierStatus, channel: Int, receivedAt: Int64?, endAt: Int64?, dueAt: Int64?, events: [Event]) {
        self.status = status
        self.channel = channel
        self.receivedAt = receivedAt
        self.endAt = endAt
        self.dueAt = dueAt
        self.events = events
    }
}

/// How a dossier enters a period's form: received in it (online or directly) or carried over.
public enum PeriodIntake: String, Sendable, Equatable, CaseIterable {
    case receivedOnline = "online"
    case receivedDirect = "direct"
    case carriedOver = "carried"
}

/// Where a dossier stands in a period's form: processed (before, on or after the deadline) or
/// still in progress at the period's end (within the deadline or overdue).
public enum PeriodTiming: String, Sendable, Equatable, CaseIterable {
    case beforeDeadline = "before"
    case onDeadline = "on"
    case late
    case withinDeadline = "within"
    case overdue

    public var isProcessed: Bool { [.beforeDeadline, .onDeadline, .late].contains(self) }
}

/// A dossier's cells in a period's form.
public struct PeriodClass: Sendable, Equatable {
    public let intake: PeriodIntake
    public let timing: PeriodTiming

    public init(_ intake: PeriodIntake, _ timing: PeriodTiming) {
        self.intake = intake
        self.timing = timing
    }
}

/// The rules of the one-stop statistics (Circular 01/2020/TT-VPCP forms II.06a and 06, with the
/// national index's on-time rule), written once. Pure; the SQL in `DossierStatistics.swift`
/// computes the same classification, and a test compares them on generated histories. Each rule
/// and its source is in docs/statistics.md.
public enum StatisticsRules {
    /// Statuses in which the clock stands still (waiting for the applicant).
    public static let pausedStatuses: [DossierStatus] = [.supplementRequested, .awaitingPayment]

    /// The dossier's cells in the period `from`…`to` (instants, both included), judged at
    /// `min(to, now)`, or nil when the form does not count it:
    /// - counted only once received (a refused dossier never is), and not when it ended before the period;
    /// - received in the period (online = channel 2, else directly) or carried over from before it;
    /// - processed when it ended by the judging time: withdrawn ones in the on-deadline column;
    ///   late after more than one supplement request after receipt or after the appointment as
    ///   it stood at the end; else before the deadline when it ended on an earlier day, else on it;
    /// - otherwise in progress, judged at the judging time or, when waiting for the applicant
    ///   then, at the moment the wait began; overdue after more than one supplement request after
    ///   receipt or past the appointment as it stood at the judging time.
    public static func classify(_ history: DossierHistory, from: Int64, to: Int64, now: Int64) -> PeriodClass? {
        let judgedAt = min(to, now)
        guard history.status != .refused, let received = history.receivedAt, received <= judgedAt else { return nil }
        let ended = history.endAt.flatMap { $0 <= judgedAt ? $0 : nil }
        if let ended, ended < from { return nil }
        let intake: PeriodIntake = received < from ? .carriedOver : (history.channel == 2 ? .receivedOnline : .receivedDirect)
        let at = ended ?? judgedAt
        let known = history.events.filter { $0.at <= at }
        let due = known.last(where: { $0.dueAt != nil })?.dueAt ?? history.dueAt
        let requests = known.filter { $0.action == DossierAction.requestSupplement.rawValue && $0.at > received }.count
        if let ended {
            if history.status == .withdrawn { return PeriodClass(intake, .onDeadline) }
            if requests > 1 || due.map({ ended > $0 }) == true { return PeriodClass(intake, .late) }
            guard let due, day(ended) >= day(due) else { return PeriodClass(intake, .beforeDeadline) }
            return PeriodClass(intake, .onDeadline)
        }
        let waitingSince = known.last.flatMap { pausedStatuses.contains($0.toStatus) ? $0.at : nil }
        let within = requests <= 1 && due.map { (waitingSince ?? judgedAt) <= $0 } != false
        return PeriodClass(intake, within ? .withinDeadline : .overdue)
    }

    /// The calendar day in Vietnam (UTC+7) of an instant, as a day number.
    public static func day(_ instant: Int64) -> Int64 { (instant + 25_200_000) / 86_400_000 }
}
