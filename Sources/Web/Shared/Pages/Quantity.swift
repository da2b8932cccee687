import Core

/// Counted things in words: Vietnamese has no plural ("1 ngày", "3 ngày"); English says
/// "1 working day", "3 working days".
enum Quantity {
    static func workingDays(_ n: Int, _ language: Language) -> String {
        language == .vi ? "\(n) ngày làm việc" : (n == 1 ? "1 working day" : "\(n) working days")
    }

    static func copies(_ n: Int, _ language: Language) -> String {
        language == .vi ? "\(n) bản" : (n == 1 ? "1 copy" : "\(n) copies")
    }

    /// A search's outcome; `more` when further pages follow (the first `n` are shown).
    static func procedures(found n: Int, more: Bool, _ language: Language) -> String {
        if more {
            return language == .vi ? "\(n) thủ tục phù hợp nhất (còn nữa ở trang sau)" : "The \(n) best matching procedures (more on the next page)"
        }
        return language == .vi ? "Tìm thấy \(n) thủ tục" : (n == 1 ? "1 procedure found" : "\(n) procedures found")
    }
}
