import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) @_spi(DisableValidityCheck) import X509

/// What the platform trusts, as one verification sees it: the trust anchors (the authorities
/// stored here), the other certificates it knows (intermediates among them) and the revocation
/// list (serial → when it was revoked).
public struct TrustAnchors: Sendable {
    public let anchors: [Certificate]
    public let known: [Certificate]
    public let revoked: [String: Int64]

    public init(anchors: [Certificate], known: [Certificate] = [], revoked: [String: Int64]) {
        self.anchors = anchors
        self.known = known
        self.revoked = revoked
    }
}

/// The result of RFC 5280 path validation of a signer certificate at a trusted time.
public struct PathCheck: Sendable, Equatable {
    /// A path to a trust anchor exists (signatures and CA constraints checked, time and revocation aside).
    public let trusted: Bool
    /// Every certificate of that path is within its validity at the trusted time.
    public let withinValidity: Bool
    /// A certificate of that path (the signer or an authority) was revoked at or before the trusted time.
    public let revoked: Bool
    /// The validated path, signer first, when the whole check passed.
    public let chain: [Certificate]
    public let problems: [String]

    public var valid: Bool { trusted && withinValidity && !revoked }
}

/// RFC 5280 certificate path validation: from the signer through intermediates (those a
/// signature carries and those the platform knows) to a trust anchor, with the validity of every
/// certificate and the revocation of every certificate in the path, the anchor included.
public enum CertificatePath {
    /// Validates `leaf` at `time` (the trusted signing time: a verified time-stamp or the moment of checking).
    public static func check(_ leaf: Certificate, carried: [Certificate], trust: TrustAnchors, at time: Date) async -> PathCheck {
        let roots = CertificateStore(trust.anchors)
        let intermediates = CertificateStore(carried + trust.known)
        var strict = Verifier(rootCertificates: roots) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            RevocationPolicy(revoked: trust.revoked, time: time)
            UsageAcknowledged()
        }
        if case .validCertificate(let chain) = await strict.validate(leaf: leaf, intermediates: intermediates) {
            return PathCheck(trusted: true, withinValidity: true, revoked: false, chain: Array(chain), problems: [])
        }
        // Why not: find a path without the time and revocation rules, then judge that path.
        var loose = Verifier(rootCertificates: roots) {
            RFC5280Policy.withValidityCheckDisabled()
            UsageAcknowledged()
        }
        guard case .validCertificate(let chain) = await loose.validate(leaf: leaf, intermediates: intermediates) else {
            return PathCheck(
                trusted: false,
                withinValidity: inValidity(leaf, at: time),
                revoked: RevocationPolicy.revoked(leaf, in: trust.revoked, at: time),
                chain: [],
                problems: ["Chứng thư không do tổ chức cấp tin cậy phát hành / untrusted issuer (no path to a trusted authority)"]
            )
        }
        var problems: [String] = []
        let outOfValidity = chain.filter { !inValidity($0, at: time) }
        for certificate in outOfValidity {
            problems.append(
                "Chứng thư \(describe(certificate, in: chain)) ngoài thời hạn hiệu lực tại thời điểm tin cậy \(ISO8601DateFormatter().string(from: time)) / "
                    + "certificate outside its validity at the trusted time"
            )
        }
        let revoked = chain.filter { RevocationPolicy.revoked($0, in: trust.revoked, at: time) }
        for certificate in revoked {
            problems.append("Chứng thư \(describe(certificate, in: chain)) đã bị thu hồi / certificate revoked")
        }
        if outOfValidity.isEmpty && revoked.isEmpty {
            problems.append("Đường dẫn chứng thư không hợp lệ (RFC 5280) / invalid certificate path")
        }
        return PathCheck(trusted: true, withinValidity: outOfValidity.isEmpty, revoked: !revoked.isEmpty, chain: [], problems: problems)
    }

    static func inValidity(_ certificate: Certificate, at time: Date) -> Bool {
        certificate.notValidBefore <= time && time <= certificate.notValidAfter
    }

    static func describe(_ certificate: Certificate, in chain: ValidatedCertificateChain) -> String {
        let role = certificate == chain.leaf ? "người ký / signer" : "tổ chức cấp / authority"
        return "\(role) \(certificate.subject)"
    }
}

/// A critical extended key usage (as RFC 3161 requires of time-stamping certificates) is
/// understood: the use a certificate is accepted for is checked where it is used (TimeStamp).
struct UsageAcknowledged: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]
    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult { .meetsPolicy }
}

/// Refuses a path in which any certificate (the anchor included) was revoked at or before `time`.
struct RevocationPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    let revoked: [String: Int64]
    let time: Date

    static func revoked(_ certificate: Certificate, in list: [String: Int64], at time: Date) -> Bool {
        guard let at = list[CertificateAuthority.serialHex(certificate.serialNumber)] else { return false }
        return Double(at) / 1000 <= time.timeIntervalSince1970
    }

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for certificate in chain where Self.revoked(certificate, in: revoked, at: time) {
            return .failsToMeetPolicy(reason: "revoked: \(certificate.subject)")
        }
        return .meetsPolicy
    }
}
