import Core
import Crypto
import Foundation
import SwiftASN1
@_spi(CMS) import X509
import _CryptoExtras

/// What a signature check found, in terms a reader can act on.
public struct SignatureReport: Codable, Sendable, Equatable {
    /// All checks passed: content unchanged, signature correct, a valid path to a trusted
    /// authority at the trusted time, nothing in it revoked (and, when asked, the signer belongs to
    /// the sending agency).
    public let valid: Bool
    public let contentIntact: Bool
    public let signatureCorrect: Bool
    public let trustedSigner: Bool
    public let withinValidity: Bool
    public let revoked: Bool
    public let signer: String?
    public let signerSerial: String?
    /// The signing time the signer claims (the `signingTime` attribute): shown, never trusted.
    public let signingTime: Int64?
    /// The time validity and revocation were judged at: a verified RFC 3161 time-stamp, else the
    /// moment of checking (for a received package, its receipt).
    public var trustedTime: Int64?
    /// `timestamp` or `verification`.
    public var trustedTimeSource: String?
    /// Whether the signer's certificate belongs to the agency the message claims to come from
    /// (nil when not asked).
    public var signerBelongsToSender: Bool?
    public var problems: [String]

    static func unreadable(_ reason: String) -> SignatureReport {
        SignatureReport(
            valid: false,
            contentIntact: false,
            signatureCorrect: false,
            trustedSigner: false,
            withinValidity: false,
            revoked: false,
            signer: nil,
            signerSerial: nil,
            signingTime: nil,
            problems: ["Chữ ký không đọc được / unreadable signature: \(reason)"]
        )
    }

    init(
        valid: Bool,
        contentIntact: Bool,
        signatureCorrect: Bool,
        trustedSigner: Bool,
        withinValidity: Bool,
        revoked: Bool,
        signer: String?,
        signerSerial: String?,
        signingTime: Int64?,
        trustedTime: Int64? = nil,
        trustedTimeSource: String? = nil,
        problems: [String]
    ) {
        self.valid = valid
        self.contentIntact = contentIntact
        self.signatureCorrect = signatureCorrect
        self.trustedSigner = trustedSigner
        self.withinValidity = withinValidity
        self.revoked = revoked
        self.signer = signer
        self.signerSerial = signerSerial
        self.signingTime = signingTime
        self.trustedTime = trustedTime
        self.trustedTimeSource = trustedTimeSource
        self.problems = problems
    }

    /// The same report, also judged on whether the signer belongs to the sending agency.
    func bound(_ belongs: Bool, agency: String) -> SignatureReport {
        var report = SignatureReport(
            valid: valid && belongs,
            contentIntact: contentIntact,
            signatureCorrect: signatureCorrect,
            trustedSigner: trustedSigner,
            withinValidity: withinValidity,
            revoked: revoked,
            signer: signer,
            signerSerial: signerSerial,
            signingTime: signingTime,
            trustedTime: trustedTime,
            trustedTimeSource: trustedTimeSource,
            problems: problems
        )
        report.signerBelongsToSender = belongs
        if !belongs {
            report.problems.append(
                "Chứng thư ký không thuộc cơ quan gửi \(agency) / the signing certificate does not belong to the sending agency \(agency)"
            )
        }
        return report
    }
}

