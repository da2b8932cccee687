import Foundation
import Signatures

/// Reads the enveloped XML signature of a package the way XML-DSig core validation does: finds
/// the one `Signature` element, canonicalises its SignedInfo with the method it names, and
/// digests the whole package without that element with the reference's transforms and digest
/// method, so packages written by xmlsec1, signxml, the national axis's SDK or this platform
/// verify alike. It also says what the signature does not cover: content inside the Signature
/// element other than SignedInfo, SignatureValue and KeyInfo (an `Object`), a second signature,
/// a reference that is not the whole package.
public enum XMLSignatureInspector {
    public static let dsigNamespace = "http://www.w3.org/2000/09/xmldsig#"

    /// What was found, ready for the signature check.
    public struct Found: Sendable {
        /// SignedInfo in the canonical form its CanonicalizationMethod names (the signed octets).
        public let signedInfo: Data
        public let value: Data
        /// The X.509 certificates of KeyInfo, in order (the signer and any intermediates).
        public let certificatesDER: [Data]
        public let algorithm: RawSignatureAlgorithm?
        public let claimedDigest: Data
        /// The digest of the package as the reference's transforms make it (nil: not computable).
        public let actualDigest: Data?
        /// Reasons the signature cannot vouch for the package as read (the check fails).
        public let problems: [String]
        /// Accepted, but worth telling (old algorithms, a signature outside the XML-DSig namespace).
        public let warnings: [String]
    }

    /// A small tree of the Signature element (it is small; the package around it is not copied).
    final class Node {
        let local: String
        let namespace: String
        var attributes: [String: String] = [:]
        var text = ""
        var children: [Node] = []
        var range: Range<Int> = 0..<0
        var scope: [String: String] = [:]

        init(local: String, namespace: String) {
            self.local = local
            self.namespace = namespace
        }

        func child(_ name: String) -> Node? { children.first { $0.local == name } }
        func all(_ name: String) -> [Node] { children.filter { $0.local == name } }
    }

    /// First pass: where the signatures are, and the tree of the first.
    struct Locator: XMLScanHandler {
        var declared: [[String: String]] = []
        var path: [String] = []
        var signatures: [(start: Int, parent: String)] = []
        var stack: [Node] = []
        var root: Node?

        func lookup(_ prefix: String) -> String {
            for scope in declared.reversed() { if let uri = scope[prefix] { return uri } }
            return ""
        }

        func inScope() -> [String: String] { declared.reduce(into: [:]) { $0.merge($1) { _, new in new } } }

        mutating func start(_ tag: XMLScanner.StartTag, scanner: XMLScanner) throws -> Bool {
            let scopeOutside = inScope()
            var bindings: [String: String] = [:]
            for attribute in tag.attributes {
                if attribute.name == "xmlns" { bindings[""] = scanner.attributeValue(attribute.value) }
                if attribute.name.hasPrefix("xmlns:") { bindings[String(attribute.name.dropFirst(6))] = scanner.attributeValue(attribute.value) }
            }
            declared.append(bindings)
            let (prefix, local) = XMLCanonicalizer.split(tag.name)
            let namespace = lookup(prefix)
            if local == "Signature" && (namespace == dsigNamespace || namespace == EdXML.namespace) && stack.isEmpty {
                signatures.append((tag.range.lowerBound, path.last ?? ""))
            }
            let insideFirst = !stack.isEmpty || (signatures.count == 1 && signatures[0].start == tag.range.lowerBound && root == nil)
            if insideFirst {
                let node = Node(local: local, namespace: namespace)
                node.range = tag.range.lowerBound..<tag.range.upperBound
                node.scope = scopeOutside
                for attribute in tag.attributes where !attribute.name.hasPrefix("xmlns") {
                    node.attributes[XMLCanonicalizer.split(attribute.name).local] = scanner.attributeValue(attribute.value)
                }
                stack.last?.children.append(node)
                stack.append(node)
            }
            path.append(local)
            return true
        }

        mutating func end(_ name: String, range: Range<Int>, scanner: XMLScanner) throws -> Bool {
            declared.removeLast()
            path.removeLast()
            if let node = stack.popLast() {
                node.range = node.range.lowerBound..<range.upperBound
                if stack.isEmpty { root = node }
            }
            return true
        }

