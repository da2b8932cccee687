import Foundation

/// The OpenAPI 3.1 document, kept in parts: `openapi.json` (info, servers, tags, security
/// schemes, shared responses and schemas) and one `<context>.openapi.json` per context beside its
/// routes (its `paths` and the `components` only it uses). Served merged; a path or a component
/// that two parts both define stops the server at start-up instead of one silently winning.
public enum OpenAPIDocument {
    /// Every part found among `bundle`'s resources, merged.
    public static func merged(in bundle: Bundle) throws -> Data {
        guard let root = bundle.resourceURL, let base = bundle.url(forResource: "openapi", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        let parts = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { $0.hasSuffix(".openapi.json") }
            .sorted()
            .map { (name: $0, data: try Data(contentsOf: root.appendingPathComponent($0))) }
        return try merged(base: try Data(contentsOf: base), parts: parts)
    }

    /// `base` with each part's `paths` and `components` added.
    public static func merged(base: Data, parts: [(name: String, data: Data)]) throws -> Data {
        guard var document = try JSONSerialization.jsonObject(with: base) as? [String: Any] else { throw invalid("openapi.json") }
        for part in parts {
            guard let fragment = try JSONSerialization.jsonObject(with: part.data) as? [String: Any] else { throw invalid(part.name) }
            document["paths"] = try adding(fragment["paths"], to: document["paths"], section: "paths", part: part.name)
            var components = document["components"] as? [String: Any] ?? [:]
            for (kind, entries) in fragment["components"] as? [String: Any] ?? [:] {
                components[kind] = try adding(entries, to: components[kind], section: "components/\(kind)", part: part.name)
            }
            document["components"] = components
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func adding(_ entries: Any?, to existing: Any?, section: String, part: String) throws -> [String: Any] {
        var merged = existing as? [String: Any] ?? [:]
        for (key, value) in entries as? [String: Any] ?? [:] {
            guard merged[key] == nil else { throw DefinedTwice(entry: "\(section)/\(key)", part: part) }
            merged[key] = value
        }
        return merged
    }

    static func invalid(_ name: String) -> CocoaError { CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: name]) }

    /// Two parts of the document define the same path or component.
    public struct DefinedTwice: Error, CustomStringConvertible {
        public let entry: String
        public let part: String
        public var description: String { "\(entry) is defined again in \(part)" }
    }
}