/// Detached CMS (RFC 5652) signatures: produced with swift-certificates, and checked by our own
/// SignedData parser, so that signatures made by OpenSSL with RSA keys (which name
/// `rsaEncryption` as the SignerInfo algorithm) or RSA-PSS verify too. The signer certificate is
/// the one the SignerInfo's `sid` names; its path is validated at the trusted time.
public enum CMSSignature {
    /// Signs `content` with a detached SignedData carrying the signer certificate and signing time,
    /// with swift-certificates' encoder and no time-stamp (the platform signs with
    /// `CertificateAuthority.signature(of:as:)`, which adds one).
    public static func sign(_ content: Data, certificate: Certificate, key: Certificate.PrivateKey, at time: Date) throws -> [UInt8] {
        try CMS.sign(
            content,
            signatureAlgorithm: signatureAlgorithm(for: key),
            certificate: certificate,
            privateKey: key,
            signingTime: time,
            detached: true
        )
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

    /// How a SignerInfo names its certificate (RFC 5652 §5.3).
    enum SignerIdentifier: Equatable {
        case issuerAndSerial(issuer: [UInt8], serial: ArraySlice<UInt8>)
        case subjectKeyIdentifier(ArraySlice<UInt8>)
    }

    /// One SignerInfo, as parsed.
    struct Signer {
        let sid: SignerIdentifier?
        let digestAlgorithm: ASN1ObjectIdentifier
        let signatureAlgorithm: ASN1ObjectIdentifier
        let signatureParameters: ASN1Node?
        let signedAttributes: [UInt8]?  // DER of the SET OF Attribute (re-tagged)
        let contentType: ASN1ObjectIdentifier?
        let messageDigest: [UInt8]?
        let signingTime: Date?
        let timeStampToken: [UInt8]?  // DER ContentInfo of an RFC 3161 token (unsigned attribute)
        let signature: [UInt8]
    }

    /// A SignedData, as parsed.
    struct Parsed {
        let certificates: [Certificate]
        let encapsulatedType: ASN1ObjectIdentifier
        let encapsulatedContent: [UInt8]?
        let signers: [Signer]

        var messageDigest: [UInt8]? { signers.first?.messageDigest }
    }

    enum OID {
        static let data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
        static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
        static let contentType: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
        static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
        static let signingTime: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 5]
        static let timeStampToken: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 14]
        static let tstInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
        static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
        static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
        static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
        static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
        static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
        static let rsaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 10]
        static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
        static let sha384WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
        static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]
        static let ecdsaSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
        static let ecdsaSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
        static let ecdsaSHA512: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 4]
    }

    struct Malformed: Error, CustomStringConvertible { let description: String }

    static func context(_ tag: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: tag, tagClass: .contextSpecific) }

    /// Reads DER, or PEM (`-----BEGIN CMS-----` / `PKCS7`).
    static func der(_ bytes: Data) -> [UInt8] {
        if let text = String(data: bytes, encoding: .utf8), text.contains("-----BEGIN") {
            let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
            return Data(base64Encoded: body).map { [UInt8]($0) } ?? []
        }
        return [UInt8](bytes)
    }

    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let root = try DER.parse(bytes)
        return try DER.sequence(root, identifier: .sequence) { nodes in
            let contentType = try ASN1ObjectIdentifier(derEncoded: &nodes)
            guard contentType == OID.signedData, let explicit = nodes.next(), case .constructed(let inner) = explicit.content,
                let signedDataNode = inner.first(where: { _ in true })
            else { throw Malformed(description: "not a CMS SignedData") }
            while nodes.next() != nil {}
            return try signedData(signedDataNode)
        }
    }

    static func signedData(_ node: ASN1Node) throws -> Parsed {
        try DER.sequence(node, identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)  // version
            _ = nodes.next()  // digestAlgorithms
            guard let encapsulated = nodes.next() else { throw Malformed(description: "no encapsulated content info") }
            let (type, content) = try encapsulatedContent(encapsulated)
            var certificates: [Certificate] = []
            var next = nodes.next()
            if let node = next, node.identifier == context(0) {
                if case .constructed(let children) = node.content {
                    for child in children { if let certificate = try? Certificate(derEncoded: child) { certificates.append(certificate) } }
                }
                next = nodes.next()
            }
            if let node = next, node.identifier == context(1) { next = nodes.next() }  // CRLs
            guard let signerInfos = next, case .constructed(let infos) = signerInfos.content else { throw Malformed(description: "no signer") }
            let signers = try infos.map(signerInfo)
            guard !signers.isEmpty else { throw Malformed(description: "no signer") }
            while nodes.next() != nil {}
            return Parsed(certificates: certificates, encapsulatedType: type, encapsulatedContent: content, signers: signers)
        }
    }

    /// The encapsulated content type and, when not detached, its octets.
    static func encapsulatedContent(_ node: ASN1Node) throws -> (ASN1ObjectIdentifier, [UInt8]?) {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let type = try ASN1ObjectIdentifier(derEncoded: &nodes)
            var content: [UInt8]?
            if let explicit = nodes.next(), case .constructed(let inner) = explicit.content, let octets = inner.first(where: { _ in true }) {
                content = Array(try ASN1OctetString(derEncoded: octets).bytes)
            }
            while nodes.next() != nil {}
            return (type, content)
        }
    }

    static func signerIdentifier(_ node: ASN1Node) -> SignerIdentifier? {
        if node.identifier == .sequence, case .constructed(let parts) = node.content {
            var iterator = parts.makeIterator()
            guard let issuer = iterator.next(), let number = iterator.next(), case .primitive(let bytes) = number.content else { return nil }
            return .issuerAndSerial(issuer: Array(issuer.encodedBytes), serial: bytes)
        }
        if node.identifier == context(0), case .primitive(let bytes) = node.content { return .subjectKeyIdentifier(bytes) }
        return nil
    }

    static func signerInfo(_ node: ASN1Node) throws -> Signer {
        try DER.sequence(node, identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)
            guard let sidNode = nodes.next() else { throw Malformed(description: "no signer identifier") }
            let sid = signerIdentifier(sidNode)
            let digestAlgorithm = try algorithm(nodes.next()).oid
            var next = nodes.next()
            var signedAttributes: [UInt8]?
            var attributes: [ASN1ObjectIdentifier: ASN1Node] = [:]
            if let node = next, node.identifier == context(0) {
                // The signature covers the attributes DER-encoded as a SET (tag 0x31), not as [0].
                var encoded = Array(node.encodedBytes)
                encoded[0] = 0x31
                signedAttributes = encoded
                attributes = try attributeValues(node)
                next = nodes.next()
            }
            let signatureAlgorithm = try algorithm(next)
            guard let signatureNode = nodes.next() else { throw Malformed(description: "no signature value") }
            let signature = Array(try ASN1OctetString(derEncoded: signatureNode).bytes)
            var unsigned: [ASN1ObjectIdentifier: ASN1Node] = [:]
            if let node = nodes.next(), node.identifier == context(1) { unsigned = try attributeValues(node) }
            while nodes.next() != nil {}
            return Signer(
                sid: sid,
                digestAlgorithm: digestAlgorithm,
                signatureAlgorithm: signatureAlgorithm.oid,
                signatureParameters: signatureAlgorithm.parameters,
                signedAttributes: signedAttributes,
                contentType: attributes[OID.contentType].flatMap { try? ASN1ObjectIdentifier(derEncoded: $0) },
                messageDigest: try attributes[OID.messageDigest].map { Array(try ASN1OctetString(derEncoded: $0).bytes) },
                signingTime: attributes[OID.signingTime].flatMap(time),
                timeStampToken: unsigned[OID.timeStampToken].map { Array($0.encodedBytes) },
                signature: signature
            )
        }
    }

    /// The first value of each attribute of a `[0]`/`[1]` attribute set.
    static func attributeValues(_ node: ASN1Node) throws -> [ASN1ObjectIdentifier: ASN1Node] {
        var values: [ASN1ObjectIdentifier: ASN1Node] = [:]
        guard case .constructed(let list) = node.content else { return values }
        for attribute in list {
            try DER.sequence(attribute, identifier: .sequence) { fields in
                let type = try ASN1ObjectIdentifier(derEncoded: &fields)
                guard let set = fields.next(), case .constructed(let items) = set.content, let value = items.first(where: { _ in true }) else {
                    return
                }
                while fields.next() != nil {}
                values[type] = value
            }
        }
        return values
    }

    /// A UTCTime or GeneralizedTime.
    static func time(_ node: ASN1Node) -> Date? {
        if let t = try? UTCTime(derEncoded: node) {
            return date(year: t.year, month: t.month, day: t.day, hours: t.hours, minutes: t.minutes, seconds: t.seconds)
        }
        if let t = try? GeneralizedTime(derEncoded: node) {
            return date(year: t.year, month: t.month, day: t.day, hours: t.hours, minutes: t.minutes, seconds: t.seconds)
                .map { $0.addingTimeInterval(t.fractionalSeconds) }
        }
        return nil
    }

    static func algorithm(_ node: ASN1Node?) throws -> (oid: ASN1ObjectIdentifier, parameters: ASN1Node?) {
        guard let node else { throw Malformed(description: "missing algorithm") }
        return try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next()  // NULL for RSA, the PSS parameters for RSA-PSS
            while nodes.next() != nil {}
            return (oid, parameters)
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
        case (OID.sha256WithRSA, OID.sha256), (OID.rsaEncryption, OID.sha256): .sha256WithRSAEncryption
        case (OID.sha384WithRSA, OID.sha384), (OID.rsaEncryption, OID.sha384): .sha384WithRSAEncryption
        case (OID.sha512WithRSA, OID.sha512), (OID.rsaEncryption, OID.sha512): .sha512WithRSAEncryption
        case (OID.ecdsaSHA256, _): .ecdsaWithSHA256
        case (OID.ecdsaSHA384, _): .ecdsaWithSHA384
        case (OID.ecdsaSHA512, _): .ecdsaWithSHA512
        default: nil
        }
    }

    /// The certificate a SignerInfo names, among those the signature carries and those known here.
    static func certificate(for sid: SignerIdentifier?, among certificates: [Certificate]) -> Certificate? {
        func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> { bytes.drop { $0 == 0 } }
        switch sid {
        case .issuerAndSerial(let issuer, let serial):
            return certificates.first { candidate in
                guard trimmed(candidate.serialNumber.bytes) == trimmed(serial) else { return false }
                var serializer = DER.Serializer()
                guard (try? serializer.serialize(candidate.issuer)) != nil else { return false }
                return serializer.serializedBytes == issuer
            }
        case .subjectKeyIdentifier(let identifier):
            return certificates.first { (try? $0.extensions.subjectKeyIdentifier)??.keyIdentifier == identifier }
        case nil:
            return nil
        }
    }

    /// Whether `signature` by `certificate` is correct over `signed` (PKCS#1 v1.5, PSS or ECDSA).
    static func isCorrect(_ signer: Signer, by certificate: Certificate, over signed: [UInt8]) -> Bool {
        if signer.signatureAlgorithm == OID.rsaPSS {
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey), let pss = try? PSSParameters(signer.signatureParameters),
                pss.hash == signer.digestAlgorithm, let hash = PSSParameters.hash(pss.hash), let digest = digest(signed, pss.hash)
            else { return false }
            return RSAPSS.isValid(signer.signature, messageHash: digest, hash: hash, saltLength: pss.saltLength, key: key)
        }
        guard let algorithm = signatureAlgorithm(signer.signatureAlgorithm, digest: signer.digestAlgorithm) else { return false }
        return certificate.publicKey.isValidSignature(signer.signature, for: signed, signatureAlgorithm: algorithm)
    }

    /// Checks a detached signature of `content` against what the platform trusts, at `now`
    /// unless a verified time-stamp gives an earlier trusted time. Every SignerInfo must verify;
    /// the report describes the first. With `sender`, the first signer must also belong to that
    /// agency (`belongs`).
    public static func verify(
        _ signatureBytes: Data,
        content: Data,
        trust: TrustAnchors,
        now: Date,
        sender: (agency: String, belongs: (Certificate) -> Bool)? = nil
    ) async -> SignatureReport {
        let parsed: Parsed
        do { parsed = try parse(der(signatureBytes)) } catch { return .unreadable(Self.reason(error)) }
        var reports: [SignatureReport] = []
        for signer in parsed.signers {
            reports.append(await verify(signer, certificates: parsed.certificates, content: content, trust: trust, now: now).report)
        }
        if let sender, let first = reports.first {
            let certificate = certificate(for: parsed.signers[0].sid, among: parsed.certificates + trust.known)
            reports[0] = first.bound(certificate.map(sender.belongs) ?? false, agency: sender.agency)
        }
        guard var first = reports.first else { return .unreadable("no signer") }
        if reports.count > 1, reports.contains(where: { !$0.valid }) {
            first = SignatureReport(
                valid: false,
                contentIntact: first.contentIntact,
                signatureCorrect: first.signatureCorrect,
                trustedSigner: first.trustedSigner,
                withinValidity: first.withinValidity,
                revoked: first.revoked,
                signer: first.signer,
                signerSerial: first.signerSerial,
                signingTime: first.signingTime,
                trustedTime: first.trustedTime,
                trustedTimeSource: first.trustedTimeSource,
                problems: first.problems + ["Một trong các chữ ký không hợp lệ / one of the signers does not verify"]
            )
        }
        return first
    }

    /// One SignerInfo checked, with the certificate path it was judged by (its chain when valid).
    static func verify(_ signer: Signer, certificates: [Certificate], content: Data, trust: TrustAnchors, now: Date) async -> (
        report: SignatureReport, path: PathCheck
    ) {
        var problems: [String] = []
        let certificate = certificate(for: signer.sid, among: certificates + trust.known)
        // 1. The content is the one that was signed.
        let contentDigest = digest(content, signer.digestAlgorithm)
        let contentIntact = signer.signedAttributes == nil || (contentDigest != nil && contentDigest == signer.messageDigest)
        if contentDigest == nil { problems.append("Thuật toán băm không hỗ trợ / unsupported digest algorithm") }
        if !contentIntact { problems.append("Nội dung đã bị thay đổi sau khi ký / the content changed after signing") }
        // 2. The signature was made by the key of the certificate the SignerInfo names.
        let signatureCorrect = certificate.map { isCorrect(signer, by: $0, over: signer.signedAttributes ?? [UInt8](content)) } ?? false
        if certificate == nil { problems.append("Không có chứng thư của người ký / signer certificate missing") }
        if !signatureCorrect { problems.append("Chữ ký không đúng / signature does not match") }
        // 3. The trusted time: a verified time-stamp over this signature, else now.
        var trustedTime = now
        var source = "verification"
        if let token = signer.timeStampToken {
            switch await TimeStamp.verify(token, over: signer.signature, trust: trust, now: now) {
            case .success(let time):
                trustedTime = time
                source = "timestamp"
            case .failure(let reason):
                problems.append(
                    "Dấu thời gian không hợp lệ, dùng thời điểm kiểm tra / invalid time-stamp, the checking time is used: \(reason.description)"
                )
            }
        }
        // 4. A valid path to a trusted authority at that time, nothing in it revoked.
        let path: PathCheck
        if let certificate {
            path = await CertificatePath.check(certificate, carried: certificates, trust: trust, at: trustedTime)
            problems += path.problems
        } else {
            path = PathCheck(trusted: false, withinValidity: false, revoked: false, chain: [], problems: [])
        }
        let valid = contentIntact && signatureCorrect && path.valid
        let report = SignatureReport(
            valid: valid,
            contentIntact: contentIntact && signatureCorrect,
            signatureCorrect: signatureCorrect,
            trustedSigner: path.trusted,
            withinValidity: path.withinValidity,
            revoked: path.revoked,
            signer: certificate.map { String(describing: $0.subject) },
            signerSerial: certificate.map { CertificateAuthority.serialHex($0.serialNumber) },
            signingTime: signer.signingTime?.epochMillis,
            trustedTime: trustedTime.epochMillis,
            trustedTimeSource: source,
            problems: problems
        )
        return (report, path)
    }
}

