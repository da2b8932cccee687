import Core

/// Pure rules for account fields.
public enum AccountRules {
    /// Passwords: 10–72 UTF-8 bytes (bcrypt reads at most 72), with a letter and a digit.
    public static func checkPassword(_ password: String) throws(ValidationError) {
        let bytes = password.utf8.count
        guard bytes >= 10, bytes <= 72, password.contains(where: \.isLetter), password.contains(where: \.isNumber) else {
            throw ValidationError(
                field: "password",
                messageVi: "Mật khẩu phải dài 10–72 ký tự, có cả chữ và số",
                messageEn: "Password must be 10–72 characters with both letters and digits"
            )
        }
    }

    /// Staff usernames: 3–50 of a–z, 0–9, dot, dash, underscore.
    public static func staffUsername(_ text: String) throws(ValidationError) -> String {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard (3...50).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw ValidationError(
                field: "username",
                messageVi: "Tên đăng nhập phải có 3–50 ký tự a–z, 0–9, dấu chấm, gạch ngang hoặc gạch dưới",
                messageEn: "Username must be 3–50 characters of a–z, 0–9, dot, dash or underscore"
            )
        }
        return name
    }

    /// A Vietnamese mobile number (`0` + 9 digits, or `+84` + 9 digits), normalised to `0…`.
    public static func phone(_ text: String) -> String? {
        var digits = text.filter { !" .-()".contains($0) }
        if digits.hasPrefix("+84") { digits = "0" + digits.dropFirst(3) }
        guard digits.count == 10, digits.hasPrefix("0"), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// The username a person types to sign in or confirm: a phone number normalised, else the
    /// text trimmed and lower-cased.
    public static func username(_ text: String) -> String {
        phone(text) ?? text.trimmingCharacters(in: .whitespaces).lowercased()
    }

    public static func email(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 100, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix("."),
            !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
        else { return nil }
        return email
    }

    public static func fullName(_ text: String) throws(ValidationError) -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...120).contains(name.count), !name.contains(where: { $0.isNewline }) else {
            throw ValidationError(field: "fullName", messageVi: "Họ và tên phải có 1–120 ký tự", messageEn: "Full name must be 1–120 characters")
        }
        return name
    }

    /// The problems of an optional e-mail and phone as typed on a staff account (empty is none).
    public static func contactProblems(email: String?, phone: String?) -> [ValidationError] {
        var errors: [ValidationError] = []
        if let email, !email.isEmpty, Self.email(email) == nil {
            errors.append(ValidationError(field: "email", messageVi: "Địa chỉ thư điện tử không hợp lệ", messageEn: "Invalid e-mail address"))
        }
        if let phone, !phone.isEmpty, Self.phone(phone) == nil {
            errors.append(ValidationError(field: "phone", messageVi: "Số điện thoại không hợp lệ", messageEn: "Invalid phone number"))
        }
        return errors
    }

    /// A staff account holds at least one role and never the citizen's.
    public static func staffRolesProblem(_ roles: Set<Role>) -> ValidationError? {
        guard roles.isEmpty || roles.contains(.citizen) else { return nil }
        return ValidationError(
            field: "roles",
            messageVi: "Tài khoản cán bộ cần ít nhất một vai trò cán bộ",
            messageEn: "A staff account needs at least one staff role"
        )
    }
}
