import Core
import Crypto
import Foundation

/// A payment gateway reached by redirect, answering by a signed server-to-server callback
/// (the scheme of Vietnamese gateways: HMAC-SHA512 over the parameters sorted by name).
public struct PaymentGatewayConfig: Sendable {
    /// Where the citizen's browser is sent to pay.
    public var gatewayURL: String
    public var merchantCode: String
    /// The shared HMAC secret (at least 32 bytes).
    public var secret: String
    /// Where the gateway sends the browser back.
    public var returnURL: String
    /// The built-in sandbox (demo data only).
    public var sandbox: Bool
    /// How long the citizen has to pay (`vnp_ExpireDate`).
    public var expiry: TimeInterval

    /// Where the sandbox gateway is served.
    public static let sandboxPath = "/sandbox-gateway/pay"

    public init(gatewayURL: String, merchantCode: String, secret: String, returnURL: String, sandbox: Bool = false, expiry: TimeInterval = 15 * 60) {
        self.gatewayURL = gatewayURL
        self.merchantCode = merchantCode
        self.secret = secret
        self.returnURL = returnURL
        self.sandbox = sandbox
        self.expiry = expiry
    }
}

/// Signing and checking gateway parameters.
public enum PaymentSignature {
    public static let hashField = "vnp_SecureHash"

    /// The gateway's `vnp_*` pairs sorted by key, values form-encoded (space as `+`), joined by
    /// `&`; the hash fields themselves, empty values and any other parameter (a query string of
    /// the registered IPN URL) are left out — as VNPAY's PHP, Java, Node and .NET demos do.
    public static func canonical(_ parameters: [String: String]) -> String {
        parameters.filter { $0.key.hasPrefix("vnp_") && $0.key != hashField && $0.key != "vnp_SecureHashType" && !$0.value.isEmpty }
            .sorted { $0.key < $1.key }
            .map { "\(encode($0.key))=\(encode($0.value))" }
            .joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }

    public static func sign(_ parameters: [String: String], secret: String) -> String {
        let mac = HMAC<SHA512>.authenticationCode(for: Data(canonical(parameters).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison of the given hash with the expected one.
    public static func verify(_ parameters: [String: String], secret: String) -> Bool {
        guard let given = parameters[hashField]?.lowercased() else { return false }
        return ConstantTime.equal(given, sign(parameters, secret: secret))
    }

    /// The query string of signed parameters.
    public static func query(_ parameters: [String: String], secret: String) -> String {
        canonical(parameters) + "&\(hashField)=\(sign(parameters, secret: secret))"
    }
}
