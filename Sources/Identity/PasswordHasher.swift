import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing off the cooperative thread pool (it is deliberately slow).
public struct PasswordHasher: Sendable {
    /// The bcrypt cost; 12 in production, lower in tests.
    public let cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = cost }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of a random password, compared against when the username does not exist so that
    /// a wrong username takes as long as a wrong password.
    public func decoyHash() async throws -> String { try await hash("decoy-\(UInt64.random(in: .min ... .max))") }
}
