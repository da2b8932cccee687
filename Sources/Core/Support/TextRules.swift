/// Rules for text a person types into a field (names, subjects, addresses): within its limit —
/// refused beyond, never cut — and without control characters other than tab and line breaks,
/// which are refused too (they hide text, break exports and logs).
public enum TextRules {
    /// The problem with `text` in `field`, or nil when it is fine. `multiline` allows line breaks.
    public static func problem(_ text: String, field: String, label: (vi: String, en: String), limit: Int, multiline: Bool = false)
        -> ValidationError?
    {
        if text.count > limit {
            return ValidationError(
                field: field,
                messageVi: "\(label.vi) dài tối đa \(limit) ký tự (đang có \(text.count))",
                messageEn: "\(label.en) is at most \(limit) characters (it has \(text.count))"
            )
        }
        if let bad = text.unicodeScalars.first(where: { isControl($0, multiline: multiline) }) {
            let code = "U+" + String(bad.value, radix: 16, uppercase: true)
            return ValidationError(
                field: field,
                messageVi: "\(label.vi) chứa ký tự điều khiển không được phép (\(code))",
                messageEn: "\(label.en) contains a control character that is not allowed (\(code))"
            )
        }
        return nil
    }

    static func isControl(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        if scalar == "\t" { return false }
        if multiline && (scalar == "\n" || scalar == "\r") { return false }
        return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || [0x2028, 0x2029, 0xFEFF].contains(scalar.value)
    }
}
