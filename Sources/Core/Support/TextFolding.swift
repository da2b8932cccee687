import Foundation

/// Text normalisation for search that ignores Vietnamese diacritics and case:
/// "Đăng ký hộ kinh doanh" and "dang ky ho kinh doanh" fold to the same key.
public enum TextFolding {
    /// A `LIKE` pattern matching `text` anywhere; `%` and `_` in it are dropped, not wildcards.
    public static func containsPattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
    }

    public static func fold(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark: continue
            default: break
            }
            if scalar == "đ" { result.append("d") } else { result.unicodeScalars.append(scalar) }
        }
        return result.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
