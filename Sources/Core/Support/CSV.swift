import Foundation

/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, UTF-8 (BOM tolerated).
public enum CSV {
    /// Parses rows; the first row is usually a header.
    public static func parse(_ text: String) throws(ValidationError) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var iterator = (text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).makeIterator()
        while let ch = iterator.next() {
            if inQuotes {
                if ch == "\"" {
                    inQuotes = false
                    afterQuote = true
                } else {
                    if ch == "\n" || ch == "\r\n" { line += 1 }
                    field.append(ch)
                }
                continue
            }
            switch ch {
            case "\"":
                if afterQuote {
                    field.append("\"")
                    inQuotes = true
                    afterQuote = false
                } else if field.isEmpty {
                    inQuotes = true
                } else {
                    throw ValidationError(
                        field: "csv",
                        messageVi: "Dấu nháy kép sai vị trí ở dòng \(line)",
                        messageEn: "Unexpected quote on line \(line)"
                    )
                }
            case ",":
                row.append(field)
                field = ""
                afterQuote = false
            case "\n", "\r\n", "\r":
                row.append(field)
                field = ""
                afterQuote = false
                rows.append(row)
                row = []
                line += 1
            default:
                if afterQuote {
                    throw ValidationError(
                        field: "csv",
                        messageVi: "Ký tự thừa sau dấu nháy ở dòng \(line)",
                        messageEn: "Characters after a closing quote on line \(line)"
                    )
                }
                field.append(ch)
            }
        }
        if inQuotes { throw ValidationError(field: "csv", messageVi: "Thiếu dấu nháy đóng", messageEn: "Unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows.filter { !($0.count == 1 && $0[0].isEmpty) }
    }

    /// Parses a CSV with a header into dictionaries keyed by column name.
    public static func records(_ text: String) throws(ValidationError) -> [[String: String]] {
        let rows = try parse(text)
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { row in
            var record: [String: String] = [:]
            for (index, name) in header.enumerated() where index < row.count { record[name] = unprotect(row[index]) }
            return record
        }
    }

    /// Writes rows, quoting fields that need it. Lines end with CRLF.
    public static func write(_ rows: [[String]]) -> String {
        rows.map { $0.map(quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// Undoes the formula protection that `quote` adds on export.
    static func unprotect(_ value: String) -> String {
        guard value.hasPrefix("'"), let next = value.dropFirst().first, "=+-@\t".contains(next) else { return value }
        return String(value.dropFirst())
    }

    static func quote(_ field: String) -> String {
        // A leading = + - @ would be a formula in spreadsheets: prefix with a quote (CSV injection).
        var value = field
        if let first = value.first, "=+-@\t".contains(first), Double(value) == nil { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
