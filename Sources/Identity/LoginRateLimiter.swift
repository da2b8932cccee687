import Foundation

/// A budget per client address (failed sign-ins, code requests, public look-ups), in memory: at
/// most `limit` per `window`. Complements `LoginThrottle`'s delays per account and address.
public actor LoginRateLimiter {
    let limit: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    public init(limit: Int = 20, window: TimeInterval = 600) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before another attempt from `key`, or nil when allowed.
    public func retryAfter(_ key: String, now: Date) -> Int? {
        let recent = prune(key, now: now)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
    }

    public func recordFailure(_ key: String, now: Date) {
        var recent = prune(key, now: now)
        recent.append(now)
        failures[key] = recent
        if failures.count > 100_000 { failures = failures.filter { !$0.value.isEmpty } }
    }

    private func prune(_ key: String, now: Date) -> [Date] {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}
