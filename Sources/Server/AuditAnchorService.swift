import Audit
import Delivery
import Logging
import ServiceLifecycle

/// Anchors the audit chain outside the database every `interval`, and once more at shutdown.
struct AuditAnchorService: Service {
    let platform: Platform
    let gate: ReadinessGate
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await gate.wait()
            while !Task.isCancelled {
                await anchorNow()
                try? await Task.sleep(for: interval)
            }
        }
        await anchorNow()
    }

    func anchorNow() async {
        do { try await platform.anchorAudit() } catch {
            platform.logger.error("security: audit anchor failed", metadata: ["event": "audit.anchor.failed", "error": "\(error)"])
        }
    }
}
