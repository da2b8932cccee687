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
public struct ProcedureIndex: Sendable {
    /// One procedure's searchable facts (a class: a search walks every entry, and copying a
    /// struct of many strings retained each of them; that was a fifth of the search's CPU).
    public final class Entry: Sendable {
        public let summary: ProcedureSummary
        /// `summary` as the API writes it.
        public let json: String
        var code: String { summary.code }
        var name: String { summary.name }
        let foldedName: String
        let foldedNameBytes: [UInt8]
        /// The hashes of the name's words (hashed once here, not per search).
        let nameWords: Set<Int>
        let searchText: [UInt8]
        let bigrams: BigramMask

        public init(summary: ProcedureSummary, foldedName: String?, searchText: String) {
            self.summary = summary
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            self.json = String(decoding: (try? encoder.encode(summary)) ?? Data("{}".utf8), as: UTF8.self)
            self.foldedName = foldedName ?? TextFolding.fold(summary.name)
            self.foldedNameBytes = Array(self.foldedName.utf8)
            self.nameWords = Set(self.foldedName.split(whereSeparator: { " ,;:()/-.".contains($0) }).map { $0.hashValue })
            self.searchText = Array(searchText.utf8)
            self.bigrams = BigramMask(self.searchText)
        }
    }

    let entries: [Entry]
    /// Ranked results of recent queries, for as long as this index lives (a rebuilt index starts
    /// empty). People search for the same few things: "khai sinh", "hộ kinh doanh".
    let recent = RecentResults()
    /// Each entry's place in name order (by entry position), so ties sort on an integer.
    let nameRanks: [Int]

    public init(_ entries: [Entry]) {
        self.entries = entries
        var ranks = [Int](repeating: 0, count: entries.count)
        for (rank, position) in entries.indices.sorted(by: { entries[$0].name < entries[$1].name }).enumerated() { ranks[position] = rank }
        self.nameRanks = ranks
    }

    /// One page of the entries matching `query`, best first, and how many match. Every word of
    /// the text must occur in the search text (anywhere, as `LIKE '%word%'` did); ties go by name.
    public func search(_ query: ProcedureCatalog.Query, offset: Int = 0, limit: Int = .max) -> (entries: [Entry], total: Int) {
        let folded = query.text.map(TextFolding.fold) ?? ""
        let key = RecentResults.Key(text: folded, field: query.fieldCode, agency: query.agencyIdentifier, level: query.onlineLevel)
        let end = offset.addingReportingOverflow(limit).overflow ? Int.max : offset + limit
        if let known = recent[key], end <= known.top.count || known.top.count == known.total {
            return (Array(known.top.dropFirst(offset).prefix(limit)), known.total)
        }
        let ranked = rank(query, folded: folded)
        // Only the first pages are kept: a country's catalogue (75,000 procedures) matches tens of
        // thousands for common words, and whole lists for 1,000 queries held hundreds of MB.
        recent[key] = RecentResults.Ranked(top: Array(ranked.prefix(RecentResults.kept)), total: ranked.count)
        return (Array(ranked.dropFirst(offset).prefix(limit)), ranked.count)
    }

    func rank(_ query: ProcedureCatalog.Query, folded: String) -> [Entry] {
        let words = Array(folded.split(separator: " ").filter { !$0.isEmpty }.prefix(10))
        let needles = words.map { Array($0.utf8) }
        let required = needles.reduce(BigramMask.empty) { $0.union(BigramMask($1)) }
        let whole = Array(folded.utf8)
        let wordSet = Set(words.map(\.hashValue))
        var matches: [(entry: Entry, score: Int, rank: Int)] = []
        for (position, entry) in entries.enumerated() {
            if let field = query.fieldCode, entry.summary.fieldCode != field { continue }
            if let agency = query.agencyIdentifier, let own = entry.summary.agencyIdentifier, own != agency { continue }
            if let level = query.onlineLevel, entry.summary.onlineLevel != level { continue }
            guard entry.bigrams.covers(required), needles.allSatisfy({ ByteSearch.contains($0, in: entry.searchText) }) else { continue }
            matches.append((entry, Self.score(entry, folded: folded, bytes: whole, words: wordSet), nameRanks[position]))
        }
        matches.sort { $0.score != $1.score ? $0.score > $1.score : $0.rank < $1.rank }
        return matches.map(\.entry)
    }

    /// Exact code or name first, then names that start with the query, then by how much of the
    /// name the query covers (so "dang ky ho kinh doanh" ranks "Đăng ký thành lập hộ kinh doanh"
    /// above longer names that merely contain the words).
    static func score(_ entry: Entry, folded: String, bytes: [UInt8], words: Set<Int>) -> Int {
        guard !folded.isEmpty else { return 0 }
        var score = 0
        if entry.code == folded { score += 1000 }
        let name = entry.foldedName
        if name == folded {
            score += 500
        } else if entry.foldedNameBytes.starts(with: bytes) {
            score += 200
        } else if ByteSearch.contains(bytes, in: entry.foldedNameBytes) {
            score += 10
        }
        let covered = words.reduce(0) { $0 + (entry.nameWords.contains($1) ? 1 : 0) }
        score += entry.nameWords.isEmpty ? 0 : covered * 100 / entry.nameWords.count
        return score
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
        result.a |= other.a; result.b |= other.b; result.c |= other.c; result.d |= other.d
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
