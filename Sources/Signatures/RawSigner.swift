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
            throw DomainError.conflict(messageVi: "\(owner) chưa có chứng thư ký số còn hiệu lực", messageEn: "\(owner) has no valid signing certificate")
        }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            let signature = try rsa.signature(for: SHA256.hash(data: try build(true)), padding: .insecurePKCS1v1_5)
            return RawSignature(value: signature.rawRepresentation, isRSA: true, certificateDER: Data(serializer.serializedBytes))
        }
        let ec = try P256.Signing.PrivateKey(pemRepresentation: pem)
        return RawSignature(value: try ec.signature(for: try build(false)).rawRepresentation, isRSA: false, certificateDER: Data(serializer.serializedBytes))
    }

    /// Checks a raw signature by a certificate the platform trusts.
    public func verifyRaw(_ value: Data, over bytes: Data, certificateDER: Data, isRSA: Bool) async throws -> SignatureReport {
        let certificate = try Certificate(derEncoded: [UInt8](certificateDER))
        let correct: Bool
        if isRSA, let key = _RSA.Signing.PublicKey(certificate.publicKey) {
            correct = key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: value), for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5)
        } else if let key = P256.Signing.PublicKey(certificate.publicKey), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: value) {
            correct = key.isValidSignature(signature, for: bytes)
        } else {
            correct = false
        }
        let trust = try await trustList()
        let serial = Self.serialHex(certificate.serialNumber)
        let revoked = trust.revoked[serial] != nil
        let trusted = CMSSignature.trustedIssuer(of: certificate, among: trust.roots) != nil
        let now = clock.now()
        let inValidity = certificate.notValidBefore <= now && now <= certificate.notValidAfter
        var problems: [String] = []
        if !correct { problems.append("Chữ ký XML không đúng / XML signature does not match") }
        if !trusted { problems.append("Chứng thư không do tổ chức cấp tin cậy phát hành / untrusted issuer") }
        if !inValidity { problems.append("Chứng thư hết hiệu lực / certificate not valid now") }
        if revoked { problems.append("Chứng thư đã bị thu hồi / certificate revoked") }
        return SignatureReport(valid: correct && trusted && inValidity && !revoked, contentIntact: correct, signatureCorrect: correct, trustedSigner: trusted,
                               withinValidity: inValidity, revoked: revoked, signer: String(describing: certificate.subject), signerSerial: serial,
                               signingTime: nil, problems: problems)
    }
}
