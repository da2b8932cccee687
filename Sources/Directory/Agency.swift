import Core

/// What kind of body an agency is.
public enum AgencyKind: String, Codable, Sendable, CaseIterable {
    case peopleCommittee = "people_committee"
    case peoplesCouncil = "peoples_council"
    case office
    case department
    case serviceCenter = "service_center"
    case other
}

/// A unit inside an agency (phòng, ban), identified by a short code.
public struct Department: Codable, Sendable, Equatable {
    public let code: String
    public let name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// An agency (cơ quan, đơn vị) of the directory.
public struct Agency: Codable, Sendable, Equatable {
    public let identifier: String
    public let name: String
    /// The abbreviation used in document notation (`UBND`, `SNV`, …).
    public let shortName: String
    public let parentIdentifier: String?
    public let adminUnitCode: String?
    public let kind: AgencyKind
    public let email: String?
    public let phone: String?
    public let address: String?
    public var departments: [Department]?
}

/// An agency as given by an operator (API, CSV or JSON import), before validation.
public struct AgencyInput: Codable, Sendable, Equatable {
    public var identifier: String
    public var name: String
    public var shortName: String
    public var parentIdentifier: String?
    public var adminUnitCode: String?
    public var kind: String?
    public var email: String?
    public var phone: String?
    public var address: String?

    public init(
        identifier: String,
        name: String,
        shortName: String,
        parentIdentifier: String? = nil,
        adminUnitCode: String? = nil,
        kind: String? = nil,
        email: String? = nil,
        phone: String? = nil,
        address: String? = nil
    ) {
        self.identifier = identifier
        self.name = name
        self.shortName = shortName
        self.parentIdentifier = parentIdentifier
        self.adminUnitCode = adminUnitCode
        self.kind = kind
        self.email = email
        self.phone = phone
        self.address = address
    }

    /// The CSV columns of agency import and export, in order.
    public static let csvColumns = ["identifier", "name", "short_name", "parent_identifier", "admin_unit_code", "kind", "email", "phone", "address"]

    public init(csv record: [String: String]) {
        func value(_ key: String) -> String? {
            guard let v = record[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        self.init(
            identifier: value("identifier") ?? "",
            name: value("name") ?? "",
            shortName: value("short_name") ?? "",
            parentIdentifier: value("parent_identifier"),
            adminUnitCode: value("admin_unit_code"),
            kind: value("kind"),
            email: value("email"),
            phone: value("phone"),
            address: value("address")
        )
    }

    /// Checks the rules that need no database; returns the normalised agency.
    public func validated(row: Int? = nil) throws(DomainError) -> Agency {
        var errors: [ValidationError] = []
        let prefix = row.map { "rows[\($0)]." } ?? ""
        func fail(_ field: String, _ vi: String, _ en: String) {
            errors.append(ValidationError(field: prefix + field, messageVi: vi, messageEn: en))
        }
        var identifier = ""
        do { identifier = try AgencyIdentifier(self.identifier).value } catch {
            errors.append(ValidationError(field: prefix + "identifier", messageVi: error.messageVi, messageEn: error.messageEn))
        }
        var parent: String?
        if let p = parentIdentifier, !p.isEmpty {
            do { parent = try AgencyIdentifier(p).value } catch { fail("parentIdentifier", error.messageVi, error.messageEn) }
            if parent == identifier { fail("parentIdentifier", "Cơ quan không thể là cấp trên của chính nó", "An agency cannot be its own parent") }
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { fail("name", "Tên cơ quan phải có từ 1 đến 200 ký tự", "Name must be 1 to 200 characters") }
        let shortName = shortName.trimmingCharacters(in: .whitespaces)
        if shortName.isEmpty || shortName.count > 20 || !shortName.allSatisfy({ $0.isLetter || $0.isNumber }) {
            fail("shortName", "Tên viết tắt phải có 1–20 chữ cái hoặc chữ số, không dấu cách", "Short name must be 1–20 letters or digits, no spaces")
        }
        let kind = AgencyKind(rawValue: self.kind ?? AgencyKind.other.rawValue)
        if kind == nil {
            fail(
                "kind",
                "Loại cơ quan không hợp lệ (\(AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")))",
                "Unknown agency kind (\(AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        if let email, !email.isEmpty, !Self.looksLikeEmail(email) { fail("email", "Địa chỉ thư điện tử không hợp lệ", "Invalid e-mail address") }
        if let phone, !phone.isEmpty, !(phone.count <= 20 && phone.allSatisfy({ $0.isNumber || " +-.()".contains($0) })) {
            fail("phone", "Số điện thoại không hợp lệ", "Invalid phone number")
        }
        if let address, address.count > 500 { fail("address", "Địa chỉ dài quá 500 ký tự", "Address longer than 500 characters") }
        guard errors.isEmpty, let kind else { throw .invalid(errors) }
        return Agency(
            identifier: identifier,
            name: name,
            shortName: shortName,
            parentIdentifier: parent,
            adminUnitCode: adminUnitCode,
            kind: kind,
            email: email.nilIfEmpty,
            phone: phone.nilIfEmpty,
            address: address.nilIfEmpty,
            departments: nil
        )
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return text.count <= 100 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace)
    }
}

extension Optional where Wrapped == String {
    var nilIfEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

extension Agency {
    /// The agency as an input row (for export, which must import back unchanged).
    public var input: AgencyInput {
        AgencyInput(
            identifier: identifier,
            name: name,
            shortName: shortName,
            parentIdentifier: parentIdentifier,
            adminUnitCode: adminUnitCode,
            kind: kind.rawValue,
            email: email,
            phone: phone,
            address: address
        )
    }

    public var csvRow: [String] {
        [identifier, name, shortName, parentIdentifier ?? "", adminUnitCode ?? "", kind.rawValue, email ?? "", phone ?? "", address ?? ""]
    }
}
