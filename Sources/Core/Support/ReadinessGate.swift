/// Holds background work until start-up (migrations, seeding) is done. A waiter whose task is
/// cancelled (start-up failed and the process is shutting down) stops waiting at once.
public actor ReadinessGate {
    private var isOpen = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    public init(open: Bool = false) { isOpen = open }

    /// Returns once the gate is open, or as soon as the calling task is cancelled.
    public func wait() async {
        if isOpen || Task.isCancelled { return }
        let id = nextWaiter
        nextWaiter += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if isOpen || Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    public func open() {
        isOpen = true
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
    }

    private func release(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
