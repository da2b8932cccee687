import Core
import Foundation
import Synchronization

/// What a search result shows of a procedure (the full procedure is one request away).
public struct ProcedureSummary: Codable, Sendable, Equatable {
    public let code: String
    public let name: String
    public let fieldCode: String
    public let fieldName: String
    public let agencyIdentifier: String?
    public let agencyLevel: String?
    public let processingDays: Int
    public let onlineLevel: OnlineLevel
}

/// The procedure catalogue's search index, held in memory: for each procedure its summary
/// (and that summary's JSON, encoded once), filters and folded search text (name, field, code,
/// result; no diacritics, lower case). Pure: built from rows, searched without I/O. The
/// catalogue is small (2,500 procedures in a province, ~75,000 for the country) and read far
/// more than written.
///
/// What a search walks is laid out by column (masks, texts back to back, filter numbers), so
/// the scan touches no objects: at the country's size, retaining each entry it passed was a
/// fifth of the time. Matches are ranked as packed integers (score, then name order).
public struct ProcedureIndex: Sendable {
    /// One procedure as the catalogue gives it, and as a result page shows it.
    public final class Entry: Sendable {
        public let summary: ProcedureSummary
        /// `summary` as the API writes it.
        public let json: String
        var code: String { summary.code }
        var name: String { summary.name }
        let foldedName: String
        let searchText: String

        /// One encoder for every entry (making one per entry was most of building a country's index).
        static let encoder: JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        }()

        public init(summary: ProcedureSummary, foldedName: String?, searchText: String) {
            self.summary = summary
            self.json = String(decoding: (try? Self.encoder.encode(summary)) ?? Data("{}".utf8), as: UTF8.self)
            self.foldedName = foldedName ?? TextFolding.fold(summary.name)
            self.searchText = searchText
        }
    }

    /// What a procedure is searched on: name, field, code and result, folded.
    public static func searchText(_ procedure: Procedure) -> String {
        TextFolding.fold([procedure.name, procedure.fieldName, procedure.code, procedure.resultName].joined(separator: " "))
    }

    /// The entry of a procedure, with its folded name and search text when already known (the
    /// catalogue stores them at import).
    public static func entry(_ procedure: Procedure, foldedName: String? = nil, searchText text: String? = nil) -> Entry {
        Entry(
            summary: ProcedureSummary(
                code: procedure.code,
                name: procedure.name,
                fieldCode: procedure.fieldCode,
                fieldName: procedure.fieldName,
                agencyIdentifier: procedure.agencyIdentifier,
                agencyLevel: procedure.agencyLevel,
                processingDays: procedure.processingDays,
                onlineLevel: procedure.onlineLevel
            ),
            foldedName: foldedName,
            searchText: text ?? searchText(procedure)
        )
    }

    let entries: [Entry]
    /// Ranked results of recent queries, for as long as this index lives (a rebuilt index starts
    /// empty). People search for the same few things: "khai sinh", "hộ kinh doanh".
    let recent: RecentResults?
    let columns: Columns

    /// - Parameter remembering: keep the ranked results of recent queries (benchmarks of the
    ///   ranking itself turn it off).
    public init(_ entries: [Entry], remembering: Bool = true) {
        self.entries = entries
        self.recent = remembering ? RecentResults() : nil
        self.columns = Columns(entries)
    }

    /// One page of the entries matching `query`, best first, and how many match. Every word of
    /// the text must occur in the search text (anywhere, as `LIKE '%word%'` did); ties go by name.
    public func search(_ query: ProcedureCatalog.Query, offset: Int = 0, limit: Int = .max) -> (entries: [Entry], total: Int) {
        let folded = query.text.map(TextFolding.fold) ?? ""
        let key = RecentResults.Key(text: folded, field: query.fieldCode, agency: query.agencyIdentifier, level: query.onlineLevel)
        let end = offset.addingReportingOverflow(limit).overflow ? Int.max : offset + limit
        if let known = recent?[key], end <= known.top.count || known.top.count == known.total {
            return (Array(known.top.dropFirst(offset).prefix(limit)), known.total)
        }
        let ranked = columns.rank(query, folded: folded, first: max(end, RecentResults.kept))
        // Only the first pages are kept: a country's catalogue (75,000 procedures) matches tens of
        // thousands for common words, and whole lists for 1,000 queries held hundreds of MB.
        recent?[key] = RecentResults.Ranked(top: ranked.top.prefix(RecentResults.kept).map { entries[$0] }, total: ranked.total)
        return (ranked.top.dropFirst(offset).prefix(limit).map { entries[$0] }, ranked.total)
    }
}

