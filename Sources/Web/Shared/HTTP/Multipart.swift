import Core
import Foundation
import NIOCore

/// A file sent in a `multipart/form-data` form.
public struct FormFile: Sendable {
    public let field: String
    public let fileName: String
    public let data: Data
    /// The part's `Content-Type`, when it has one.
    public var contentType: String? = nil
}

/// Parses `multipart/form-data` bodies (RFC 7578): text fields and files.
enum Multipart {
    /// The boundary of a `multipart/form-data` content type, if it is one.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) -> (fields: [String: String], files: [FormFile])? {
        let delimiter = Array("--\(boundary)".utf8)
        let partEnd = Array("\r\n".utf8) + delimiter
        let separator = Array("\r\n\r\n".utf8)
        var fields: [String: String] = [:]
        var files: [FormFile] = []
        guard var cursor = search(delimiter, in: body, from: body.startIndex)?.upperBound else { return nil }
        while true {
            // After a delimiter: "--" ends the body, "\r\n" starts a part.
            if body[cursor...].starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { break }
            guard body[cursor...].starts(with: [UInt8(ascii: "\r"), UInt8(ascii: "\n")]) else { return nil }
            let partStart = cursor + 2
            guard let headerEnd = search(separator, in: body, from: partStart),
                let next = search(partEnd, in: body, from: headerEnd.upperBound)
            else { return nil }
            let headers = String(decoding: body[partStart..<headerEnd.lowerBound], as: UTF8.self)
            let content = body[headerEnd.upperBound..<next.lowerBound]
            if let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) {
                let name = parameter("name", in: String(disposition))
                if let name {
                    if let fileName = parameter("filename", in: String(disposition)) {
                        let type = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
                            .map { $0.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces) }
                        if !content.isEmpty || !fileName.isEmpty {
                            files.append(
                                FormFile(field: name, fileName: fileName, data: Data(content), contentType: type.flatMap { $0.isEmpty ? nil : $0 })
                            )
                        }
                    } else if fields[name] == nil {
                        fields[name] = String(decoding: content, as: UTF8.self)
                    }
                }
            }
            cursor = next.upperBound
        }
        return (fields, files)
    }

    /// Where `needle` first occurs in `body` at or after `start`.
    static func search(_ needle: [UInt8], in body: Data, from start: Data.Index) -> Range<Data.Index>? {
        guard start <= body.endIndex else { return nil }
        let offset = body.withUnsafeBytes { raw in
            needle.withUnsafeBytes { ByteSearch.firstOffset(of: $0, in: raw, from: start - body.startIndex) }
        }
        return offset.map { (body.startIndex + $0)..<(body.startIndex + $0 + needle.count) }
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }
}
