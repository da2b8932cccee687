/// Small async forms of the standard library's combinators, shared by every context.
extension Optional {
    /// The value, or the result of an async fallback when nil.
    public func asyncOr(_ fallback: () async throws -> Wrapped?) async rethrows -> Wrapped? {
        if let self { return self }
        return try await fallback()
    }

    /// The value, or the result of an async fallback (never nil) when nil.
    public func asyncOrElse(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let self { return self }
        return try await fallback()
    }

    /// `flatMap` with an async transform.
    public func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension Sequence {
    /// `map` with an async transform, in order, one at a time.
    public func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