extension ProcedureIndex {
    /// The searched facts of every entry, by position, in flat arrays.
    struct Columns: Sendable {
        let masks: [BigramMask]
        /// Folded search texts, folded names and codes, each back to back with its start offsets
        /// (`count + 1` of them).
        let texts: Packed, names: Packed, codes: Packed
        /// The hashes of each name's words (hashed once here, not per search), back to back.
        let nameWords: [Int]
        let nameWordStarts: [Int]
        /// Field and agency as numbers (agency -1: any agency of its level), and the online level.
        let fields: [Int32], agencies: [Int32], levels: [OnlineLevel]
        let fieldNumbers: [String: Int32], agencyNumbers: [String: Int32]
        /// Each entry's place in name order, and the entry at each place.
        let nameRanks: [UInt32], byNameRank: [Int]
        /// Which entries' search texts contain each three-byte sequence: a word of three bytes or
        /// more is only looked for in the entries of its rarest sequence.
        let trigrams: Trigrams

        init(_ entries: [Entry]) {
            masks = entries.map { BigramMask(Array($0.searchText.utf8)) }
            texts = Packed(entries.map(\.searchText))
            names = Packed(entries.map(\.foldedName))
            codes = Packed(entries.map(\.code))
            var words: [Int] = []
            var starts = [0]
            let separators = Set(" ,;:()/-.".utf8)
            for index in 0..<names.count {
                words += Set(names.withBytes(index) { $0.split(whereSeparator: separators.contains).map(Self.hash) })
                starts.append(words.count)
            }
            nameWords = words
            nameWordStarts = starts
            /// The number of `key` in `numbers`, given the next one when it is new.
            func number(_ key: String, in numbers: inout [String: Int32]) -> Int32 {
                if let known = numbers[key] { return known }
                numbers[key] = Int32(numbers.count)
                return Int32(numbers.count - 1)
            }
            var fieldNumbers: [String: Int32] = [:]
            var agencyNumbers: [String: Int32] = [:]
            fields = entries.map { number($0.summary.fieldCode, in: &fieldNumbers) }
            agencies = entries.map { entry in entry.summary.agencyIdentifier.map { number($0, in: &agencyNumbers) } ?? -1 }
            self.fieldNumbers = fieldNumbers
            self.agencyNumbers = agencyNumbers
            levels = entries.map(\.summary.onlineLevel)
            byNameRank = entries.indices.sortedVietnamese { entries[$0].name }
            var ranks = [UInt32](repeating: 0, count: entries.count)
            for (rank, position) in byNameRank.enumerated() { ranks[position] = UInt32(rank) }
            nameRanks = ranks
            trigrams = Trigrams(texts)
        }