/// RSASSA-PSS-params (RFC 4055): the hash (MGF1 must use the same), the salt length.
struct PSSParameters {
    let hash: ASN1ObjectIdentifier
    let saltLength: Int

    init(_ node: ASN1Node?) throws {
        var hash = CMSSignature.OID.sha1
        var mgfHash = CMSSignature.OID.sha1
        var salt = 20
        if let node {
            try DER.sequence(node, identifier: .sequence) { nodes in
                while let field = nodes.next() {
                    guard case .constructed(let inner) = field.content, let value = inner.first(where: { _ in true }) else { continue }
                    switch field.identifier {
                    case CMSSignature.context(0): hash = try CMSSignature.algorithm(value).oid
                    case CMSSignature.context(1):
                        if let parameters = try CMSSignature.algorithm(value).parameters { mgfHash = try CMSSignature.algorithm(parameters).oid }
                    case CMSSignature.context(2): salt = try Int(derEncoded: value)
                    default: break
                    }
                }
            }
        }
        guard hash == mgfHash else { throw CMSSignature.Malformed(description: "PSS with different hash and MGF1 hash") }
        self.hash = hash
        self.saltLength = salt
    }

    static func hash(_ oid: ASN1ObjectIdentifier) -> RSAPSS.Hash? {
        switch oid {
        case CMSSignature.OID.sha256: .sha256
        case CMSSignature.OID.sha384: .sha384
        case CMSSignature.OID.sha512: .sha512
        default: nil
        }
    }
}

extension CMSSignature {
    /// Why bytes could not be read, in words for people (never the parser's type names).
    static func reason(_ error: any Error) -> String {
        error is ASN1Error
            ? "mã hóa DER bị hỏng (bị cắt hoặc sai cấu trúc) / broken DER encoding (truncated or malformed)"
            : "không phải cấu trúc CMS SignedData / not a CMS SignedData structure"
    }
}
