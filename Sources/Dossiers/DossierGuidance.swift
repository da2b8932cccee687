import Core
import Foundation

/// What a dossier waits for, told to the one who reads it: the applicant learns what to do
/// next (upload what is missing and why, pay, collect the result), an officer what the dossier
/// needs from them and by when. Pure: decided from the dossier's detail alone.
public enum DossierGuidance: Sendable, Equatable {
    /// The applicant must supplement: the reason given, and whether they can upload here.
    case supplement(reason: String?, canUpload: Bool)
    /// The applicant owes fees they can pay online.
    case payment
    /// The result is ready; `files` are the result files the reader can download.
    case result(files: [Attachment])
    /// Nothing to do but wait: the desk has not received it yet.
    case awaitingReceipt
    /// Being processed; the appointment, if set.
    case inProgress(due: Int64?)
    /// The dossier is closed (returned, refused, withdrawn, stopped).
    case closed
    /// For an officer: the actions that move it forward now, and the appointment.
    case needsAction(primary: [DossierAction], due: Int64?, overdue: Bool)

    public static func of(_ detail: DossierDetail, forApplicant: Bool) -> DossierGuidance {
        let d = detail.dossier
        if forApplicant {
            let results = detail.attachments.filter { $0.kind == .result }
            switch d.status {
            case .supplementRequested:
                let reason = detail.events.last { $0.action == DossierAction.requestSupplement.rawValue }?.note
                return .supplement(reason: reason, canUpload: detail.abilities.attachPapers)
            case _ where detail.abilities.pay: return .payment
            case .resultReady, .approved, .rejected: return results.isEmpty ? .inProgress(due: d.dueAt) : .result(files: results)
            case .returned: return results.isEmpty ? .closed : .result(files: results)
            case .submitted: return .awaitingReceipt
            case _ where d.status.isFinal: return .closed
            default: return .inProgress(due: d.dueAt)
            }
        }
        let forward = detail.allowedActions.filter { $0.emphasis == .primary }
        if !forward.isEmpty { return .needsAction(primary: forward, due: d.dueAt, overdue: detail.overdue) }
        return d.status.isFinal ? .closed : .inProgress(due: d.dueAt)
    }
}
