import Delivery
import Logging
import ServiceLifecycle

/// Runs `task` every `interval` once the platform is ready (the readiness gate opens after the
/// migrations), and once more at graceful shutdown when `atShutdown` is set. A failure is logged
/// and the next round comes as planned.
struct PeriodicService: Service {
    let name: String
    let gate: ReadinessGate
    let interval: Duration
    let logger: Logger
    var atShutdown = false
    let task: @Sendable () async throws -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await gate.wait()
            while !Task.isCancelled {
                await once()
                try? await Task.sleep(for: interval)
            }
        }
        if atShutdown { await once() }
    }

    func once() async {
        do { try await task() } catch is CancellationError {} catch {
            logger.error("\(name) failed", metadata: ["error": "\(error)"])
        }
    }
}
