import Core
import Foundation
import JWTKit
import SQLKit
import Storage

/// Short-lived API access tokens: HS256 JWTs signed with a key kept in the `secrets` table
/// (created on first start) or given by configuration.
public struct TokenService: Sendable {
    struct Claims: JWTPayload {
        let sub: SubjectClaim
        let exp: ExpirationClaim
        let iat: IssuedAtClaim
        let iss: IssuerClaim
        let aud: AudienceClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
            guard iss.value == TokenService.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer") }
            try aud.verifyIntendedAudience(includes: TokenService.audience)
        }
    }

    static let issuer = "cqs"
    static let audience = "cqs-api"
    let database: Database
    let configuredSecret: String?
    public let lifetime: TimeInterval
    let clock: WallClock
    private let cache = KeyCache()

    /// The signing keys, loaded on first use (the stored secret needs a running database).
    actor KeyCache {
        var keys: JWTKeyCollection?
        func get(_ load: @Sendable () async throws -> JWTKeyCollection) async throws -> JWTKeyCollection {
            if let keys { return keys }
            let loaded = try await load()
            keys = loaded
            return loaded
        }
    }

    /// A configured secret must be at least 32 bytes; without one, a random secret is created
    /// once and kept in the `secrets` table.
    public init(database: Database, configuredSecret: String?, lifetime: TimeInterval = 15 * 60, clock: WallClock = .system) throws {
        if let configuredSecret, !configuredSecret.isEmpty, configuredSecret.utf8.count < 32 {
            throw DomainError.invalid("jwtSecret", "Khóa ký JWT phải dài ít nhất 32 byte", "The JWT secret must be at least 32 bytes")
        }
        self.database = database
        self.configuredSecret = configuredSecret
        self.lifetime = lifetime
        self.clock = clock
    }

    func keys() async throws -> JWTKeyCollection {
        try await cache.get { [database, configuredSecret, clock] in
            let secret: String
            if let configuredSecret, !configuredSecret.isEmpty {
                secret = configuredSecret
            } else {
                secret = try await Self.storedSecret(database: database, name: "jwt-hs256", clock: clock)
            }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return keys
        }
    }

    /// A random secret created once and kept in the `secrets` table (JWT key, payment sandbox key…).
    public static func storedSecret(database: Database, name: String, clock: WallClock) async throws -> String {
        try await database.transaction { db in
            if let row = try await db.select().column("value").from("secrets").where("name", .equal, name).first() {
                return try row.decode(column: "value", as: String.self)
            }
            let value = SessionStore.randomToken() + SessionStore.randomToken()
            try await db.insert(into: "secrets").columns("name", "value", "created_at")
                .values(SQLBind(name), SQLBind(value), SQLBind(clock.millis())).run()
            return value
        }
    }

    /// Issues a token for an account.
    public func issue(for account: Account) async throws -> String {
        let now = clock.now()
        let claims = Claims(
            sub: SubjectClaim(value: String(account.id)),
            exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
            iat: IssuedAtClaim(value: now),
            iss: IssuerClaim(value: Self.issuer),
            aud: AudienceClaim(value: Self.audience)
        )
        return try await keys().sign(claims)
    }

    /// The account id a valid token names, or nil for any invalid or expired token.
    public func userID(from token: String) async -> Int64? { await claims(from: token)?.userID }

    /// The account a valid token names and when it was issued (ms), or nil.
    public func claims(from token: String) async -> (userID: Int64, issuedAt: Int64)? {
        guard token.count < 4096, let keys = try? await keys(), let claims = try? await keys.verify(token, as: Claims.self),
            let id = Int64(claims.sub.value)
        else { return nil }
        return (id, claims.iat.value.epochMillis)
    }

    /// Whether a token issued at `issuedAt` still counts for `account` (not revoked at sign-out).
    public static func accepted(issuedAt: Int64, by account: Account) -> Bool {
        guard let revoked = account.tokensRevokedAt else { return true }
        return issuedAt > revoked
    }
}
