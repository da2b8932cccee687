import Core
import Hummingbird

/// Shows a refused form again: runs `action`, and when a domain error refuses it, renders with
/// `shownAgain` the problem it became. Not-found errors pass through (the record is not there).
public enum Refusal {
    public static func shown(
        in context: some RequestState,
        _ action: () async throws -> Response,
        again shownAgain: (Problem) async throws -> Response
    ) async throws -> Response {
        do {
            return try await action()
        } catch let error as DomainError {
            if case .notFound = error { throw error }
            return try await shownAgain(Problem.from(error, language: context.language))
        }
    }
}
