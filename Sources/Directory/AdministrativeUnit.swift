/// An administrative unit (tỉnh/thành phố, phường/xã; huyện only as history). The levels and
/// their nesting are data: `level` names the tier and `parentCode` links units.
public struct AdministrativeUnit: Codable, Sendable, Equatable {
    /// The General Statistics Office code (`75` for Đồng Nai, `26068` for Phường Biên Hòa).
    public let code: String
    public let name: String
    /// Local type as published: `tỉnh`, `thành phố trung ương`, `phường`, `xã`, `đặc khu`…
    public let unitType: String
    /// `province`, `district` (history only) or `commune`.
    public let level: String
    public let parentCode: String?
    public let codename: String
    /// When the unit stopped existing (yyyy-MM-dd), for historical units.
    public let validTo: String?
}
