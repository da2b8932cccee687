import Core
import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A raw signature over bytes (for XML signatures), with what a verifier needs to know.
public struct RawSignature: Sendable {
    /// RSA PKCS#1 v1.5 or ECDSA (r‖s, as XML-DSig wants it), both over SHA-256.
    public let value: Data
    public let isRSA: Bool
    /// The signer certificate, DER.
    public let certificateDER: Data
}

extension CertificateAuthority {
    /// Signs the bytes `build` makes (told whether the key is RSA) with the owner's current key.
    public func signRaw(as owner: String, _ build: (_ isRSA: Bool) throws -> Data) async throws -> RawSignature {
        guard let (_, certificate, pem) = try await signingMaterial(of: owner) else {
            throw DomainError.conflict(
                messageVi: "\(owner) chưa có chứng thư ký số còn hiệu lực",
                messageEn: "\(owner) has no valid signing certificate"
            )
        }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            let signature = try rsa.signature(for: SHA256.hash(data: try build(true)), padding: .insecurePKCS1v1_5)
            return RawSignature(value: signature.rawRepresentation, isRSA: true, certificateDER: Data(serializer.serializedBytes))
        }
        let ec = try P256.Signing.PrivateKey(pemRepresentation: pem)
        return RawSignature(
            value: try ec.signature(for: try build(false)).rawRepresentation,
            isRSA: false,
            certificateDER: Data(serializer.serializedBytes)
        )
    }

    /// Checks a raw signature (an XML signature's SignatureValue over its canonical SignedInfo)
    /// by one of `certificatesDER` (the signer, with any intermediates it carries), with the same
    /// path, time and revocation rules as CMS; the moment of checking is the trusted time. With
    /// `sender`, the signer must belong to that agency.
    public func verifyRaw(_ value: Data, over bytes: Data, algorithm: RawSignatureAlgorithm, certificatesDER: [Data], sender: String? = nil)
        async throws -> SignatureReport
    {
        let certificates = certificatesDER.compactMap { try? Certificate(derEncoded: [UInt8]($0)) }
        let signer = certificates.first { algorithm.isValid(value, over: bytes, by: $0) }
        guard let certificate = signer ?? certificates.first(where: { !$0.isAuthority }) ?? certificates.first else {
            return SignatureReport.unreadable("Không có chứng thư X.509 trong KeyInfo / no X.509 certificate in KeyInfo")
        }
        let correct = signer != nil
        let trust = try await trustList()
        let now = clock.now()
        let path = await CertificatePath.check(certificate, carried: certificates, trust: trust.anchors, at: now)
        var problems: [String] = []
        if !correct { problems.append("Chữ ký XML không đúng / XML signature does not match") }
        problems += path.problems
        let report = SignatureReport(
            valid: correct && path.valid,
            contentIntact: correct,
            signatureCorrect: correct,
            trustedSigner: path.trusted,
            withinValidity: path.withinValidity,
            revoked: path.revoked,
            signer: String(describing: certificate.subject),
            signerSerial: Self.serialHex(certificate.serialNumber),
            signingTime: nil,
            trustedTime: now.epochMillis,
            trustedTimeSource: "verification",
            problems: problems
        )
        guard let sender else { return report }
        return report.bound(trust.belongs(certificate, to: sender), agency: sender)
    }
}

extension Certificate {
    var isAuthority: Bool {
        if let constraints = try? extensions.basicConstraints, case .isCertificateAuthority = constraints { return true }
        return false
    }
}

/// The XML-DSig signature methods a receiver accepts (RFC 6931 identifiers). SHA-1 is accepted
/// on receipt for older national-axis software and reported as weak; the platform signs with SHA-256.
public enum RawSignatureAlgorithm: String, Sendable, CaseIterable {
    case rsaSHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    case rsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    case rsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    case ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    case ecdsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"

    public var isWeak: Bool { self == .rsaSHA1 }

    /// RSA PKCS#1 v1.5, or ECDSA with the signature as r‖s (XML-DSig's form).
    func isValid(_ value: Data, over bytes: Data, by certificate: Certificate) -> Bool {
        let rsa = _RSA.Signing.PublicKey(certificate.publicKey)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: value)
        switch self {
        case .rsaSHA1: return rsa?.isValidSignature(signature, for: Insecure.SHA1.hash(data: bytes), padding: .insecurePKCS1v1_5) ?? false
        case .rsaSHA256: return rsa?.isValidSignature(signature, for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5) ?? false
        case .rsaSHA384: return rsa?.isValidSignature(signature, for: SHA384.hash(data: bytes), padding: .insecurePKCS1v1_5) ?? false
        case .rsaSHA512: return rsa?.isValidSignature(signature, for: SHA512.hash(data: bytes), padding: .insecurePKCS1v1_5) ?? false
        case .ecdsaSHA256:
            guard let key = P256.Signing.PublicKey(certificate.publicKey), let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: value)
            else { return false }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: bytes))
        case .ecdsaSHA384:
            guard let key = P384.Signing.PublicKey(certificate.publicKey), let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: value)
            else { return false }
            return key.isValidSignature(ecdsa, for: SHA384.hash(data: bytes))
        }
    }
}
