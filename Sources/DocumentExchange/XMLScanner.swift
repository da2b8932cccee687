import Core
import Foundation

/// A well-formedness error found while scanning XML (with the byte offset).
public struct XMLScanError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String
    public var description: String { "\(reason) (byte \(offset))" }
}

/// What the scanner reports, in document order. Text and attribute values are raw byte ranges
/// of the input (undecoded), so large text (base64 attachments) is never copied.
public protocol XMLScanHandler {
    /// A start tag; return false to stop scanning.
    mutating func start(_ tag: XMLScanner.StartTag, scanner: XMLScanner) throws -> Bool
    mutating func end(_ name: String, range: Range<Int>, scanner: XMLScanner) throws -> Bool
    mutating func text(_ range: Range<Int>, cdata: Bool, scanner: XMLScanner) throws
    mutating func comment(_ range: Range<Int>, scanner: XMLScanner) throws
    mutating func processingInstruction(target: String, data: Range<Int>, scanner: XMLScanner) throws
}

/// Most handlers ignore comments, processing instructions or text.
extension XMLScanHandler {
    public mutating func text(_ range: Range<Int>, cdata: Bool, scanner: XMLScanner) throws {}
    public mutating func comment(_ range: Range<Int>, scanner: XMLScanner) throws {}
    public mutating func processingInstruction(target: String, data: Range<Int>, scanner: XMLScanner) throws {}
}

/// A small, strict XML 1.0 scanner over bytes (UTF-8): elements, attributes, text, CDATA,
/// comments and processing instructions, with tag matching and the five predefined entities
/// and character references. A document type declaration is refused (no entity expansion, no
/// external resources). Bytes before the first `<` (junk a transport left) are skipped.
public struct XMLScanner {
    public struct Attribute: Sendable {
        public let name: String
        public let value: Range<Int>
    }

    public struct StartTag {
        public let name: String
        public let attributes: [Attribute]
        public let selfClosing: Bool
        /// From `<` to `>` of the start tag.
        public let range: Range<Int>
    }

    public let bytes: UnsafeRawBufferPointer
    var position: Int

