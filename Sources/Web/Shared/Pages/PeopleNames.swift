import Core
import Identity

/// Who did something, as a page names them: a person's full name, a system's name in words,
/// never an account's username or an internal name.
public struct PeopleNames: Sendable {
    let names: [String: String]
    let language: Language

    /// The systems that act without a person, by the principal name they act as.
    static let systems: [String: (vi: String, en: String)] = [
        "system": ("Hệ thống", "The system"), "seed": ("Hệ thống", "The system"), "cli": ("Hệ thống", "The system"),
        "migrate": ("Hệ thống", "The system"), "payment-gateway": ("Cổng thanh toán", "The payment gateway"),
        "axis": ("Trục liên thông văn bản quốc gia", "The national document axis"), "tsa": ("Dịch vụ cấp dấu thời gian", "The time-stamp service"),
        "national-portal": ("Cổng Dịch vụ công quốc gia", "The national public-service portal"),
    ]

    /// The names of `usernames`, read in one query.
    public static func of(_ usernames: some Sequence<String>, accounts: AccountStore, language: Language) async throws -> PeopleNames {
        PeopleNames(names: try await accounts.fullNames(of: Set(usernames)), language: language)
    }

    public init(names: [String: String], language: Language) {
        self.names = names
        self.language = language
    }

    /// The person's or system's name; an unknown account is shown as it was recorded.
    public subscript(_ username: String) -> String {
        if let name = names[username] { return name }
        if let system = Self.systems[username] { return language == .vi ? system.vi : system.en }
        return username
    }
}
