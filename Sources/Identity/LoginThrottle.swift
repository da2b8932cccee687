import Foundation

/// Progressive delays after failed sign-ins, kept per (username, address) and per username, the
/// same for names that exist and names that do not (so answers tell nothing about accounts).
/// Nothing is ever locked: after `freeAttempts` failures from one address the next attempt
/// waits 1 s, then 2, 4… up to `maximumDelay`; someone failing from other addresses slows an
/// account only after `accountFreeAttempts` failures, and then by at most `accountMaximumDelay`,
/// so a stranger cannot lock its owner out. A success from an address clears its counters.
public actor LoginThrottle {
    public struct Policy: Sendable {
        public var freeAttempts: Int
        public var maximumDelay: TimeInterval
        public var accountFreeAttempts: Int
        public var accountMaximumDelay: TimeInterval
        /// Counters idle this long are forgotten.
        public var memory: TimeInterval

        public init(
            freeAttempts: Int = 5,
            maximumDelay: TimeInterval = 900,
            accountFreeAttempts: Int = 50,
            accountMaximumDelay: TimeInterval = 60,
            memory: TimeInterval = 3600
        ) {
            self.freeAttempts = freeAttempts
            self.maximumDelay = maximumDelay
            self.accountFreeAttempts = accountFreeAttempts
            self.accountMaximumDelay = accountMaximumDelay
            self.memory = memory
        }
    }

    struct Counter {
        var failures: Int
        var last: Date
    }

    let policy: Policy
    private var pairs: [String: Counter] = [:]
    private var accounts: [String: Counter] = [:]

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// Seconds to wait before `username` may be tried from `address`, or nil.
    public func retryAfter(username: String, address: String, now: Date) -> Int? {
        let waits = [
            wait(pairs[Self.pair(username, address)], free: policy.freeAttempts, cap: policy.maximumDelay, now: now),
            wait(accounts[username], free: policy.accountFreeAttempts, cap: policy.accountMaximumDelay, now: now),
        ]
        return waits.compactMap { $0 }.max()
    }

    public func recordFailure(username: String, address: String, now: Date) {
        forgetIdle(now: now)
        pairs[Self.pair(username, address), default: Counter(failures: 0, last: now)].failures += 1
        pairs[Self.pair(username, address)]?.last = now
        accounts[username, default: Counter(failures: 0, last: now)].failures += 1
        accounts[username]?.last = now
    }

    public func recordSuccess(username: String, address: String) {
        pairs[Self.pair(username, address)] = nil
        accounts[username] = nil
    }

    func wait(_ counter: Counter?, free: Int, cap: TimeInterval, now: Date) -> Int? {
        guard let counter, counter.failures >= free else { return nil }
        let delay = min(cap, pow(2, Double(counter.failures - free)))
        let remaining = counter.last.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? Int(remaining.rounded(.up)) : nil
    }

    func forgetIdle(now: Date) {
        guard pairs.count + accounts.count > 10_000 else { return }
        pairs = pairs.filter { now.timeIntervalSince($0.value.last) < policy.memory }
        accounts = accounts.filter { now.timeIntervalSince($0.value.last) < policy.memory }
    }

    static func pair(_ username: String, _ address: String) -> String { "\(username)\u{1F}\(address)" }
}