        mutating func text(_ range: Range<Int>, cdata: Bool, scanner: XMLScanner) throws {
            // Only the Signature's own text is decoded (never an attachment's base64).
            guard let node = stack.last else { return }
            node.text += scanner.decodedText(range, cdata: cdata)
        }

    }

    enum Canonicalization {
        static func method(_ uri: String) -> (XMLCanonicalizer.Method, comments: Bool, standard: Bool)? {
            switch uri {
            case "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", "http://www.w3.org/2006/12/xml-c14n11": (.inclusive, false, true)
            case "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments", "http://www.w3.org/2006/12/xml-c14n11#WithComments":
                (.inclusive, true, true)
            case "http://www.w3.org/2001/10/xml-exc-c14n#": (.exclusive(inclusivePrefixes: []), false, true)
            case "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (.exclusive(inclusivePrefixes: []), true, true)
            // Written by the national axis's SDK: not a registered identifier, taken as exclusive c14n.
            case "http://www.w3.org/TR/xml-exc-c14n#": (.exclusive(inclusivePrefixes: []), false, false)
            default: nil
            }
        }

        /// The method with the InclusiveNamespaces PrefixList a transform may carry.
        static func method(of node: Node) -> (XMLCanonicalizer.Method, comments: Bool, standard: Bool)? {
            guard let found = method(node.attributes["Algorithm"] ?? "") else { return nil }
            if case .exclusive = found.0, let list = node.child("InclusiveNamespaces")?.attributes["PrefixList"] {
                return (
                    .exclusive(inclusivePrefixes: Set(list.split(whereSeparator: \.isWhitespace).map(String.init))), found.comments, found.standard
                )
            }
            return found
        }
    }

    static func digestOutput(_ uri: String) -> CanonicalOutput? {
        switch uri {
        case "http://www.w3.org/2000/09/xmldsig#sha1": CanonicalOutput(.sha1(.init()))
        case "http://www.w3.org/2001/04/xmlenc#sha256": CanonicalOutput(.sha256(.init()))
        case "http://www.w3.org/2001/04/xmldsig-more#sha384": CanonicalOutput(.sha384(.init()))
        case "http://www.w3.org/2001/04/xmlenc#sha512": CanonicalOutput(.sha512(.init()))
        default: nil
        }
    }

    static func base64(_ text: String) -> Data? { Data(base64Encoded: String(text.unicodeScalars.filter { !$0.properties.isWhitespace })) }

    /// Inspects a package; nil when it carries no signature. Throws when it is not well-formed XML
    /// (or has a document type declaration).
    public static func inspect(_ package: Data) throws -> Found? {
        try package.withUnsafeBytes { bytes in
            var locator = Locator()
            var scanner = XMLScanner(bytes)
            try scanner.scan(&locator)
            guard let signature = locator.root, let first = locator.signatures.first else { return nil }
            var problems: [String] = []
            var warnings: [String] = []
            if locator.signatures.count > 1 {
                problems.append("Gói tin có \(locator.signatures.count) chữ ký XML / the package has \(locator.signatures.count) XML signatures")
            }
            if first.parent != "edXMLHeader" {
                problems.append("Chữ ký XML không nằm trong edXMLHeader / the XML signature is not in edXMLHeader (\(first.parent))")
            }
            if signature.namespace != dsigNamespace {
                warnings.append("Phần tử Signature không thuộc không gian tên XML-DSig / Signature is not in the XML-DSig namespace")
            }
            for child in signature.children where !["SignedInfo", "SignatureValue", "KeyInfo"].contains(child.local) {
                problems.append("Nội dung không được ký trong Signature/\(child.local) / unsigned content in Signature/\(child.local)")
            }
            guard let signedInfo = signature.child("SignedInfo"), let value = signature.child("SignatureValue").flatMap({ base64($0.text) }) else {
                problems.append("Chữ ký XML thiếu SignedInfo hoặc SignatureValue / the XML signature lacks SignedInfo or SignatureValue")
                return Found(
                    signedInfo: Data(),
                    value: Data(),
                    certificatesDER: [],
                    algorithm: nil,
                    claimedDigest: Data(),
                    actualDigest: nil,
                    problems: problems,
                    warnings: warnings
                )
            }
            let certificates = signature.child("KeyInfo")?.all("X509Data").flatMap { $0.all("X509Certificate") }.compactMap { base64($0.text) } ?? []
            // The signed octets: SignedInfo canonicalised where it stands (with the namespaces in scope there).
            var canonicalSignedInfo = Data()
            if let c14n = signedInfo.child("CanonicalizationMethod").flatMap(Canonicalization.method(of:)) {
                if !c14n.standard { warnings.append("Thuật toán chuẩn hóa không chuẩn / non-standard canonicalization identifier") }
                let output = CanonicalOutput(.bytes([]))
                var canonicalizer = XMLCanonicalizer(method: c14n.0, withComments: c14n.comments, inherited: signedInfo.scope, output: output)
                var part = XMLScanner(bytes, range: signedInfo.range)
                try part.scan(&canonicalizer, fragment: true)
                canonicalSignedInfo = output.finish()
            } else {
                problems.append("Thuật toán chuẩn hóa SignedInfo không hỗ trợ / unsupported SignedInfo canonicalization")
            }
            let algorithmURI = signedInfo.child("SignatureMethod")?.attributes["Algorithm"] ?? ""
            let algorithm = RawSignatureAlgorithm(rawValue: algorithmURI)
            if algorithm == nil { problems.append("Thuật toán ký không hỗ trợ / unsupported signature method \(algorithmURI)") }
            if algorithm?.isWeak == true { warnings.append("Thuật toán ký cũ (SHA-1) / weak signature method (SHA-1)") }
            let (claimed, actual) = try referenceDigest(
                signedInfo,
                bytes: bytes,
                signatureStart: first.start,
                problems: &problems,
                warnings: &warnings
            )
            return Found(
                signedInfo: canonicalSignedInfo,
                value: value,
                certificatesDER: certificates,
                algorithm: algorithm,
                claimedDigest: claimed,
                actualDigest: actual,
                problems: problems,
                warnings: warnings
            )
        }
    }

