import Delivery
import Documents
import Dossiers
import Logging
import ServiceLifecycle

/// Queues deadline reminders for documents and tasks, and last month's rating summaries for
/// the national portal, every `interval` (the outbox de-duplicates them per item and day, and
/// per month, so a restart does not send twice).
struct ReminderService: Service {
    let documents: DocumentStore
    let dossiers: DossierStore
    let gate: ReadinessGate
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await gate.wait()
            while !Task.isCancelled {
                do {
                    let queued = try await documents.queueReminders()
                    if queued > 0 { logger.info("deadline reminders queued", metadata: ["count": "\(queued)"]) }
                    try await dossiers.queueRatingSummaries()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("deadline reminders failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
