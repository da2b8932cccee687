import Delivery
import Documents
import Logging
import ServiceLifecycle

/// Queues deadline reminders for documents and tasks every `interval` (the e-mail outbox
/// de-duplicates them per item and day, so a restart does not send twice).
struct ReminderService: Service {
    let documents: DocumentStore
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