    /// The one Reference must cover the whole package (`URI=""`) with the enveloped-signature
    /// transform and at most a canonicalization after it; its digest is computed here.
    static func referenceDigest(
        _ signedInfo: Node,
        bytes: UnsafeRawBufferPointer,
        signatureStart: Int,
        problems: inout [String],
        warnings: inout [String]
    ) throws -> (claimed: Data, actual: Data?) {
        let references = signedInfo.all("Reference")
        guard references.count == 1, let reference = references.first else {
            problems.append("Chữ ký phải có đúng một Reference / the signature must have exactly one Reference (has \(references.count))")
            return (Data(), nil)
        }
        let claimed = reference.child("DigestValue").flatMap { base64($0.text) } ?? Data()
        let uri = reference.attributes["URI"] ?? "(none)"
        guard uri == "" || uri == "#xpointer(/)" else {
            problems.append("Chữ ký không bao trùm toàn bộ gói tin / the signature does not cover the whole package (Reference URI \"\(uri)\")")
            return (claimed, nil)
        }
        let transforms = reference.child("Transforms")?.all("Transform") ?? []
        let enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
        guard transforms.first?.attributes["Algorithm"] == enveloped, transforms.count <= 2 else {
            problems.append(
                "Chữ ký phải dùng phép biến đổi enveloped-signature / the reference must use only the enveloped-signature transform and a canonicalization"
            )
            return (claimed, nil)
        }
        var method = XMLCanonicalizer.Method.inclusive
        if transforms.count == 2 {
            guard let c14n = Canonicalization.method(of: transforms[1]) else {
                problems.append("Phép biến đổi không hỗ trợ / unsupported transform \(transforms[1].attributes["Algorithm"] ?? "")")
                return (claimed, nil)
            }
            if !c14n.standard { warnings.append("Thuật toán chuẩn hóa không chuẩn / non-standard canonicalization identifier") }
            method = c14n.0
        }
        let digestURI = reference.child("DigestMethod")?.attributes["Algorithm"] ?? ""
        guard let output = digestOutput(digestURI) else {
            problems.append("Thuật toán băm không hỗ trợ / unsupported digest method \(digestURI)")
            return (claimed, nil)
        }
        if digestURI.hasSuffix("#sha1") { warnings.append("Thuật toán băm cũ (SHA-1) / weak digest method (SHA-1)") }
        // A same-document reference leaves comments out, whatever the canonicalization says.
        var canonicalizer = XMLCanonicalizer(method: method, withComments: false, excluding: signatureStart, output: output)
        var scanner = XMLScanner(bytes)
        try scanner.scan(&canonicalizer)
        return (claimed, output.finish())
    }
}
