/// A page of results with an opaque cursor for the next page (`?limit=&cursor=`).
public struct Page<Item: Sendable & Encodable>: Sendable, Encodable {
    enum CodingKeys: String, CodingKey { case items, nextCursor }

    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// A page from rows fetched with `limit + 1`: the extra row only says that more follow.
    public init(fetched rows: [Item], limit: Int, key: (Item) -> Int64) {
        self.init(fetched: rows, limit: limit, key: key, transform: { $0 })
    }

    /// The same, turning stored rows into items.
    public init<Row>(fetched rows: [Row], limit: Int, key: (Row) -> Int64, transform: (Row) throws -> Item) rethrows {
        let kept = rows.prefix(limit)
        items = try kept.map(transform)
        nextCursor = rows.count > limit ? kept.last.map { PageRequest.cursor(after: key($0)) } : nil
    }
}

/// The pagination convention of every list: `limit` 1…200 (default 50) and an opaque `cursor`.
public struct PageRequest: Sendable, Hashable {
    public static let defaultLimit = 50
    public static let maxLimit = 200
    public let limit: Int
    public let cursor: String?

    public init(limit: Int? = nil, cursor: String? = nil) throws(ValidationError) {
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maxLimit).contains(limit) else {
            throw ValidationError(
                field: "limit",
                messageVi: "limit phải từ 1 đến \(Self.maxLimit)",
                messageEn: "limit must be between 1 and \(Self.maxLimit)"
            )
        }
        self.limit = limit
        self.cursor = cursor?.isEmpty == true ? nil : cursor
    }

    /// A cursor that carries the last key of the previous page.
    /// (base-36 key, a dot, and a two-character check, so a typed or altered cursor is refused.)
    public static func cursor(after key: Int64) -> String { String(key, radix: 36) + "." + check(key) }

    static func check(_ key: Int64) -> String {
        let value = Int((UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 53) % 1296
        let text = String(value, radix: 36)
        return text.count == 1 ? "0" + text : text
    }

    /// The key a cursor carries.
    public func afterKey() throws(ValidationError) -> Int64? {
        guard let cursor else { return nil }
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let key = Int64(parts[0], radix: 36), key >= 0, String(parts[1]) == Self.check(key) else {
            throw ValidationError(
                field: "cursor",
                messageVi: "cursor không hợp lệ (hãy dùng nextCursor của trang trước)",
                messageEn: "invalid cursor (use the previous page's nextCursor)"
            )
        }
        return key
    }
}

/// A page read back by a client of the API (tests, tools).
extension Page: Decodable where Item: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            items: try container.decode([Item].self, forKey: .items),
            nextCursor: try container.decodeIfPresent(String.self, forKey: .nextCursor)
        )
    }
}
