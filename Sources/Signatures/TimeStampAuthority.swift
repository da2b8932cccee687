import Audit
import Core
import Crypto
import Foundation
import SwiftASN1
@_spi(CMS) import X509

/// The platform's own time-stamping authority (RFC 3161): every CMS signature the platform makes
/// carries a token over its signature value, so that its signing time is proven by a third
/// certificate rather than claimed by the signer. The TSA certificate is issued by the
/// provincial CA (extended key usage `timeStamping`, critical) when first needed.
extension CertificateAuthority {
    static let timeStampOwner = "tsa"

    /// The policy the tokens are issued under (an identifier under the UUID arc 2.25).
    static let timeStampPolicy: ASN1ObjectIdentifier = [2, 25, 206_914_178_413_297_150, 1]

    static let signingCertificateV2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]

    /// The current TSA certificate and key; one is issued when there is none and the
    /// provincial CA's key is here (nil otherwise: signatures then carry no token).
    func timeStampMaterial() async throws -> (certificate: Certificate, key: Certificate.PrivateKey)? {
        if let (_, certificate, pem) = try await signingMaterial(of: Self.timeStampOwner) {
            return (certificate, try Certificate.PrivateKey(pemEncoded: pem))
        }
        guard let authority = try await authority(), try await keyPair(serial: authority.serial) != nil else { return nil }
        _ = try await issue(
            kind: .timestamping,
            owner: Self.timeStampOwner,
            commonName: "Dịch vụ cấp dấu thời gian (TSA)",
            organization: "Nền tảng Chính quyền số",
            algorithm: .p256,
            years: 10,
            by: .system("tsa")
        )
        guard let (_, certificate, pem) = try await signingMaterial(of: Self.timeStampOwner) else { return nil }
        return (certificate, try Certificate.PrivateKey(pemEncoded: pem))
    }

    /// An RFC 3161 TimeStampToken (a SignedData over a TSTInfo) for `signature` at `time`.
    static func timeStampToken(over signature: [UInt8], at time: Date, certificate: Certificate, key: Certificate.PrivateKey) throws -> [UInt8] {
        var info = DER.Serializer()
        try info.appendConstructedNode(identifier: .sequence) { tst in
            try tst.serialize(1)
            try tst.serialize(timeStampPolicy)
            try tst.appendConstructedNode(identifier: .sequence) { imprint in
                try SignedDataWriter.algorithm(CMSSignature.OID.sha256, null: false, into: &imprint)
                try imprint.serialize(ASN1OctetString(contentBytes: ArraySlice(SHA256.hash(data: signature))))
            }
            try tst.serialize(ArraySlice(Certificate.SerialNumber().bytes))
            try tst.serialize(SignedDataWriter.generalizedTime(time))
            try tst.appendConstructedNode(identifier: .sequence) { try $0.serialize(1) }  // accuracy: one second
        }
        // RFC 5816: the TSA certificate named in the signed attributes (ESSCertIDv2, SHA-256).
        var encoded = DER.Serializer()
        try encoded.serialize(certificate)
        let certificateHash = ArraySlice(SHA256.hash(data: encoded.serializedBytes))
        let essCertificate = try SignedDataWriter.attribute(signingCertificateV2) { value in
            try value.appendConstructedNode(identifier: .sequence) { signingCertificate in
                try signingCertificate.appendConstructedNode(identifier: .sequence) { certs in
                    try certs.appendConstructedNode(identifier: .sequence) { try $0.serialize(ASN1OctetString(contentBytes: certificateHash)) }
                }
            }
        }
        return try SignedDataWriter.write(
            contentType: CMSSignature.OID.tstInfo,
            content: info.serializedBytes,
            detached: false,
            signedAttributes: [essCertificate],
            certificate: certificate,
            key: key
        )
    }

    /// A detached CMS signature by `certificate`, with its signing time and, when the platform's
    /// TSA is available, a time-stamp token over it (unsigned attribute).
    func timeStampedSignature(of content: Data, certificate: Certificate, key: Certificate.PrivateKey) async throws -> [UInt8] {
        let now = clock.now()
        let tsa = try await timeStampMaterial()
        let signingTime = try SignedDataWriter.attribute(CMSSignature.OID.signingTime) { try $0.serialize(SignedDataWriter.utcTime(now)) }
        return try SignedDataWriter.write(
            contentType: CMSSignature.OID.data,
            content: content,
            detached: true,
            signedAttributes: [signingTime],
            certificate: certificate,
            key: key
        ) { signature in
            guard let tsa else { return [] }
            let token = try Self.timeStampToken(over: signature, at: now, certificate: tsa.certificate, key: tsa.key)
            return [try SignedDataWriter.attribute(CMSSignature.OID.timeStampToken) { $0.serializeRawBytes(token) }]
        }
    }
}
