import Core
import Foundation
import Hummingbird
import HummingbirdCore

/// Reading request bodies with explicit limits and clear 4xx answers.
public enum RequestBody {
    /// Default cap for JSON bodies.
    public static let jsonLimit = 1 * 1024 * 1024

    /// Collects the body, or 413 when it exceeds `limit`.
    public static func bytes(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw Problem.fromHTTP(status: .contentTooLarge, language: .vi)
        }
    }

    /// Streams the body into `file` (never whole in memory), or 413 when it exceeds `limit`.
    public static func write(_ request: Request, to file: URL, limit: Int) async throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var written = 0
        for try await chunk in request.body {
            written += chunk.readableBytes
            guard written <= limit else { throw Problem.fromHTTP(status: .contentTooLarge, language: .vi) }
            try handle.write(contentsOf: chunk.readableBytesView)
        }
    }

    /// Decodes JSON; rejects unknown top-level fields when `T` lists its fields.
    public static func json<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestState, limit: Int = jsonLimit) async throws -> T
    {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw Problem(
                status: .unsupportedMediaType,
                slug: "unsupported-media-type",
                detailVi: "Nội dung phải là application/json",
                detailEn: "Content-Type must be application/json",
                language: context.language
            )
        }
        return try decode(type, from: Data(buffer: try await bytes(request, limit: limit)), context: context)
    }

    /// Decodes JSON like `json`, or gives `empty` when the request has no body (actions whose
    /// input is optional).
    public static func json<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestState, orEmpty empty: @autoclosure () -> T)
        async throws -> T
    {
        if request.headers[.contentLength] == "0" || request.headers[.contentType] == nil { return empty() }
        return try await json(type, from: request, context: context)
    }

    /// A `multipart/form-data` body: its JSON part `part` decoded as `T`, and the files sent beside
    /// it; nil when the request is not multipart.
    public static func multipart<T: Decodable>(
        _ type: T.Type,
        part: String,
        from request: Request,
        context: some RequestState,
        limit: Int
    ) async throws -> (value: T, files: [FormFile])? {
        guard let boundary = Multipart.boundary(request.headers[.contentType]) else { return nil }
        guard let parts = Multipart.parse(Data(buffer: try await bytes(request, limit: limit)), boundary: boundary), let json = parts.fields[part]
        else {
            throw DomainError.invalid(
                part,
                "Cần phần \(part) (JSON) trong nội dung multipart",
                "A \(part) part (JSON) is required in the multipart body"
            )
        }
        return (try decode(type, from: Data(json.utf8), context: context), parts.files)
    }

    /// Decodes JSON bytes (a request body or a multipart part); rejects unknown top-level fields when `T` lists its fields.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, context: some RequestState) throws -> T {
        if let fields = T.self as? any KnownFields.Type {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw malformed("Nội dung JSON phải là một đối tượng", "The JSON body must be an object", context)
            }
            let unknown = Self.unknownFields(object, known: fields.fieldNames, nested: fields.nestedFieldNames)
            if !unknown.isEmpty {
                throw DomainError.invalid(
                    unknown.map {
                        ValidationError(field: $0, messageVi: "Trường \"\($0)\" không được hỗ trợ", messageEn: "Unknown field \"\($0)\"")
                    }
                )
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, context)
        } catch {
            throw malformed("JSON không hợp lệ", "Malformed JSON", context)
        }
    }

    /// The unknown fields of `object`, at the top level and inside the nested objects (or
    /// arrays of objects) that name their own fields, as paths (`applicant.role`, `recipients[2].x`).
    static func unknownFields(_ object: [String: Any], known: Set<String>, nested: [String: Set<String>]) -> [String] {
        var unknown = Set(object.keys).subtracting(known).sorted()
        for (key, names) in nested.sorted(by: { $0.key < $1.key }) {
            if let inner = object[key] as? [String: Any] {
                unknown += Set(inner.keys).subtracting(names).sorted().map { "\(key).\($0)" }
            } else if let items = object[key] as? [[String: Any]] {
                for (index, item) in items.enumerated() {
                    unknown += Set(item.keys).subtracting(names).sorted().map { "\(key)[\(index)].\($0)" }
                }
            }
        }
        return unknown
    }

    static func malformed(_ vi: String, _ en: String, _ context: some RequestState) -> Problem {
        Problem(status: .badRequest, slug: "malformed", detailVi: vi, detailEn: en, language: context.language)
    }

    static func describe(_ error: DecodingError, _ context: some RequestState) -> any Error {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let field = path(ctx.codingPath + [key])
            return DomainError.invalid(field, "Thiếu trường bắt buộc \"\(field)\"", "Missing required field \"\(field)\"")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            let field = path(ctx.codingPath)
            return DomainError.invalid(field, "Trường \"\(field)\" sai kiểu dữ liệu", "Field \"\(field)\" has the wrong type")
        case .dataCorrupted(let ctx) where !ctx.codingPath.isEmpty:
            let field = path(ctx.codingPath)
            // The decoder's own words name Swift types ("Cannot initialize Urgency from invalid Int value 99"): not for users.
            if ctx.debugDescription.contains("Cannot initialize") || ctx.debugDescription.contains("from invalid") {
                return DomainError.invalid(
                    field,
                    "Giá trị của \"\(field)\" không thuộc các giá trị cho phép",
                    "\"\(field)\" is not one of the allowed values"
                )
            }
            return DomainError.invalid(
                field,
                "Giá trị của \"\(field)\" không hợp lệ: \(ctx.debugDescription)",
                "Invalid value for \"\(field)\": \(ctx.debugDescription)"
            )
        default:
            return malformed("JSON không hợp lệ", "Malformed JSON", context)
        }
    }
}

