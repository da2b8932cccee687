import Crypto
import _CryptoExtras
import Foundation
import SwiftASN1
@_spi(CMS) import X509

/// What a signature check found, in terms a reader can act on.
public struct SignatureReport: Codable, Sendable, Equatable {
    /// All checks passed: content unchanged, signature correct, signer trusted, in validity, not revoked.
    public let valid: Bool
    public let contentIntact: Bool
    public let signatureCorrect: Bool
    public let trustedSigner: Bool
    public let withinValidity: Bool
    public let revoked: Bool
    public let signer: String?
    public let signerSerial: String?
    public let signingTime: Int64?
    public let problems: [String]
}

/// Detached CMS (RFC 5652) signatures: produced with swift-certificates, and checked by our own
/// SignedData parser, so that signatures made by OpenSSL with RSA keys (which name
/// `rsaEncryption` as the SignerInfo algorithm) verify too.
public enum CMSSignature {
    /// Signs `content` with a detached SignedData carrying the signer certificate and signing time.
    public static func sign(_ content: Data, certificate: Certificate, key: Certificate.PrivateKey, at time: Date) throws -> [UInt8] {
        try CMS.sign(content, signatureAlgorithm: signatureAlgorithm(for: key), certificate: certificate, privateKey: key, signingTime: time, detached: true)
    }

