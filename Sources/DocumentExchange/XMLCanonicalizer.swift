import Crypto
import Foundation

/// Where canonical octets go: a digest being computed, or memory (a SignedInfo to verify).
public final class CanonicalOutput {
    enum Target {
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)
        case bytes([UInt8])
    }

    var target: Target
    var pending: [UInt8] = []

    init(_ target: Target) {
        self.target = target
        pending.reserveCapacity(64 * 1024)
    }

    func append(_ byte: UInt8) { pending.append(byte) }
    func append(_ text: String) { pending.append(contentsOf: text.utf8) }

    /// Large text is handed on without a copy.
    func append(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count < 4096 {
            pending.append(contentsOf: bytes)
            return
        }
        flush()
        write(bytes)
    }

    func flush() {
        guard !pending.isEmpty else { return }
        pending.withUnsafeBytes { write($0) }
        pending.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        switch target {
        case .sha1(var h):
            h.update(bufferPointer: bytes)
            target = .sha1(h)
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            target = .sha256(h)
        case .sha384(var h):
            h.update(bufferPointer: bytes)
            target = .sha384(h)
        case .sha512(var h):
            h.update(bufferPointer: bytes)
            target = .sha512(h)
        case .bytes(var b):
            b.append(contentsOf: bytes)
            target = .bytes(b)
        }
    }

    /// The digest, or the bytes.
    func finish() -> Data {
        flush()
        switch target {
        case .sha1(let h): return Data(h.finalize())
        case .sha256(let h): return Data(h.finalize())
        case .sha384(let h): return Data(h.finalize())
        case .sha512(let h): return Data(h.finalize())
        case .bytes(let b): return Data(b)
        }
    }
}

/// Canonical XML: Canonical XML 1.0 (inclusive) or Exclusive XML Canonicalization 1.0, with or
/// without comments, of a whole document or of one element (given the namespaces in scope
/// where it stands), optionally leaving out one element and its content (the enveloped
/// signature transform). Namespace declarations and attributes are ordered, empty elements
/// written with end tags, references replaced and special characters escaped as the
/// recommendations say, so packages written by any conformant signer digest alike.
public struct XMLCanonicalizer: XMLScanHandler {
    public enum Method: Equatable, Sendable {
        case inclusive
        /// With the InclusiveNamespaces PrefixList (`#default` for the default namespace).
        case exclusive(inclusivePrefixes: Set<String>)
    }

    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    let method: Method
    let withComments: Bool
    let output: CanonicalOutput
    /// Start offset of the element left out with its content, if any.
    let excluded: Int?
    /// Bindings declared on each open element (index 0: those inherited from outside).
    var declared: [[String: String]]
    /// Bindings rendered on each open output element (exclusive canonicalization).
    var rendered: [[String: String]] = [[:]]
    var skipDepth = 0
    var depth = 0
    var afterRoot = false

    init(method: Method, withComments: Bool, inherited: [String: String] = [:], excluding: Int? = nil, output: CanonicalOutput) {
        self.method = method
        self.withComments = withComments
        self.output = output
        self.excluded = excluding
        self.declared = [inherited]
    }

    func lookup(_ prefix: String) -> String? {
        if prefix == "xml" { return Self.xmlNamespace }
        for scope in declared.reversed() { if let uri = scope[prefix] { return uri } }
        return nil
    }

    func inScope() -> [String: String] {
        var all: [String: String] = [:]
        for scope in declared { all.merge(scope) { _, new in new } }
        return all
    }

    static func split(_ qname: String) -> (prefix: String, local: String) {
        guard let colon = qname.firstIndex(of: ":") else { return ("", qname) }
        return (String(qname[..<colon]), String(qname[qname.index(after: colon)...]))
    }

    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    public mutating func start(_ tag: XMLScanner.StartTag, scanner: XMLScanner) throws -> Bool {
        if skipDepth > 0 || tag.range.lowerBound == excluded {
            skipDepth += 1
            return true
        }
        var bindings: [String: String] = [:]
        var attributes: [(uri: String, local: String, qname: String, value: String)] = []
        var prefixed: [(prefix: String, local: String, qname: String, value: String)] = []
        for attribute in tag.attributes {
            let value = scanner.attributeValue(attribute.value)
            if attribute.name == "xmlns" {
                bindings[""] = value
            } else if attribute.name.hasPrefix("xmlns:") {
                bindings[String(attribute.name.dropFirst(6))] = value
            } else {
                let (prefix, local) = Self.split(attribute.name)
                if prefix.isEmpty {
                    attributes.append(("", local, attribute.name, value))
                } else {
                    prefixed.append((prefix, local, attribute.name, value))
                }
            }
        }
        // The apex of what is canonicalised has no output parent: everything in scope is new to it.
        let parentScope = depth == 0 ? [:] : inScope()
        declared.append(bindings)
        let (elementPrefix, _) = Self.split(tag.name)
        guard elementPrefix.isEmpty || lookup(elementPrefix) != nil else {
            throw XMLScanError(offset: tag.range.lowerBound, reason: "unbound prefix \(elementPrefix)")
        }
        for attribute in prefixed {
            guard let uri = lookup(attribute.prefix) else {
                throw XMLScanError(offset: tag.range.lowerBound, reason: "unbound prefix \(attribute.prefix)")
            }
            attributes.append((uri, attribute.local, attribute.qname, attribute.value))
        }
        let namespaces = namespacesToRender(elementPrefix: elementPrefix, attributePrefixes: prefixed.map(\.prefix), parentScope: parentScope)
        output.append("<" + tag.name)
        for (prefix, uri) in namespaces {
            output.append(prefix.isEmpty ? " xmlns=\"" : " xmlns:\(prefix)=\"")
            Self.escapeAttribute(uri, to: output)
            output.append(0x22)
        }
        attributes.sort { $0.uri == $1.uri ? Self.precedes($0.local, $1.local) : Self.precedes($0.uri, $1.uri) }
        for attribute in attributes {
            output.append(" \(attribute.qname)=\"")
            Self.escapeAttribute(attribute.value, to: output)
            output.append(0x22)
        }
        output.append(0x3E)
        depth += 1
        return true
    }