/// A request type that names its JSON fields, so unknown ones are rejected.
public protocol KnownFields {
    static var fieldNames: Set<String> { get }
    /// The fields of nested objects (or arrays of objects), by the key that holds them.
    static var nestedFieldNames: [String: Set<String>] { get }
}

extension KnownFields {
    public static var nestedFieldNames: [String: Set<String>] { [:] }
}

/// A CSV download, UTF-8 with a byte-order mark so that spreadsheet programs read Vietnamese right.
public func csvResponse(_ text: String, fileName: String) -> Response {
    Response(
        status: .ok,
        headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName)\""],
        body: .init(byteBuffer: ByteBuffer(string: text.hasPrefix("\u{FEFF}") ? text : "\u{FEFF}" + text))
    )
}

extension URI {
    /// An integer query parameter, or a 422 when present but not an integer.
    public func intParameter(_ name: String) throws -> Int? {
        guard let text = stringParameter(name) else { return nil }
        guard let value = Int(text) else {
            throw DomainError.invalid(name, "Tham số \(name) phải là số nguyên", "Parameter \(name) must be an integer")
        }
        return value
    }

    /// `format`: "json" (the default) or "csv"; anything else is a 422.
    public func formatParameter() throws -> String {
        let format = stringParameter("format") ?? "json"
        guard ["json", "csv"].contains(format) else {
            throw DomainError.invalid("format", "Định dạng phải là json hoặc csv", "format must be json or csv")
        }
        return format
    }

    /// A query parameter decoded as browsers encode forms (`+` is a space), or nil when empty.
    public func stringParameter(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecoded(parts[0]) == name else { continue }
            let value = parts.count > 1 ? (Self.formDecoded(parts[1]) ?? "") : ""
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// A form-encoded component decoded (`+` is a space, `%XX` a byte), or nil when a `%` is not
    /// followed by two hex digits or the bytes are not UTF-8 (query strings and url-encoded forms
    /// alike). Bytes, not Foundation: query parsing showed in the profiles of the busiest public routes.
    static func formDecoded(_ text: Substring) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                    let high = hex(utf8[first]), let low = hex(utf8[utf8.index(after: first)])
                else { return nil }
                bytes.append(high << 4 | low)
                index = utf8.index(after: first)
            } else {
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A boolean query parameter (`true`/`false`), or a 422 when present but neither.
    public func boolParameter(_ name: String) throws -> Bool? {
        guard let text = stringParameter(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw DomainError.invalid(name, "Tham số \(name) phải là true hoặc false", "Parameter \(name) must be true or false")
        }
    }

    /// A query parameter naming a case of `T` (by raw value), nil when absent, 422 when unknown.
    public func caseParameter<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = stringParameter(name) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw DomainError.invalid(name, "Giá trị \"\(text)\" của \(name) không hợp lệ (\(allowed))", "Invalid \(name) \"\(text)\" (\(allowed))")
        }
        return value
    }

    /// A date parameter: `yyyy-MM-dd`, or `dd/MM/yyyy` as the pages' forms send it.
    public func dateParameter(_ name: String) throws -> LocalDate? {
        guard let text = stringParameter(name), !text.isEmpty else { return nil }
        guard let value = LocalDate(typed: text) else {
            throw DomainError.invalid(name, "Ngày phải có dạng ngày/tháng/năm, ví dụ 31/12/2026", "Dates look like day/month/year, e.g. 31/12/2026")
        }
        return value
    }

    /// `limit` and `cursor` of the pagination convention.
    public func pageRequest() throws -> PageRequest {
        try PageRequest(limit: intParameter("limit"), cursor: stringParameter("cursor"))
    }
}
