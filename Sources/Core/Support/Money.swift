/// Amounts in Vietnamese đồng.
public enum Money {
    /// `1250000` → `1.250.000 ₫` (dot as thousands separator, as written in Vietnam).
    public static func vnd(_ amount: Int64) -> String {
        let digits = String(amount.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(".") }
            grouped.append(digit)
        }
        return (amount < 0 ? "-" : "") + grouped + " ₫"
    }
}