    /// SHA-256 with the key's scheme (RSA PKCS#1 v1.5 or ECDSA).
    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        _RSA.Signing.PublicKey(key.publicKey) != nil ? .sha256WithRSAEncryption : .ecdsaWithSHA256
    }

    static func date(year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hours, minute: minutes, second: seconds))
    }

    /// A SignedData's signer, as parsed.
    struct Parsed {
        let certificates: [Certificate]
        let signerSerial: ArraySlice<UInt8>?
        let digestAlgorithm: ASN1ObjectIdentifier
        let signatureAlgorithm: ASN1ObjectIdentifier
        let signedAttributes: [UInt8]?  // DER of the SET OF Attribute (re-tagged)
        let messageDigest: [UInt8]?
        let signingTime: Date?
        let signature: [UInt8]
    }

    enum OID {
        static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
        static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
        static let signingTime: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 5]
        static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
        static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
        static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
        static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
        static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
        static let sha384WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
        static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]
        static let ecdsaSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
        static let ecdsaSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
        static let ecdsaSHA512: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 4]
    }

    struct Malformed: Error, CustomStringConvertible { let description: String }

    /// Reads DER, or PEM (`-----BEGIN CMS-----` / `PKCS7`).
    static func der(_ bytes: Data) -> [UInt8] {
        if let text = String(data: bytes, encoding: .utf8), text.contains("-----BEGIN") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            return Data(base64Encoded: body).map { [UInt8]($0) } ?? []
        }
        return [UInt8](bytes)
    }

    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let root = try DER.parse(bytes)
        return try DER.sequence(root, identifier: .sequence) { nodes in
            let contentType = try ASN1ObjectIdentifier(derEncoded: &nodes)
            guard contentType == OID.signedData, let explicit = nodes.next(), case .constructed(let inner) = explicit.content,
                  let signedDataNode = inner.first(where: { _ in true }) else { throw Malformed(description: "not a CMS SignedData") }
            while nodes.next() != nil {}
            return try DER.sequence(signedDataNode, identifier: .sequence) { nodes in
                _ = try Int(derEncoded: &nodes)  // version
                _ = nodes.next()  // digestAlgorithms
                _ = nodes.next()  // encapContentInfo (detached: no content)
                var certificates: [Certificate] = []
                var next = nodes.next()
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                    if case .constructed(let children) = node.content {
                        for child in children { if let certificate = try? Certificate(derEncoded: child) { certificates.append(certificate) } }
                    }
                    next = nodes.next()
                }
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific) { next = nodes.next() }  // CRLs
                guard let signerInfos = next, case .constructed(let infos) = signerInfos.content, let first = infos.first(where: { _ in true }) else {
                    throw Malformed(description: "no signer")
                }
                let parsed = try signerInfo(first, certificates: certificates)
                while nodes.next() != nil {}
                return parsed
            }
        }
    }

    static func signerInfo(_ node: ASN1Node, certificates: [Certificate]) throws -> Parsed {
        try DER.sequence(node, identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)
            var serial: ArraySlice<UInt8>?
            if let sid = nodes.next(), sid.identifier == .sequence, case .constructed(let parts) = sid.content {
                var iterator = parts.makeIterator()
                _ = iterator.next()  // issuer
                if let number = iterator.next(), case .primitive(let bytes) = number.content { serial = bytes }
            }
            let digestAlgorithm = try algorithmOID(nodes.next())
            var next = nodes.next()
            var signedAttributes: [UInt8]?
            var messageDigest: [UInt8]?
            var signingTime: Date?
            if let attributes = next, attributes.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                // The signature covers the attributes DER-encoded as a SET (tag 0x31), not as [0].
                var encoded = Array(attributes.encodedBytes)
                encoded[0] = 0x31
                signedAttributes = encoded
                if case .constructed(let list) = attributes.content {
                    for attribute in list {
                        try DER.sequence(attribute, identifier: .sequence) { fields in
                            let type = try ASN1ObjectIdentifier(derEncoded: &fields)
                            guard let values = fields.next(), case .constructed(let set) = values.content, let value = set.first(where: { _ in true }) else { return }
                            while fields.next() != nil {}
                            if type == OID.messageDigest { messageDigest = Array(try ASN1OctetString(derEncoded: value).bytes) }
                            if type == OID.signingTime {
                                if let t = try? UTCTime(derEncoded: value) {
                                    signingTime = date(year: t.year, month: t.month, day: t.day, hours: t.hours, minutes: t.minutes, seconds: t.seconds)
                                } else if let t = try? GeneralizedTime(derEncoded: value) {
                                    signingTime = date(year: t.year, month: t.month, day: t.day, hours: t.hours, minutes: t.minutes, seconds: t.seconds)
                                }
                            }
                        }
                    }
                }
                next = nodes.next()
            }
            let signatureAlgorithm = try algorithmOID(next)
            guard let signatureNode = nodes.next() else { throw Malformed(description: "no signature value") }
            let signature = Array(try ASN1OctetString(derEncoded: signatureNode).bytes)
            while nodes.next() != nil {}  // unsigned attributes
            return Parsed(certificates: certificates, signerSerial: serial, digestAlgorithm: digestAlgorithm, signatureAlgorithm: signatureAlgorithm,
                          signedAttributes: signedAttributes, messageDigest: messageDigest, signingTime: signingTime, signature: signature)
        }
    }

    static func algorithmOID(_ node: ASN1Node?) throws -> ASN1ObjectIdentifier {
        guard let node else { throw Malformed(description: "missing algorithm") }
        return try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            while nodes.next() != nil {}  // parameters (NULL for RSA)
            return oid
        }
    }

    static func digest(_ data: some DataProtocol, _ algorithm: ASN1ObjectIdentifier) -> [UInt8]? {
        switch algorithm {
        case OID.sha256: Array(SHA256.hash(data: data))
        case OID.sha384: Array(SHA384.hash(data: data))
        case OID.sha512: Array(SHA512.hash(data: data))
        default: nil
        }
    }

    /// The X.509 signature algorithm for a SignerInfo (RSA signers may name `rsaEncryption`).
    static func signatureAlgorithm(_ signature: ASN1ObjectIdentifier, digest: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch (signature, digest) {
        case (OID.sha256WithRSA, _), (OID.rsaEncryption, OID.sha256): .sha256WithRSAEncryption
        case (OID.sha384WithRSA, _), (OID.rsaEncryption, OID.sha384): .sha384WithRSAEncryption
        case (OID.sha512WithRSA, _), (OID.rsaEncryption, OID.sha512): .sha512WithRSAEncryption
        case (OID.ecdsaSHA256, _): .ecdsaWithSHA256
        case (OID.ecdsaSHA384, _): .ecdsaWithSHA384
        case (OID.ecdsaSHA512, _): .ecdsaWithSHA512
        default: nil
        }
    }

    /// The authority among `roots` that issued `certificate` (name and signature), if any.
    static func trustedIssuer(of certificate: Certificate, among roots: [Certificate]) -> Certificate? {
        roots.first { $0.subject == certificate.issuer && $0.publicKey.isValidSignature(certificate.signature, for: certificate) }
    }

    /// Checks a detached signature of `content`. `trustRoots` are the authorities we accept;
    /// `revokedAt` answers whether (and when) a certificate serial was revoked.
    public static func verify(_ signatureBytes: Data, content: Data, trustRoots: [Certificate], now: Date,
                              revokedAt: (String) -> Int64?) -> SignatureReport {
        var problems: [String] = []
        let parsed: Parsed
        do { parsed = try parse(der(signatureBytes)) } catch {
            return SignatureReport(valid: false, contentIntact: false, signatureCorrect: false, trustedSigner: false, withinValidity: false, revoked: false,
                                   signer: nil, signerSerial: nil, signingTime: nil, problems: ["Chữ ký không đọc được / unreadable signature: \(error)"])
        }
        func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> { bytes.drop { $0 == 0 } }
        let signer = parsed.certificates.first { parsed.signerSerial == nil || trimmed($0.serialNumber.bytes) == trimmed(parsed.signerSerial!) }
        let serial = signer.map { CertificateAuthority.serialHex($0.serialNumber) }
        // 1. The content is the one that was signed.
        let contentDigest = digest(content, parsed.digestAlgorithm)
        let contentIntact: Bool
        if let attributes = parsed.signedAttributes {
            contentIntact = contentDigest != nil && contentDigest == parsed.messageDigest
            _ = attributes
        } else {
            contentIntact = true  // checked by the signature itself below
        }
        if contentDigest == nil { problems.append("Thuật toán băm không hỗ trợ / unsupported digest algorithm") }
        if !contentIntact { problems.append("Nội dung đã bị thay đổi sau khi ký / the content changed after signing") }
        // 2. The signature was made by the signer's key.
        var signatureCorrect = false
        if let signer, let algorithm = signatureAlgorithm(parsed.signatureAlgorithm, digest: parsed.digestAlgorithm) {
            let signed: [UInt8] = parsed.signedAttributes ?? [UInt8](content)
            signatureCorrect = signer.publicKey.isValidSignature(parsed.signature, for: signed, signatureAlgorithm: algorithm)
        }
        if signer == nil { problems.append("Không có chứng thư của người ký / signer certificate missing") }
        if !signatureCorrect { problems.append("Chữ ký không đúng / signature does not match") }
        // 3. The signer's certificate comes from a trusted authority.
        let issuer = signer.flatMap { trustedIssuer(of: $0, among: trustRoots) }
        if signer != nil && issuer == nil { problems.append("Chứng thư không do tổ chức cấp tin cậy phát hành / untrusted issuer") }
        // 4. Valid at signing time (or now), not revoked.
        let when = parsed.signingTime ?? now
        let withinValidity = signer.map { $0.notValidBefore <= when && when <= $0.notValidAfter } ?? false
        if signer != nil && !withinValidity { problems.append("Ký ngoài thời hạn hiệu lực của chứng thư / signed outside the certificate's validity") }
        let revoked = serial.flatMap(revokedAt) != nil
        if revoked { problems.append("Chứng thư đã bị thu hồi / certificate revoked") }
        let valid = contentIntact && signatureCorrect && issuer != nil && withinValidity && !revoked
        return SignatureReport(valid: valid, contentIntact: contentIntact && signatureCorrect, signatureCorrect: signatureCorrect, trustedSigner: issuer != nil,
                               withinValidity: withinValidity, revoked: revoked, signer: signer.map { String(describing: $0.subject) }, signerSerial: serial,
                               signingTime: parsed.signingTime.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }, problems: problems)
    }
}
