/// Holds background work until start-up (migrations, seeding) is done.
public actor ReadinessGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(open: Bool = false) { isOpen = open }

    public func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