        /// The positions of the `first` best entries matching `query`, best first, and how many match.
        func rank(_ query: ProcedureCatalog.Query, folded: String, first: Int) -> (top: [Int], total: Int) {
            // Filters as numbers; a field or agency the catalogue does not have matches nothing
            // (an agency still sees the procedures of any agency of their level).
            var field: Int32? = nil
            var agency: Int32? = nil
            if let code = query.fieldCode {
                guard let number = fieldNumbers[code] else { return ([], 0) }
                field = number
            }
            if let identifier = query.agencyIdentifier { agency = agencyNumbers[identifier] ?? -2 }
            let level = query.onlineLevel
            func passes(_ position: Int) -> Bool {
                if let field, fields[position] != field { return false }
                if let agency, agencies[position] != -1, agencies[position] != agency { return false }
                if let level, levels[position] != level { return false }
                return true
            }
            let words = Array(folded.split(separator: " ").filter { !$0.isEmpty }.prefix(10))
            guard !words.isEmpty else {
                let all = byNameRank.filter(passes)
                return (Array(all.prefix(first)), all.count)
            }
            let needles = Packed(words.map(String.init))
            let required = (0..<needles.count).reduce(BigramMask.empty) { mask, index in
                needles.withBytes(index) { mask.union(BigramMask(Array($0))) }
            }
            let query = Array(folded.utf8)
            let wordHashes = (0..<needles.count).map { needles.withBytes($0) { Self.hash($0[...]) } }
            var best = BestKeys(capacity: first)
            let lists = (0..<needles.count).compactMap { index in
                needles.withBytes(index) { trigrams.rarestList(in: $0).map { (needle: index, list: $0) } }
            }
            let rarest = lists.min { $0.list.count < $1.list.count }
            // A three-byte word is its own sequence: the entries of its list contain it.
            let known = rarest.flatMap { needles.withBytes($0.needle) { $0.count } == 3 ? $0.needle : nil }
            func consider(_ position: Int) {
                guard masks[position].covers(required), passes(position),
                    texts.withBytes(
                        position,
                        { text in
                            (0..<needles.count).allSatisfy { index in
                                index == known || needles.withBytes(index) { ByteSearch.firstOffset(of: $0, in: text) != nil }
                            }
                        }
                    )
                else { return }
                // Best first: a higher score, then earlier in name order.
                let score = self.score(position, query: query, words: wordHashes)
                best.offer(UInt64(UInt32.max - UInt32(score)) << 32 | UInt64(nameRanks[position]))
            }
            if let rarest {
                for position in rarest.list { consider(Int(position)) }
            } else {
                for position in masks.indices { consider(position) }
            }
            return (best.sorted().map { byNameRank[Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF)] }, best.offered)
        }

        /// A word's hash, from its bytes (the same for a name's words and a query's).
        static func hash(_ word: Slice<UnsafeRawBufferPointer>) -> Int {
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: word))
            return hasher.finalize()
        }

        /// Exact code or name first, then names that start with the query, then by how much of
        /// the name the query covers (so "dang ky ho kinh doanh" ranks "Đăng ký thành lập hộ kinh
        /// doanh" above longer names that merely contain the words).
        func score(_ position: Int, query: [UInt8], words: [Int]) -> Int {
            var score = 0
            query.withUnsafeBytes { query in
                if codes.withBytes(position, { $0.elementsEqual(query) }) { score += 1000 }
                names.withBytes(position) { name in
                    if name.count == query.count, name.elementsEqual(query) {
                        score += 500
                    } else if name.count >= query.count, UnsafeRawBufferPointer(rebasing: name[..<query.count]).elementsEqual(query) {
                        score += 200
                    } else if ByteSearch.firstOffset(of: query, in: name) != nil {
                        score += 10
                    }
                }
            }
            let own = nameWords[nameWordStarts[position]..<nameWordStarts[position + 1]]
            if !own.isEmpty { score += words.reduce(0) { $0 + (own.contains($1) ? 1 : 0) } * 100 / own.count }
            return score
        }
    }

    /// The smallest `capacity` keys offered, and how many were: a max-heap of the kept ones, so a
    /// key worse than all of them costs one comparison (common words match tens of thousands of a
    /// country's procedures; sorting them all was most of a search).
    struct BestKeys {
        let capacity: Int
        private(set) var offered = 0
        private var heap: [UInt64] = []

        init(capacity: Int) { self.capacity = capacity }

        mutating func offer(_ key: UInt64) {
            offered += 1
            if heap.count < capacity {
                heap.append(key)
                var child = heap.count - 1
                while child > 0, heap[(child - 1) / 2] < heap[child] {
                    heap.swapAt(child, (child - 1) / 2)
                    child = (child - 1) / 2
                }
            } else if capacity > 0, key < heap[0] {
                heap[0] = key
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    let right = left + 1
                    var largest = parent
                    if left < heap.count, heap[left] > heap[largest] { largest = left }
                    if right < heap.count, heap[right] > heap[largest] { largest = right }
                    if largest == parent { break }
                    heap.swapAt(parent, largest)
                    parent = largest
                }
            }
        }

        func sorted() -> [UInt64] { heap.sorted() }
    }

    /// Posting lists of three-byte sequences: for each sequence, the positions (ascending) of the
    /// texts that contain it, all in one array.
    struct Trigrams: Sendable {
        let ranges: [UInt32: Range<Int>]
        /// Four bytes each: a country's lists hold about ten million positions.
        let positions: [UInt32]

        static func key(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt32 { UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c) }

        init(_ texts: Packed) {
            // Each text's distinct sequences, counted, then laid out list after list.
            var perText: [[UInt32]] = []
            perText.reserveCapacity(texts.count)
            var counts: [UInt32: Int] = [:]
            for index in 0..<texts.count {
                let keys = texts.withBytes(index) { bytes -> [UInt32] in
                    guard bytes.count >= 3 else { return [] }
                    return Array(Set((2..<bytes.count).map { Self.key(bytes[$0 - 2], bytes[$0 - 1], bytes[$0]) }))
                }
                for key in keys { counts[key, default: 0] += 1 }
                perText.append(keys)
            }
            var ranges: [UInt32: Range<Int>] = [:]
            var next: [UInt32: Int] = [:]
            var start = 0
            for (key, count) in counts {
                ranges[key] = start..<(start + count)
                next[key] = start
                start += count
            }
            var positions = [UInt32](repeating: 0, count: start)
            for (position, keys) in perText.enumerated() {
                for key in keys {
                    positions[next[key]!] = UInt32(position)
                    next[key]! += 1
                }
            }
            self.ranges = ranges
            self.positions = positions
        }

        /// The entries that may contain `word` (those containing its rarest three-byte sequence);
        /// nil for words shorter than three bytes.
        func rarestList(in word: UnsafeRawBufferPointer) -> ArraySlice<UInt32>? {
            guard word.count >= 3 else { return nil }
            var rarest: Range<Int>? = nil
            for end in 2..<word.count {
                let range = ranges[Self.key(word[end - 2], word[end - 1], word[end])] ?? 0..<0
                if range.count < rarest?.count ?? .max { rarest = range }
            }
            return positions[rarest!]
        }
    }

    /// Texts as UTF-8 bytes back to back, with where each starts.
    struct Packed: Sendable {
        let bytes: [UInt8]
        let starts: [Int]
        var count: Int { starts.count - 1 }

        init(_ texts: [String]) {
            var bytes: [UInt8] = []
            var starts = [0]
            bytes.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count })
            for text in texts {
                bytes += text.utf8
                starts.append(bytes.count)
            }
            self.bytes = bytes
            self.starts = starts
        }

        func withBytes<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
            bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[starts[index]..<starts[index + 1]])) }
        }
    }
}

