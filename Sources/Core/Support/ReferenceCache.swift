import Synchronization

/// An in-process cache for reference data that changes rarely and is read on every request
/// (a procedure by code, an agency, the working calendar). The owning store clears it on every
/// write it makes, so this process sees its own changes at once; another instance's changes
/// are seen within `lifetime`. Only found values are kept, never "not found"; past `capacity`
/// entries the cache starts over.
public final class ReferenceCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry { let value: Value; let expires: ContinuousClock.Instant }
    private struct State { var entries: [Key: Entry] = [:]; var generation = 0 }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(30), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached value for `key`, or the loaded one (kept if found and no write cleared the
    /// cache while it was loading).
    public func value(for key: Key, load: () async throws -> Value?) async rethrows -> Value? {
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { state -> (Value?, Int) in
            guard let entry = state.entries[key], entry.expires > now else { return (nil, state.generation) }
            return (entry.value, state.generation)
        }
        if let cached { return cached }
        guard let loaded = try await load() else { return nil }
        let expires = ContinuousClock.now + lifetime
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(value: loaded, expires: expires)
        }
        return loaded
    }

    /// The values for `keys`: cached ones, and the rest loaded together in one call.
    public func values(for keys: [Key], load: ([Key]) async throws -> [Key: Value]) async rethrows -> [Key: Value] {
        let now = ContinuousClock.now
        var found: [Key: Value] = [:]
        var missing: [Key] = []
        let generation = state.withLock { state -> Int in
            for key in keys {
                if let entry = state.entries[key], entry.expires > now { found[key] = entry.value } else { missing.append(key) }
            }
            return state.generation
        }
        guard !missing.isEmpty else { return found }
        let loaded = try await load(missing)
        let expires = ContinuousClock.now + lifetime
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count + loaded.count > capacity { state.entries.removeAll(keepingCapacity: true) }
            for (key, value) in loaded { state.entries[key] = Entry(value: value, expires: expires) }
        }
        return found.merging(loaded) { cached, _ in cached }
    }

    /// Forgets everything (after a write), including values still being loaded.
    public func clear() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }
}
