import Core
import Hummingbird

/// Path parameters read as the values they name; a value that names nothing is a 404.
extension Parameters {
    /// A numeric id (`/documents/{id}`); not a number: 404 naming `what`.
    public func number(_ name: String, orNotFound what: String) throws -> Int64 {
        guard let text = get(name), let value = Int64(text) else { throw DomainError.notFound(what: what) }
        return value
    }

    /// A closed set of values (`/dossiers/{code}/actions/{action}`); another value: 404 naming `what`.
    public func value<T: RawRepresentable>(_ name: String, as type: T.Type, orNotFound what: String) throws -> T where T.RawValue == String {
        guard let text = get(name), let value = T(rawValue: text) else { throw DomainError.notFound(what: what) }
        return value
    }
}
