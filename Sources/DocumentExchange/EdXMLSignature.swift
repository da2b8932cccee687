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
        self.signedInfo = signedInfo
        self.value = value
        self.certificateDER = certificateDER
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
        "<Signature xmlns=\"\(Self.namespace)\">"
            + signedInfo.replacingOccurrences(of: "<SignedInfo xmlns=\"\(Self.namespace)\">", with: "<SignedInfo>")
            + "<SignatureValue>\(value.base64EncodedString())</SignatureValue><KeyInfo><X509Data><X509Certificate>\(certificateDER.base64EncodedString())"
            + "</X509Certificate></X509Data></KeyInfo></Signature>"
    }
}