    /// The namespace declarations to write on an element, sorted (default first, then by prefix).
    mutating func namespacesToRender(elementPrefix: String, attributePrefixes: [String], parentScope: [String: String]) -> [(String, String)] {
        var chosen: [String: String] = [:]
        switch method {
        case .inclusive:
            // Every namespace in scope that the parent output element does not have with the same value.
            let scope = inScope()
            for (prefix, uri) in scope where prefix != "xml" && parentScope[prefix] != uri {
                if prefix.isEmpty && uri.isEmpty && (parentScope[""] ?? "").isEmpty { continue }
                chosen[prefix] = uri
            }
        case .exclusive(let inclusivePrefixes):
            // Only the namespaces this element and its attributes use (and those the PrefixList names).
            var used = Set([elementPrefix] + attributePrefixes)
            for prefix in inclusivePrefixes {
                let name = prefix == "#default" ? "" : prefix
                if lookup(name) != nil { used.insert(name) }
            }
            let renderedSoFar = rendered.reduce(into: [String: String]()) { $0.merge($1) { _, new in new } }
            var here: [String: String] = [:]
            for prefix in used where prefix != "xml" {
                let uri = lookup(prefix) ?? ""
                let previous = renderedSoFar[prefix] ?? ""
                if uri == previous && (renderedSoFar[prefix] != nil || prefix.isEmpty) { continue }
                chosen[prefix] = uri
                here[prefix] = uri
            }
            rendered.append(here)
        }
        return chosen.sorted { Self.precedes($0.key, $1.key) }
    }

    public mutating func end(_ name: String, range: Range<Int>, scanner: XMLScanner) throws -> Bool {
        if skipDepth > 0 {
            skipDepth -= 1
            return true
        }
        output.append("</" + name + ">")
        declared.removeLast()
        if case .exclusive = method { rendered.removeLast() }
        depth -= 1
        if depth == 0 { afterRoot = true }
        return true
    }

    public mutating func text(_ range: Range<Int>, cdata: Bool, scanner: XMLScanner) throws {
        guard skipDepth == 0, depth > 0 else { return }
        let raw = UnsafeRawBufferPointer(rebasing: scanner.bytes[range])
        // Most text (all base64) needs no change: handed on as it is.
        if !raw.contains(where: { $0 == 0x26 || $0 == 0x0D || $0 == 0x3E || (cdata && $0 == 0x3C) }) {
            output.append(raw)
            return
        }
        Self.escapeText(scanner.decodedText(range, cdata: cdata), to: output)
    }

    public mutating func comment(_ range: Range<Int>, scanner: XMLScanner) throws {
        guard withComments, skipDepth == 0 else { return }
        if depth == 0 && afterRoot { output.append(0x0A) }
        output.append("<!--")
        output.append(UnsafeRawBufferPointer(rebasing: scanner.bytes[range]))
        output.append("-->")
        if depth == 0 && !afterRoot { output.append(0x0A) }
    }

    public mutating func processingInstruction(target: String, data: Range<Int>, scanner: XMLScanner) throws {
        guard skipDepth == 0 else { return }
        if depth == 0 && afterRoot { output.append(0x0A) }
        output.append("<?" + target)
        if !data.isEmpty {
            output.append(0x20)
            output.append(UnsafeRawBufferPointer(rebasing: scanner.bytes[data]))
        }
        output.append("?>")
        if depth == 0 && !afterRoot { output.append(0x0A) }
    }

    /// What canonical XML writes for the special characters of text and of attribute values.
    static let textEscapes: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"]
    static let attributeEscapes: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", "\"": "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"]

    static func escapeText(_ text: String, to output: CanonicalOutput) { escape(text, textEscapes, to: output) }
    static func escapeAttribute(_ text: String, to output: CanonicalOutput) { escape(text, attributeEscapes, to: output) }

    static func escape(_ text: String, _ table: [Unicode.Scalar: String], to output: CanonicalOutput) {
        for scalar in text.unicodeScalars {
            if let replacement = table[scalar] { output.append(replacement) } else { output.append(String(scalar)) }
        }
    }
}
