/// Vietnamese collation: letters in the Vietnamese alphabet's order (a ă â b c d đ e ê … o ô ơ
/// … u ư …, with f j w z where Latin puts them), then tones in the dictionary order (none,
/// huyền, hỏi, ngã, sắc, nặng), then lower case before upper. So "Cấp" sorts before
/// "Cung cấp", "Đà Lạt" after "Dương", and "ma mà mả mã má mạ" stay in that order — code-point
/// order gets all three wrong.
public enum VietnameseOrder {
    static let alphabet = Array("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
    static let letterIndex = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, $0.offset) })
    /// Combining marks that make another letter (breve, circumflex, horn).
    static let letterMarks: Set<Unicode.Scalar> = ["\u{0306}", "\u{0302}", "\u{031B}"]
    /// Combining tone marks in dictionary order (grave, hook, tilde, acute, dot below).
    static let toneMarks: [Unicode.Scalar] = ["\u{0300}", "\u{0309}", "\u{0303}", "\u{0301}", "\u{0323}"]

    /// The three levels of a text's sort key.
    struct Key: Comparable {
        var letters: [Int] = []
        var tones: [Int] = []
        var cases: [Int] = []

        static func < (a: Key, b: Key) -> Bool {
            if a.letters != b.letters { return a.letters.lexicographicallyPrecedes(b.letters) }
            if a.tones != b.tones { return a.tones.lexicographicallyPrecedes(b.tones) }
            return a.cases.lexicographicallyPrecedes(b.cases)
        }
    }

    static func key(_ text: String) -> Key {
        var key = Key()
        for character in text {
            let lower = Character(String(character).lowercased())
            let scalars = String(lower).decomposedStringWithCanonicalMapping.unicodeScalars
            guard let base = scalars.first else { continue }
            var letter = String(base)
            var tone = 0
            for mark in scalars.dropFirst() {
                if letterMarks.contains(mark) {
                    letter.unicodeScalars.append(mark)
                } else if let index = toneMarks.firstIndex(of: mark) {
                    tone = index + 1
                }
            }
            let composed = Character(letter.precomposedStringWithCanonicalMapping)
            key.letters.append(weight(composed, base: base))
            key.tones.append(tone)
            key.cases.append(character == lower ? 0 : 1)
        }
        return key
    }

    /// Spaces first, then punctuation, digits, letters in the alphabet's order, then the rest.
    static func weight(_ letter: Character, base: Unicode.Scalar) -> Int {
        if let index = letterIndex[letter] { return 1_000 + index }
        if base.properties.isWhitespace { return 0 }
        if let digit = letter.wholeNumberValue, letter.isASCII { return 500 + digit }
        if base.isASCII { return 100 + Int(base.value) }
        return 2_000 + Int(base.value)
    }

    /// The text a person's full name sorts by in Vietnamese lists: the given name (its last
    /// word) first, then the whole name ("Trần Văn Bình" among the B's).
    public static func personKey(_ fullName: String) -> String {
        let words = fullName.split(separator: " ")
        return words.last.map { "\($0) \(fullName)" } ?? fullName
    }

    /// Whether `a` sorts before `b` (equal texts do not).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let (left, right) = (key(a), key(b))
        return left == right ? a < b : left < right
    }
}

extension Sequence {
    /// The elements sorted by a text in Vietnamese order.
    public func sortedVietnamese(by text: (Element) -> String) -> [Element] {
        let keyed: [(key: VietnameseOrder.Key, name: String, element: Element)] = map { element in
            let name = text(element)
            return (VietnameseOrder.key(name), name, element)
        }
        let sorted = keyed.sorted { left, right in left.key == right.key ? left.name < right.name : left.key < right.key }
        return sorted.map { $0.element }
    }
}
