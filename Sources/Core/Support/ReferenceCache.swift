import Synchronization

/// An in-process cache for reference data that changes rarely and is read on every request
/// (a procedure by code, an agency, the working calendar, the procedure search index). The
/// owning store clears it on every write it makes, so this process sees its own changes at
/// once, and registers it with `CacheInvalidation`, so other nodes drop it when told (PostgreSQL
/// `NOTIFY`); `lifetime` bounds staleness when a notice is lost. Only found values are kept,
/// never "not found"; past `capacity` entries the cache starts over. Concurrent misses of one
/// key share a single load (a cold or expired index is built once, not once per request).
public final class ReferenceCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let expires: ContinuousClock.Instant
    }
    private struct State {
        var entries: [Key: Entry] = [:]
        var loading: [Key: Task<Value?, any Error>] = [:]
        var generation = 0
    }

    private enum Found {
        case cached(Value)
        case loading(Task<Value?, any Error>)
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let capacity: Int
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `now` is the clock entries age by (tests pass one they move by hand).
    public init(
        lifetime: Duration = .seconds(30),
        capacity: Int = 10_000,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    /// The cached value for `key`, or the loaded one (kept if found and no write cleared the
    /// cache while it was loading).
    public func value(for key: Key, load: @escaping @Sendable () async throws -> Value?) async throws -> Value? {
        let now = now()
        let found = state.withLock { state -> Found in
            let entry = state.entries[key]
            if let entry, entry.expires > now { return .cached(entry.value) }
            let running =
                state.loading[key]
                ?? {
                    let generation = state.generation
                    let started = Task { [weak self] () async throws -> Value? in
                        let result = await Result(catching: load)
                        self?.finish(key, generation: generation, result: result)
                        return try result.get()
                    }
                    state.loading[key] = started
                    return started
                }()
            // An aged-out value is served while its replacement loads (no request waits for the
            // rebuild of a large entry); a value a write cleared is never served.
            if let entry { return .cached(entry.value) }
            return .loading(running)
        }
        switch found {
        case .cached(let value): return value
        case .loading(let task): return try await task.value
        }
    }

    private func finish(_ key: Key, generation: Int, result: Result<Value?, any Error>) {
        let expires = now() + lifetime
        state.withLock { state in
            guard state.generation == generation else { return }
            state.loading[key] = nil
            guard case .success(let value?) = result else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(value: value, expires: expires)
        }
    }

    /// Forgets everything (after a write), including values still being loaded.
    public func clear() {
        state.withLock { state in
            state.entries.removeAll()
            state.loading.removeAll()
            state.generation += 1
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
