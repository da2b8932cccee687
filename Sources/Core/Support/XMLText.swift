/// The characters XML 1.0 allows (§2.2): text with any other cannot be sent in an edXML
/// package, so it is refused where it is entered, naming the field.
public enum XMLText {
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
    }

    /// The first character XML does not allow, if any.
    public static func firstForbidden(in text: String) -> Unicode.Scalar? { text.unicodeScalars.first { !isAllowed($0) } }

    /// `U+FFFE`, for messages.
    public static func code(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
