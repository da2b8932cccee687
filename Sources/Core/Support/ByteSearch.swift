#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding bytes in bytes: `memchr` for the first byte, then a compare. The generic
/// collection searches (`Data.range(of:)`, `String.contains`) showed in request profiles.
public enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `haystack` at or after `start`.
    public static func firstOffset(of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int = 0) -> Int? {
        guard let first = needle.first, let base = haystack.baseAddress, let needleBase = needle.baseAddress else {
            return needle.isEmpty ? start : nil
        }
        var offset = start
        let count = haystack.count
        while count - offset >= needle.count {
            guard let hit = memchr(base + offset, Int32(first), count - offset - needle.count + 1) else { return nil }
            let position = base.distance(to: UnsafeRawPointer(hit))
            // The second byte first: most first-byte hits in text end there, without a call.
            if needle.count == 1
                || (haystack[position + 1] == needle[1]
                    && memcmp(base + position, needleBase, needle.count) == 0)
            {
                return position
            }
            offset = position + 1
        }
        return nil
    }

    /// Whether `needle` occurs in `haystack`.
    public static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { hay in needle.withUnsafeBytes { firstOffset(of: $0, in: hay) != nil } }
    }
}
