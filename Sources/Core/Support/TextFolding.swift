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

/// SMS texts in the GSM 7-bit alphabet: Vietnamese letters without their diacritics (a text with
/// one diacritic is sent as UCS-2, 70 characters a segment, and costs three segments or more),
/// within one 160-character segment; a longer text is cut at a word with "...".
public enum SMSText {
    public static let segmentLength = 160

    public static func plain(_ text: String) -> String {
        var result = ""
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark: continue
            default: break
            }
            switch scalar {
            case "đ": result.append("d")
            case "Đ": result.append("D")
            case "…": result.append("...")
            case "–", "—": result.append("-")
            case "“", "”", "„": result.append("\"")
            case "‘", "’": result.append("'")
            case "\u{00A0}", "\t", "\n", "\r": result.append(" ")
            default: result.unicodeScalars.append(scalar.isASCII ? scalar : "?")
            }
        }
        let single = result.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard single.count > segmentLength else { return single }
        let room = single.prefix(segmentLength - 3)
        let cut = room.lastIndex(of: " ").map { room[..<$0] } ?? room
        return cut.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:")) + "..."
    }
}
