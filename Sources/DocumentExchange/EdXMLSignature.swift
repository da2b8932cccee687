import Crypto
import Foundation

/// The enveloped XML signature of an edXML package (XML-DSig, RSA-SHA256 or ECDSA-SHA256,
/// exclusive canonicalisation). Our encoder writes the package already in exclusive canonical
/// form, so the signed octets are exactly the package between `<edXML` and `</edXML>` with the
/// `Signature` element left out.
public struct EdXMLSignature: Sendable, Equatable {
    public static let namespace = "http://www.w3.org/2000/09/xmldsig#"
    public let signedInfo: String
    public let value: Data
    public let certificateDER: Data

    public init(signedInfo: String, value: Data, certificateDER: Data) {
        self.signedInfo = signedInfo; self.value = value; self.certificateDER = certificateDER
    }

    static let c14n = "http://www.w3.org/2001/10/xml-exc-c14n#"

    /// SignedInfo in canonical form (with its namespace, as a standalone canonical subset).
    public static func signedInfo(digest: Data, isRSA: Bool) -> String {
        let method = isRSA ? "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" : "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
        return "<SignedInfo xmlns=\"\(namespace)\"><CanonicalizationMethod Algorithm=\"\(c14n)\"></CanonicalizationMethod>"
            + "<SignatureMethod Algorithm=\"\(method)\"></SignatureMethod><Reference URI=\"\"><Transforms>"
            + "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></Transform><Transform Algorithm=\"\(c14n)\"></Transform>"
            + "</Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod><DigestValue>\(digest.base64EncodedString())</DigestValue>"
            + "</Reference></SignedInfo>"
    }

    /// The element written into the header.
    var xml: String {
        "<Signature xmlns=\"\(Self.namespace)\">" + signedInfo.replacingOccurrences(of: "<SignedInfo xmlns=\"\(Self.namespace)\">", with: "<SignedInfo>")
            + "<SignatureValue>\(value.base64EncodedString())</SignatureValue><KeyInfo><X509Data><X509Certificate>\(certificateDER.base64EncodedString())"
            + "</X509Certificate></X509Data></KeyInfo></Signature>"
    }

    /// What a receiver reads back from a package: the canonical SignedInfo, the signature,
    /// the certificate, the digest it names, and the digest of the package without the signature.
    public struct Found: Sendable {
        public let signedInfo: Data
        public let value: Data
        public let certificateDER: Data
        public let claimedDigest: Data
        public let actualDigest: Data
        public let isRSA: Bool
    }

    /// Finds the signature of a package written in canonical form; nil when there is none.
    /// Works on the bytes: the package (attachments and all) is neither copied nor decoded.
    public static func find(in package: Data) -> Found? {
        guard let open = package.range(of: Data("<Signature xmlns=\"\(namespace)\">".utf8)),
              let close = package.range(of: Data("</Signature>".utf8), in: open.upperBound..<package.endIndex),
              let rootStart = package.range(of: Data("<edXML ".utf8), in: package.startIndex..<open.lowerBound),
              let rootEnd = package.range(of: Data("</edXML>".utf8), options: .backwards, in: close.upperBound..<package.endIndex) else { return nil }
        let element = String(decoding: package[open.lowerBound..<close.upperBound], as: UTF8.self)
        func between(_ a: String, _ b: String) -> String? {
            guard let x = element.range(of: a), let y = element.range(of: b, range: x.upperBound..<element.endIndex) else { return nil }
            return String(element[x.upperBound..<y.lowerBound])
        }
        guard let info = between("<SignedInfo>", "</SignedInfo>"), let value = between("<SignatureValue>", "</SignatureValue>").flatMap({ Data(base64Encoded: $0) }),
              let certificate = between("<X509Certificate>", "</X509Certificate>").flatMap({ Data(base64Encoded: $0) }),
              let digest = between("<DigestValue>", "</DigestValue>").flatMap({ Data(base64Encoded: $0) }) else { return nil }
        // The signed octets: the root element with the Signature element left out.
        var hasher = SHA256()
        hasher.update(data: package[rootStart.lowerBound..<open.lowerBound])
        hasher.update(data: package[close.upperBound..<rootEnd.upperBound])
        return Found(signedInfo: Data("<SignedInfo xmlns=\"\(namespace)\">\(info)</SignedInfo>".utf8), value: value, certificateDER: certificate,
                     claimedDigest: digest, actualDigest: Data(hasher.finalize()), isRSA: info.contains("rsa-sha256"))
    }
}
