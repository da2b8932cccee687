import Core

/// A type of official document (thể loại văn bản) with its abbreviation under Decree 30/2020.
public struct DocumentType: Codable, Sendable, Hashable {
    public let code: String
    public let nameVi: String
    /// Empty for a công văn, whose notation carries the drafting unit instead.
    public let abbreviation: String

    public var isLetter: Bool { abbreviation.isEmpty }

    /// Every type of Decree 30/2020 (appendix III), công văn first.
    public static let all: [DocumentType] = [
        .init(code: "CV", nameVi: "Công văn", abbreviation: ""),
        .init(code: "NQ", nameVi: "Nghị quyết", abbreviation: "NQ"), .init(code: "QD", nameVi: "Quyết định", abbreviation: "QĐ"),
        .init(code: "CT", nameVi: "Chỉ thị", abbreviation: "CT"), .init(code: "QC", nameVi: "Quy chế", abbreviation: "QC"),
        .init(code: "QyD", nameVi: "Quy định", abbreviation: "QyĐ"), .init(code: "TC", nameVi: "Thông cáo", abbreviation: "TC"),
        .init(code: "TB", nameVi: "Thông báo", abbreviation: "TB"), .init(code: "HD", nameVi: "Hướng dẫn", abbreviation: "HD"),
        .init(code: "CTr", nameVi: "Chương trình", abbreviation: "CTr"), .init(code: "KH", nameVi: "Kế hoạch", abbreviation: "KH"),
        .init(code: "PA", nameVi: "Phương án", abbreviation: "PA"), .init(code: "DA", nameVi: "Đề án", abbreviation: "ĐA"),
        .init(code: "DAn", nameVi: "Dự án", abbreviation: "DA"), .init(code: "BC", nameVi: "Báo cáo", abbreviation: "BC"),
        .init(code: "BB", nameVi: "Biên bản", abbreviation: "BB"), .init(code: "TTr", nameVi: "Tờ trình", abbreviation: "TTr"),
        .init(code: "HDg", nameVi: "Hợp đồng", abbreviation: "HĐ"), .init(code: "CD", nameVi: "Công điện", abbreviation: "CĐ"),
        .init(code: "BGN", nameVi: "Bản ghi nhớ", abbreviation: "BGN"), .init(code: "BTT", nameVi: "Bản thỏa thuận", abbreviation: "BTT"),
        .init(code: "GUQ", nameVi: "Giấy ủy quyền", abbreviation: "GUQ"), .init(code: "GM", nameVi: "Giấy mời", abbreviation: "GM"),
        .init(code: "GGT", nameVi: "Giấy giới thiệu", abbreviation: "GGT"), .init(code: "GNP", nameVi: "Giấy nghỉ phép", abbreviation: "GNP"),
        .init(code: "PG", nameVi: "Phiếu gửi", abbreviation: "PG"), .init(code: "PC", nameVi: "Phiếu chuyển", abbreviation: "PC"),
        .init(code: "PB", nameVi: "Phiếu báo", abbreviation: "PB"),
    ]

    /// Types an agency receives but does not issue: legal documents of the central and
    /// provincial authorities (Law 80/2015 on legal documents), and a place for anything else.
    public static let receivedOnly: [DocumentType] = [
        .init(code: "Lu", nameVi: "Luật", abbreviation: "L"), .init(code: "PL", nameVi: "Pháp lệnh", abbreviation: "PL"),
        .init(code: "Le", nameVi: "Lệnh", abbreviation: "L"), .init(code: "ND", nameVi: "Nghị định", abbreviation: "NĐ"),
        .init(code: "TT", nameVi: "Thông tư", abbreviation: "TT"), .init(code: "TTLT", nameVi: "Thông tư liên tịch", abbreviation: "TTLT"),
        .init(code: "NQLT", nameVi: "Nghị quyết liên tịch", abbreviation: "NQLT"), .init(code: "VBK", nameVi: "Văn bản khác", abbreviation: ""),
    ]

    /// Every type of Decree 30/2020 (`all`, which an agency issues) and those only received.
    public static func find(_ code: String) -> DocumentType? { (all + receivedOnly).first { $0.code == code } }

    /// The type of a received document from the name edXML carries (`Báo cáo tổng kết` is a
    /// báo cáo: the longest type name it starts with), else from its notation's type
    /// abbreviation (`15/TT-BNV`), else "other document" (never silently a công văn).
    public static func named(_ name: String, notation: String = "") -> DocumentType {
        let folded = TextFolding.fold(name).trimmingCharacters(in: .whitespaces)
        let known = all + receivedOnly
        if let exact = known.first(where: { TextFolding.fold($0.nameVi) == folded }) { return exact }
        let prefixed = known.filter { folded.hasPrefix(TextFolding.fold($0.nameVi) + " ") }.max { $0.nameVi.count < $1.nameVi.count }
        if let prefixed { return prefixed }
        let abbreviation = notation.split(separator: "-").first.map(String.init) ?? ""
        if !abbreviation.isEmpty, let byNotation = known.first(where: { !$0.abbreviation.isEmpty && $0.abbreviation == abbreviation }) {
            return byNotation
        }
        return receivedOnly[receivedOnly.count - 1]
    }
}

/// Độ khẩn, with the edXML Priority code (0 normal … 4 flash at a set time).
public enum Urgency: Int, Codable, Sendable, CaseIterable {
    case normal = 0
    case urgent = 1
    case veryUrgent = 2
    case flash = 3
    case flashTimed = 4

    public var nameVi: String {
        switch self {
        case .normal: "Thường"
        case .urgent: "Khẩn"
        case .veryUrgent: "Thượng khẩn"
        case .flash: "Hỏa tốc"
        case .flashTimed: "Hỏa tốc hẹn giờ"
        }
    }
}

/// Độ mật. Secret documents use their own number series and are visible only to those named.
public enum Secrecy: Int, Codable, Sendable, CaseIterable {
    case normal = 0
    case confidential = 1
    case secret = 2
    case topSecret = 3

    public var nameVi: String {
        switch self {
        case .normal: "Thường"
        case .confidential: "Mật"
        case .secret: "Tối mật"
        case .topSecret: "Tuyệt mật"
        }
    }

    public var isSecret: Bool { self != .normal }
}
