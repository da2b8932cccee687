import Core
import Crypto
import Foundation

/// Download links an outside system (the national portal) can follow without a session: the
/// file's id and an expiry, signed with HMAC-SHA256 under a key of this platform. Forged or
/// altered links are refused, expired ones too.
public struct SignedFileLinks: Sendable {
    /// What a link is worth when it comes back.
    public enum Verdict: Sendable, Equatable { case valid, expired, forged }

    let key: SymmetricKey
    /// The platform's address as the outside system reaches it (`CQS_PUBLIC_URL`).
    public let baseURL: String
    public let lifetime: TimeInterval
    let clock: WallClock

    public init(secret: String, baseURL: String, lifetime: TimeInterval, clock: WallClock = .system) {
        key = SymmetricKey(data: SHA256.hash(data: Data("cqs-file-links:\(secret)".utf8)))
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.lifetime = lifetime
        self.clock = clock
    }

    /// The path the links point to (`/api/v1/public/files/{id}`).
    public static let path = "/api/v1/public/files"

    /// A link to a dossier file, valid for `lifetime` from now.
    public func url(forFile id: Int64) -> String {
        let expires = Int64(clock.now().timeIntervalSince1970 + lifetime)
        return "\(baseURL)\(Self.path)/\(id)?expires=\(expires)&signature=\(signature(id: id, expires: expires))"
    }

    /// Checks a link's parts.
    public func verify(id: Int64, expires: Int64, signature: String) -> Verdict {
        guard let given = Data(hexString: signature),
            HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(Self.message(id: id, expires: expires).utf8), using: key)
        else { return .forged }
        return Double(expires) >= clock.now().timeIntervalSince1970 ? .valid : .expired
    }

    func signature(id: Int64, expires: Int64) -> String {
        Digest.hex(Array(HMAC<SHA256>.authenticationCode(for: Data(Self.message(id: id, expires: expires).utf8), using: key)))
    }

    static func message(id: Int64, expires: Int64) -> String { "dossier-file:\(id):\(expires)" }
}

extension Data {
    /// Bytes from lower- or upper-case hex; nil when it is not hex.
    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hexString.count / 2)
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
