/// A 12-digit personal identification number (số định danh cá nhân / CCCD): 3 digits for the
/// province of birth registration, 1 for century and sex, 2 for the year of birth, 6 random.
public struct CitizenID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let value: String

    /// Province codes used in personal identification numbers (the 63 pre-2025 provinces).
    static let provinceCodes: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
        "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
        "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
        "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
        "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
    ]

    public init(_ text: String, currentYear: Int) throws(ValidationError) {
        let digits = text.trimmingCharacters(in: .whitespaces)
        func fail(_ vi: String, _ en: String) -> ValidationError {
            ValidationError(field: "citizenId", messageVi: "Số định danh cá nhân không hợp lệ: \(vi)", messageEn: "Invalid citizen ID: \(en)")
        }
        guard digits.count == 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw fail("phải gồm đúng 12 chữ số", "it must be exactly 12 digits")
        }
        let chars = Array(digits)
        guard Self.provinceCodes.contains(String(chars[0..<3])) else {
            throw fail("mã tỉnh \"\(String(chars[0..<3]))\" không tồn tại", "province code \"\(String(chars[0..<3]))\" does not exist")
        }
        let centuryDigit = Int(String(chars[3]))!
        let century = 1900 + (centuryDigit / 2) * 100
        let birthYear = century + Int(String(chars[4..<6]))!
        guard birthYear <= currentYear else {
            throw fail("năm sinh \(birthYear) ở tương lai", "birth year \(birthYear) is in the future")
        }
        value = digits
    }

    public var description: String { value }
}
