/// The electronic identifier of an agency (mã định danh điện tử, Decision 20/2020/QĐ-TTg):
/// four dot-separated segments, lowest level first, top level last, e.g. `000.00.00.H19`.
public struct AgencyIdentifier: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let value: String

    /// Validates `text` against `rules`; throws a field-named validation error.
    public init(_ text: String, rules: AgencyIdentifierRules = .standard) throws(ValidationError) {
        let normalized = text.trimmingCharacters(in: .whitespaces).uppercased()
        try rules.validate(normalized)
        value = normalized
    }

    public var segments: [Substring] { value.split(separator: ".") }

    /// The top-level group, e.g. `H19` for Đồng Nai.
    public var topLevel: String { String(segments.last ?? "") }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.messageEn))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// The shape of agency identifiers. Segment widths 3.2.2.3 are inferred from published
/// examples, not from the text of the decision, so they are configuration.
public struct AgencyIdentifierRules: Sendable {
    public var segmentWidths: [Int]
    public var maxLength: Int

    public init(segmentWidths: [Int] = [3, 2, 2, 3], maxLength: Int = 35) {
        self.segmentWidths = segmentWidths
        self.maxLength = maxLength
    }

    public static let standard = AgencyIdentifierRules()

    func validate(_ text: String) throws(ValidationError) {
        let field = "identifier"
        func fail(_ vi: String, _ en: String) -> ValidationError {
            ValidationError(
                field: field,
                messageVi: "Mã định danh \"\(text)\" không hợp lệ: \(vi)",
                messageEn: "Agency identifier \"\(text)\" is invalid: \(en)"
            )
        }
        guard !text.isEmpty else { throw fail("không được để trống", "it must not be empty") }
        guard text.count <= maxLength else { throw fail("dài quá \(maxLength) ký tự", "longer than \(maxLength) characters") }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == segmentWidths.count else {
            throw fail(
                "phải gồm \(segmentWidths.count) nhóm ký tự cách nhau bởi dấu chấm",
                "it must have \(segmentWidths.count) dot-separated segments"
            )
        }
        for (segment, width) in zip(segments, segmentWidths) {
            guard segment.count == width, segment.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) }) else {
                throw fail(
                    "nhóm \"\(segment)\" phải có \(width) chữ số hoặc chữ cái in hoa",
                    "segment \"\(segment)\" must be \(width) digits or capital letters"
                )
            }
        }
        guard let top = segments.last?.first, top.isLetter else {
            throw fail("nhóm cấp cao nhất phải bắt đầu bằng chữ cái (G, H, K…)", "the top-level segment must start with a letter (G, H, K…)")
        }
    }
}
