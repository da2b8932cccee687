import PostgresNIO
import SQLiteNIO

/// Failures of the storage layer that callers may want to tell apart.
public enum StorageError: Error, Sendable, Equatable {
    /// The database has been shut down.
    case closed
    /// The database cannot be reached (503 at the edge).
    case unavailable
    /// Unknown or malformed stored data.
    case corrupt(String)
    /// A backup could not be written, verified or restored.
    case backup(String)

    /// Whether `error` is a violation of a unique constraint, on either engine.
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        if let error = error as? SQLiteError {
            return error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
                || (error.reason == .constraint && error.message.contains("UNIQUE"))
        }
        return false
    }

    /// SQLSTATEs of a server that is going away or not yet there: class 08 (connection
    /// exceptions) and 57P01–57P03 (administrator or crash shutdown, cannot connect now).
    static func isShutdownState(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
    }

    /// Whether `error` means the database could not be reached, or went away during the work.
    public static func isConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed: return true
            case .server: return isShutdownState(error.serverInfo?[.sqlState])
            default: return false
            }
        }
        if let error = error as? StorageError { return error == .closed || error == .unavailable }
        return false
    }
}
