/// A role held by an account. A staff account may hold several.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case citizen
    case counterOfficer = "counter_officer"
    case processingOfficer = "processing_officer"
    case clerk
    case leader
    case agencyAdmin = "agency_admin"
    case systemAdmin = "system_admin"
    case auditor

    public var nameVi: String {
        switch self {
        case .citizen: "Công dân, doanh nghiệp"
        case .counterOfficer: "Cán bộ tiếp nhận (một cửa)"
        case .processingOfficer: "Chuyên viên xử lý"
        case .clerk: "Văn thư"
        case .leader: "Lãnh đạo"
        case .agencyAdmin: "Quản trị cơ quan"
        case .systemAdmin: "Quản trị hệ thống"
        case .auditor: "Kiểm toán, giám sát"
        }
    }

    public var nameEn: String {
        switch self {
        case .citizen: "Citizen or business"
        case .counterOfficer: "Counter officer (one-stop desk)"
        case .processingOfficer: "Processing officer"
        case .clerk: "Clerk (registry)"
        case .leader: "Leader"
        case .agencyAdmin: "Agency administrator"
        case .systemAdmin: "System administrator"
        case .auditor: "Auditor"
        }
    }

    /// Roles that only staff (accounts tied to an agency) may hold.
    public var isStaffRole: Bool { self != .citizen && self != .systemAdmin && self != .auditor }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
