import Foundation
import SQLKit

/// A value of a generated row.
public enum BulkValue: Sendable {
    case int(Int64)
    case text(String)
    case null

    var literal: String {
        switch self {
        case .int(let value): String(value)
        case .text(let value): "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        case .null: "NULL"
        }
    }
}

/// Multi-row INSERTs written as SQL literals, for generated data sets only (`cqs seed --scale`):
/// far faster than one bound statement per row on both engines. Never for user input.
public enum BulkInsert {
    public static func insert(into table: String, columns: [String], rows: [[BulkValue]], on db: any SQLDatabase, batch: Int = 500) async throws {
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + batch)
            var sql = head
            sql.reserveCapacity(rows[start].count * 24 * (end - start))
            for index in start..<end {
                if index > start { sql += "," }
                sql += "(" + rows[index].map(\.literal).joined(separator: ",") + ")"
            }
            try await db.raw(SQLQueryString(sql)).run()
            start = end
        }
    }

    /// The largest `id` of a table (0 when empty), to find the rows a bulk insert added.
    public static func maxID(_ table: String, on db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("SELECT COALESCE(MAX(id), 0) AS m FROM \(ident: table)").first()?.decode(column: "m", as: Int64.self) ?? 0
    }
}

extension BulkInsert {
    /// Rows written from an `Encodable` row type (its coding keys name the columns, the same type
    /// one request inserts with SQLKit's `model`), as literal multi-row INSERTs; nil is NULL.
    public static func insert(into table: String, rows: [some Encodable], on db: any SQLDatabase, batch: Int = 500) async throws {
        let encoded = try rows.map(BulkRowEncoder.encode)
        guard let columns = encoded.first?.map(\.column) else { return }
        guard encoded.allSatisfy({ $0.map(\.column) == columns }) else { throw BulkRowEncoder.Unsupported(what: "rows with different columns") }
        try await insert(into: table, columns: columns, rows: encoded.map { $0.map(\.value) }, on: db, batch: batch)
    }
}

/// Encodes one row into its columns, in the order its `encode(to:)` writes them; nil as NULL.
/// Only flat rows of integers, strings and booleans: anything else is refused.
struct BulkRowEncoder: Encoder {
    /// A row's type has a value a literal row cannot hold.
    struct Unsupported: Error { let what: String }

    final class Storage {
        var row: [(column: String, value: BulkValue)] = []
        var unsupported: String?
    }

    let storage = Storage()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func encode(_ row: some Encodable) throws -> [(column: String, value: BulkValue)] {
        let encoder = BulkRowEncoder()
        try row.encode(to: encoder)
        if let what = encoder.storage.unsupported { throw Unsupported(what: what) }
        return encoder.storage.row
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(Columns<Key>(storage: storage)) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        storage.unsupported = "a list"
        return RefusedList()
    }
    func singleValueContainer() -> any SingleValueEncodingContainer {
        storage.unsupported = "a single value"
        return Refused()
    }

    struct Columns<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: Storage
        var codingPath: [any CodingKey] { [] }

        func add(_ value: BulkValue, _ key: Key) { storage.row.append((key.stringValue, value)) }
        mutating func encodeNil(forKey key: Key) throws { add(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { add(.int(value ? 1 : 0), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { add(.text(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { add(.int(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { add(.int(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { add(.int(Int64(value)), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            throw Unsupported(what: "\(key.stringValue) of type \(T.self)")
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { value.map { add(.int($0 ? 1 : 0), key) } ?? add(.null, key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { add(value.map(BulkValue.text) ?? .null, key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { add(value.map { .int(Int64($0)) } ?? .null, key) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { add(value.map(BulkValue.int) ?? .null, key) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            guard let value else { return add(.null, key) }
            try encode(value, forKey: key)
        }
        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type, forKey key: Key) -> KeyedEncodingContainer<Nested> {
            storage.unsupported = "nested \(key.stringValue)"
            return KeyedEncodingContainer(Columns<Nested>(storage: Storage()))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            storage.unsupported = "nested \(key.stringValue)"
            return RefusedList()
        }
        mutating func superEncoder() -> any Encoder {
            storage.unsupported = "super"
            return BulkRowEncoder()
        }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            storage.unsupported = "super"
            return BulkRowEncoder()
        }
    }

    struct Refused: SingleValueEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        mutating func encodeNil() throws { throw Unsupported(what: "a single value") }
        mutating func encode<T: Encodable>(_ value: T) throws { throw Unsupported(what: "a single value") }
    }

    struct RefusedList: UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        mutating func encodeNil() throws { throw Unsupported(what: "a list") }
        mutating func encode<T: Encodable>(_ value: T) throws { throw Unsupported(what: "a list") }
        mutating func nestedContainer<Nested: CodingKey>(keyedBy type: Nested.Type) -> KeyedEncodingContainer<Nested> {
            KeyedEncodingContainer(Columns<Nested>(storage: Storage()))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusedList() }
        mutating func superEncoder() -> any Encoder { BulkRowEncoder() }
    }
}