    public init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.limit = range?.upperBound ?? bytes.count
    }

    let limit: Int

    func fail(_ reason: String, at offset: Int? = nil) -> XMLScanError { XMLScanError(offset: offset ?? position, reason: reason) }

    func byte(_ index: Int) -> UInt8 { index < limit ? bytes[index] : 0 }

    func starts(with literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= limit else { return false }
        return literal.withUTF8Buffer { pattern in
            for offset in 0..<count where bytes[index + offset] != pattern[offset] { return false }
            return true
        }
    }

    /// The first index of `needle` at or after `from`, before `limit`.
    func find(_ needle: StaticString, from: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        let first = needle.utf8Start.pointee
        var index = from
        while index + count <= limit {
            guard let found = findByte(first, from: index) else { return nil }
            if starts(with: needle, at: found) { return found }
            index = found + 1
        }
        return nil
    }

    func findByte(_ value: UInt8, from: Int) -> Int? {
        guard from < limit, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(value), limit - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    public func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        b >= 0x80 || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x3A || b == 0x2D
            || b == 0x2E
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    mutating func skipSpaces() { while position < limit && Self.isSpace(bytes[position]) { position += 1 } }

    mutating func name() throws -> String {
        let start = position
        while position < limit && Self.isNameByte(bytes[position]) { position += 1 }
        guard position > start, !(bytes[start] >= 0x30 && bytes[start] <= 0x39), bytes[start] != 0x2D, bytes[start] != 0x2E else {
            throw fail("expected a name")
        }
        return string(start..<position)
    }

    /// Scans the input (or the range it was made for, which must hold whole elements).
    /// `fragment`: a range inside a document (no prolog, several top-level nodes allowed).
    public mutating func scan(_ handler: inout some XMLScanHandler, fragment: Bool = false) throws {
        var open: [String] = []
        var sawRoot = false
        if !fragment, let first = findByte(0x3C, from: position) { position = first }
        if !fragment, starts(with: "<?xml", at: position), Self.isSpace(byte(position + 5)) {
            guard let close = find("?>", from: position) else { throw fail("unterminated XML declaration") }
            position = close + 2
        }
        while position < limit {
            let b = bytes[position]
            if b != 0x3C {
                let start = position
                position = findByte(0x3C, from: position) ?? limit
                if open.isEmpty && !fragment {
                    for index in start..<position where !Self.isSpace(bytes[index]) { throw fail("text outside the document element", at: index) }
                    continue
                }
                try checkText(start..<position)
                try handler.text(start..<position, cdata: false, scanner: self)
                continue
            }
            if starts(with: "<!--", at: position) {
                guard let close = find("-->", from: position + 4) else { throw fail("unterminated comment") }
                try handler.comment((position + 4)..<close, scanner: self)
                position = close + 3
            } else if starts(with: "<![CDATA[", at: position) {
                guard !open.isEmpty || fragment else { throw fail("CDATA outside the document element") }
                guard let close = find("]]>", from: position + 9) else { throw fail("unterminated CDATA section") }
                try handler.text((position + 9)..<close, cdata: true, scanner: self)
                position = close + 3
            } else if starts(with: "<!", at: position) {
                throw fail("a document type declaration or other markup declaration is not accepted")
            } else if starts(with: "<?", at: position) {
                position += 2
                let target = try name()
                guard target.lowercased() != "xml" else { throw fail("misplaced XML declaration") }
                guard let close = find("?>", from: position) else { throw fail("unterminated processing instruction") }
                var dataStart = position
                while dataStart < close && Self.isSpace(bytes[dataStart]) { dataStart += 1 }
                try handler.processingInstruction(target: target, data: dataStart..<close, scanner: self)
                position = close + 2
            } else if byte(position + 1) == 0x2F {
                let start = position
                position += 2
                let closing = try name()
                skipSpaces()
                guard byte(position) == 0x3E else { throw fail("expected > in end tag") }
                position += 1
                guard let expected = open.popLast() else { throw fail("end tag </\(closing)> without a start tag", at: start) }
                guard expected == closing else { throw fail("end tag </\(closing)> does not match <\(expected)>", at: start) }
                guard try handler.end(closing, range: start..<position, scanner: self) else { return }
            } else {
                guard fragment || !open.isEmpty || !sawRoot else { throw fail("a second document element") }
                let tag = try startTag()
                sawRoot = true
                guard try handler.start(tag, scanner: self) else { return }
                if tag.selfClosing {
                    guard try handler.end(tag.name, range: tag.range.upperBound..<tag.range.upperBound, scanner: self) else { return }
                } else {
                    open.append(tag.name)
                }
            }
        }
        if let unclosed = open.last { throw fail("element <\(unclosed)> is not closed") }
        if !fragment && !sawRoot { throw fail("no document element") }
    }

    mutating func startTag() throws -> StartTag {
        let start = position
        position += 1
        let elementName = try name()
        var attributes: [Attribute] = []
        var seen: Set<String> = []
        while true {
            let hadSpace = position < limit && Self.isSpace(bytes[position])
            skipSpaces()
            guard position < limit else { throw fail("unterminated start tag", at: start) }
            if bytes[position] == 0x3E {
                position += 1
                return StartTag(name: elementName, attributes: attributes, selfClosing: false, range: start..<position)
            }
            if bytes[position] == 0x2F {
                guard byte(position + 1) == 0x3E else { throw fail("expected /> ") }
                position += 2
                return StartTag(name: elementName, attributes: attributes, selfClosing: true, range: start..<position)
            }
            guard hadSpace else { throw fail("attributes must be separated by white space") }
            let attributeName = try name()
            guard seen.insert(attributeName).inserted else { throw fail("attribute \(attributeName) appears twice") }
            skipSpaces()
            guard byte(position) == 0x3D else { throw fail("expected = after \(attributeName)") }
            position += 1
            skipSpaces()
            let quote = byte(position)
            guard quote == 0x22 || quote == 0x27 else { throw fail("attribute value must be quoted") }
            let valueStart = position + 1
            guard let valueEnd = findByte(quote, from: valueStart) else { throw fail("unterminated attribute value") }
            if let lt = findByte(0x3C, from: valueStart), lt < valueEnd { throw fail("< in an attribute value", at: lt) }
            try checkText(valueStart..<valueEnd)
            attributes.append(Attribute(name: attributeName, value: valueStart..<valueEnd))
            position = valueEnd + 1
        }
    }

    /// References in text must be well formed (decoding checks the rest).
    func checkText(_ range: Range<Int>) throws {
        var index = range.lowerBound
        while let amp = findByte(0x26, from: index), amp < range.upperBound {
            guard let semicolon = findByte(0x3B, from: amp), semicolon < range.upperBound, semicolon - amp <= 12 else {
                throw fail("bad reference", at: amp)
            }
            guard Self.reference(UnsafeRawBufferPointer(rebasing: bytes[(amp + 1)..<semicolon])) != nil else {
                throw fail("unknown entity &\(string((amp + 1)..<semicolon));", at: amp)
            }
            index = semicolon + 1
        }
    }

    /// The character a reference stands for (`amp`, `#38`, `#x26`…).
    static func reference(_ name: UnsafeRawBufferPointer) -> Unicode.Scalar? {
        let text = String(decoding: name, as: UTF8.self)
        switch text {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard text.hasPrefix("#") else { return nil }
            let value = text.hasPrefix("#x") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text.dropFirst(), radix: 10)
            guard let value, let scalar = Unicode.Scalar(value), XMLText.isAllowed(scalar) else { return nil }
            return scalar
        }
    }

    /// Text with line ends normalised and references replaced (XML 1.0 §2.11, §4.6).
    public func decodedText(_ range: Range<Int>, cdata: Bool = false) -> String {
        decode(range, attribute: false, cdata: cdata)
    }

    /// An attribute value, normalised (§3.3.3: literal white space becomes a space).
    public func attributeValue(_ range: Range<Int>) -> String { decode(range, attribute: true, cdata: false) }

    func decode(_ range: Range<Int>, attribute: Bool, cdata: Bool) -> String {
        var out = String.UnicodeScalarView()
        let raw = string(range).unicodeScalars
        var index = raw.startIndex
        while index < raw.endIndex {
            let scalar = raw[index]
            index = raw.index(after: index)
            switch scalar {
            case "\r":
                if index < raw.endIndex && raw[index] == "\n" { index = raw.index(after: index) }
                out.append(attribute ? " " : "\n")
            case "\n", "\t":
                out.append(attribute ? " " : scalar)
            case "&" where !cdata:
                var name = ""
                while index < raw.endIndex && raw[index] != ";" {
                    name.unicodeScalars.append(raw[index])
                    index = raw.index(after: index)
                }
                if index < raw.endIndex { index = raw.index(after: index) }
                let utf8 = Array(name.utf8)
                if let replaced = utf8.withUnsafeBytes(Self.reference) { out.append(replaced) }
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }
}
