import SQLKit
import Synchronization

/// The search index last built and the catalogue's fingerprint when it was built. Procedures
/// are never deleted and every change sets `updated_at`, so the count and the latest change
/// tell whether the table still holds what the index was built from.
final class BuiltIndex: Sendable {
    struct Fingerprint: Equatable, Decodable {
        let count: Int64
        let latest: Int64
    }

    private let state = Mutex<(fingerprint: Fingerprint, index: ProcedureIndex)?>(nil)

    static func fingerprint(_ db: any SQLDatabase) async throws -> Fingerprint {
        try await db.raw("SELECT COUNT(*) AS count, COALESCE(MAX(updated_at), 0) AS latest FROM procedures").first(decoding: Fingerprint.self)
            ?? Fingerprint(count: 0, latest: 0)
    }

    /// The kept index, if it was built from a table with this fingerprint.
    func index(ifStill fingerprint: Fingerprint) -> ProcedureIndex? {
        state.withLock { $0?.fingerprint == fingerprint ? $0?.index : nil }
    }

    func keep(_ index: ProcedureIndex, _ fingerprint: Fingerprint) { state.withLock { $0 = (fingerprint, index) } }

    /// After this process's own import (it may land within the millisecond of the latest change).
    func forget() { state.withLock { $0 = nil } }
}
