import Core
import Foundation

/// Attachment text taken straight from a package's bytes. The XML parser hands element text over
/// in pieces of at most 300 bytes, each made into a `String`: for a megabyte of base64 that was
/// a tenth of a delivery's CPU. When the package is plain (no comments, no CDATA sections) and
/// each `<edXML:ContentTransferEncoded>` holds nothing but base64 and whitespace, the contents
/// are decoded here and the parser gets the package with those elements empty; otherwise (nil)
/// the whole package goes through the parser, which reports what is wrong.
enum AttachmentText {
    static let open = Array("<edXML:ContentTransferEncoded>".utf8)
    static let close = Array("</edXML:ContentTransferEncoded>".utf8)

    static func split(_ package: Data) -> (skeleton: Data, attachments: [Data])? {
        package.withUnsafeBytes { bytes -> (skeleton: Data, attachments: [Data])? in
            guard !contains("<!--", in: bytes), !contains("<![CDATA[", in: bytes) else { return nil }
            var skeleton = Data()
            var attachments: [Data] = []
            var cursor = 0
            while let start = open.withUnsafeBytes({ ByteSearch.firstOffset(of: $0, in: bytes, from: cursor) }) {
                let contentStart = start + open.count
                // The text runs to the next markup, which must be the element's end.
                guard
                    let end = memchr(bytes.baseAddress! + contentStart, Int32(UInt8(ascii: "<")), bytes.count - contentStart)
                        .map({ bytes.baseAddress!.distance(to: UnsafeRawPointer($0)) }),
                    close.withUnsafeBytes({ bytes.count - end >= $0.count && memcmp(bytes.baseAddress! + end, $0.baseAddress!, $0.count) == 0 }),
                    let decoded = base64(UnsafeRawBufferPointer(rebasing: bytes[contentStart..<end]))
                else { return nil }
                attachments.append(decoded)
                skeleton.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[cursor..<contentStart]))
                cursor = end
            }
            skeleton.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[cursor...]))
            return (skeleton, attachments)
        }
    }

    static func contains(_ text: String, in bytes: UnsafeRawBufferPointer) -> Bool {
        Array(text.utf8).withUnsafeBytes { ByteSearch.firstOffset(of: $0, in: bytes) != nil }
    }

    /// Base64 with whitespace between the characters (lines) decoded; nil for anything else,
    /// entities included. Lines are joined with `memchr` and block copies first; text with other
    /// whitespace (CR, spaces, tabs) is filtered byte by byte.
    static func base64(_ text: UnsafeRawBufferPointer) -> Data? {
        guard let base = text.baseAddress, !text.isEmpty else { return Data() }
        var joined = Data(count: text.count)
        let count = joined.withUnsafeMutableBytes { out -> Int in
            var written = 0
            var start = 0
            while start < text.count {
                let end =
                    memchr(base + start, Int32(UInt8(ascii: "\n")), text.count - start).map { base.distance(to: UnsafeRawPointer($0)) } ?? text.count
                (out.baseAddress! + written).copyMemory(from: base + start, byteCount: end - start)
                written += end - start
                start = end + 1
            }
            return written
        }
        joined.count = count
        if let decoded = Data(base64Encoded: joined) { return decoded }
        return filtered(text)
    }

    static func filtered(_ text: UnsafeRawBufferPointer) -> Data? {
        var compact = [UInt8]()
        compact.reserveCapacity(text.count)
        for byte in text {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            case UInt8(ascii: "&"): return nil
            default: compact.append(byte)
            }
        }
        return Data(base64Encoded: Data(compact))
    }
}
