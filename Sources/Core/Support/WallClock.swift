import Foundation

/// The source of "now", injected so rules that depend on time can be tested.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = WallClock { Date() }

    /// Milliseconds since the Unix epoch: the storage form of instants.
    public func millis() -> Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }
}

extension Date {
    /// Milliseconds since the Unix epoch.
    public var epochMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    public init(epochMillis: Int64) { self.init(timeIntervalSince1970: Double(epochMillis) / 1000) }
}
