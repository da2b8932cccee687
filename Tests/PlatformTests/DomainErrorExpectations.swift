import Core
import Foundation
import Testing

/// The refusal a test expects, named: which fields were invalid, which conflict, which
/// permission, what was not found. A test that fails then says what broke.
enum Refusal: CustomStringConvertible {
    /// 422 naming these fields (in order).
    case invalid(_ fields: [String])
    /// 409 whose English text contains this.
    case conflict(_ saying: String)
    /// 403 whose English text contains this.
    case forbidden(_ saying: String)
    /// 404 of this (an id after it is not compared).
    case notFound(_ what: String)
    case unauthenticated
    case tooManyRequests

    /// 422 naming these fields (in order).
    static func invalid(_ fields: String...) -> Refusal { .invalid(fields) }

    var description: String {
        switch self {
        case .invalid(let fields): "invalid \(fields)"
        case .conflict(let text): "conflict “\(text)”"
        case .forbidden(let text): "forbidden “\(text)”"
        case .notFound(let what): "not found \(what)"
        case .unauthenticated: "unauthenticated"
        case .tooManyRequests: "too many requests"
        }
    }

    func matches(_ error: DomainError) -> Bool {
        switch (self, error) {
        case (.invalid(let fields), .invalid(let errors)): errors.map(\.field) == fields
        case (.conflict(let text), .conflict(_, let en)): en.contains(text)
        case (.forbidden(let text), .forbidden(_, let en)): en.contains(text)
        case (.notFound(let what), .notFound(let found)): found == what || found.hasPrefix(what + " ")
        case (.unauthenticated, .unauthenticated), (.tooManyRequests, .tooManyRequests): true
        default: false
        }
    }
}

/// Expects `body` to be refused as `refusal` says.
func expectRefusal(_ refusal: Refusal, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("not refused: expected \(refusal)", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(refusal.matches(error), "expected \(refusal), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(refusal), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The same for a synchronous body.
func expectRefusal(_ refusal: Refusal, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("not refused: expected \(refusal)", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(refusal.matches(error), "expected \(refusal), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(refusal), got \(error)", sourceLocation: sourceLocation)
    }
}