/// The pairs of adjacent bytes a text contains, hashed into 256 bits: a text can only contain a
/// word if its mask covers the word's. One AND per procedure rules out almost every procedure
/// before any byte search (a four-letter word passes a non-matching text about once in 200).
struct BigramMask: Sendable, Equatable {
    var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0

    static let empty = BigramMask()

    init() {}

    init(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        for i in 1..<bytes.count { insert(bytes[i - 1], bytes[i]) }
    }

    mutating func insert(_ first: UInt8, _ second: UInt8) {
        let bit = Int((UInt16(first) &* 31 &+ UInt16(second)) & 255)
        let mask = UInt64(1) << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: a |= mask
        case 1: b |= mask
        case 2: c |= mask
        default: d |= mask
        }
    }

    func union(_ other: BigramMask) -> BigramMask {
        var result = self
        result.a |= other.a
        result.b |= other.b
        result.c |= other.c
        result.d |= other.d
        return result
    }

    func covers(_ other: BigramMask) -> Bool {
        a & other.a == other.a && b & other.b == other.b && c & other.c == other.c && d & other.d == other.d
    }
}

/// The first pages of the ranked results of up to `capacity` recent queries (then it starts over).
final class RecentResults: Sendable {
    struct Key: Hashable, Sendable {
        let text: String, field: String?, agency: String?, level: OnlineLevel?
    }

    /// The first `kept` entries of a ranking and how many matched.
    struct Ranked: Sendable {
        let top: [ProcedureIndex.Entry]
        let total: Int
    }

    static let kept = 500
    private let results = Mutex<[Key: Ranked]>([:])
    let capacity = 1_000

    subscript(key: Key) -> Ranked? {
        get { results.withLock { $0[key] } }
        set {
            results.withLock { results in
                if results.count >= capacity { results.removeAll(keepingCapacity: true) }
                results[key] = newValue
            }
        }
    }
}
