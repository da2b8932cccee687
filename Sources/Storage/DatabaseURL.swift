import Core
import Foundation

/// Where the data lives: an SQLite file (the embedded default) or a PostgreSQL server.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool)

    /// Parses `CQS_DATABASE_URL`: `postgres://user:pass@host:port/db[?sslmode=require]`, or an
    /// SQLite path (optionally `sqlite://path` or `sqlite:path`).
    public static func parse(_ text: String) throws(ValidationError) -> DatabaseURL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: trimmed), let host = components.host, !host.isEmpty else {
                throw ValidationError(field: "databaseURL", messageVi: "URL PostgreSQL không hợp lệ", messageEn: "Invalid PostgreSQL URL")
            }
            let database = String(components.path.drop(while: { $0 == "/" }))
            let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value
            return .postgres(
                host: host,
                port: components.port ?? 5432,
                username: components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres",
                password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
                database: database.isEmpty ? "postgres" : database,
                requireTLS: sslmode == "require" || sslmode == "verify-full"
            )
        }
        var path = trimmed
        for prefix in ["sqlite://", "sqlite:"] where path.hasPrefix(prefix) { path = String(path.dropFirst(prefix.count)) }
        guard !path.isEmpty else {
            throw ValidationError(field: "databaseURL", messageVi: "Thiếu đường dẫn tệp SQLite", messageEn: "Missing SQLite file path")
        }
        return .sqlite(path: path)
    }

    /// A form safe for logs: never the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let host, let port, let user, _, let db, _): "postgres://\(user)@\(host):\(port)/\(db)"
        }
    }
}
