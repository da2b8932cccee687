import Core
import Foundation

/// The reporting definitions a new province starts from (and the quick start shows): the
/// one-stop results of Circular 01/2020/TT-VPCP (its columns as indicators), the plan's
/// digital-government targets, and a small socio-economic set; with their disaggregations,
/// checks and three templates.
public enum ReportingDemo {
    static let office = "000.00.01.H19"
    static let science = "000.00.08.H19"
    static let finance = "000.00.03.H19"

    public static let categoryCombos: [CategoryCombo] = [
        CategoryCombo(
            code: "GioiTinh",
            nameVi: "Giới tính",
            nameEn: "Sex",
            options: [.init(code: "Nam", nameVi: "Nam", nameEn: "Male"), .init(code: "Nu", nameVi: "Nữ", nameEn: "Female")]
        ),
        CategoryCombo(
            code: "KhuVuc",
            nameVi: "Khu vực",
            nameEn: "Area",
            options: [.init(code: "ThanhThi", nameVi: "Thành thị", nameEn: "Urban"), .init(code: "NongThon", nameVi: "Nông thôn", nameEn: "Rural")]
        ),
    ]

    /// The one-stop form's columns (Circular 01/2020, forms II.06a and 06), in its order.
    public static let oneStopColumns: [(code: String, vi: String, en: String)] = [
        ("TongSo", "Tổng số hồ sơ", "Dossiers in total"),
        ("TiepNhanTrucTuyen", "Tiếp nhận trực tuyến", "Received online"),
        ("TiepNhanTrucTiep", "Tiếp nhận trực tiếp, bưu chính", "Received in person or by post"),
        ("KyTruocChuyenSang", "Từ kỳ trước chuyển sang", "Carried over"),
        ("DaXuLy", "Đã giải quyết", "Processed"),
        ("DaXuLyTruocHan", "Giải quyết trước hạn", "Processed before the deadline"),
        ("DaXuLyDungHan", "Giải quyết đúng hạn", "Processed on the deadline"),
        ("DaXuLyQuaHan", "Giải quyết quá hạn", "Processed late"),
        ("DangXuLy", "Đang giải quyết", "In progress"),
        ("DangXuLyTrongHan", "Đang giải quyết trong hạn", "In progress within the deadline"),
        ("DangXuLyQuaHan", "Đang giải quyết quá hạn", "In progress, overdue"),
    ]

    public static var indicators: [Indicator] {
        var list = oneStopColumns.enumerated().map { index, column in
            Indicator(
                code: "TTHC.\(column.code)",
                nameVi: column.vi,
                nameEn: column.en,
                unit: "hồ sơ",
                parentCode: index == 0 ? nil : "TTHC.TongSo"
            )
        }
        list += [
            Indicator(
                code: "TTHC.TyLeTrucTuyen",
                nameVi: "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
                nameEn: "Share of dossiers received online",
                unit: "%",
                valueType: .percent,
                aggregation: .weightedAverage,
                weightCode: "TTHC.TongSo",
                formula: "TTHC.TiepNhanTrucTuyen / (TTHC.TiepNhanTrucTuyen + TTHC.TiepNhanTrucTiep) * 100"
            ),
            Indicator(
                code: "TTHC.TyLeDungHan",
                nameVi: "Tỷ lệ hồ sơ giải quyết đúng hạn",
                nameEn: "Share of dossiers processed on time",
                unit: "%",
                valueType: .percent,
                aggregation: .weightedAverage,
                weightCode: "TTHC.DaXuLy",
                formula: "(TTHC.DaXuLyTruocHan + TTHC.DaXuLyDungHan) / TTHC.DaXuLy * 100"
            ),
        ]
        // The plan's 2025 digital-government targets.
        let percent: [(String, String, String)] = [
            ("CDS.HoSoTrucTuyen", "Tỷ lệ hồ sơ trực tuyến toàn trình", "Share of dossiers fully online"),
            ("CDS.VanBanDienTu", "Tỷ lệ văn bản trao đổi dưới dạng điện tử", "Share of documents exchanged electronically"),
            ("CDS.BaoCaoQuaHeThong", "Tỷ lệ báo cáo định kỳ gửi qua hệ thống", "Share of periodic reports sent through the system"),
            ("CDS.HaiLong", "Mức độ hài lòng của người dân", "Citizens' satisfaction"),
            ("CDS.CoQuanCoDuLieuMo", "Tỷ lệ cơ quan công bố dữ liệu mở", "Share of agencies publishing open data"),
        ]
        list += percent.map { code, vi, en in Indicator(code: code, nameVi: vi, nameEn: en, unit: "%", valueType: .percent, aggregation: .average) }
        list.append(
            Indicator(
                code: "CDS.HeThongDuocPheDuyetCapDo",
                nameVi: "Số hệ thống thông tin được phê duyệt cấp độ an toàn",
                nameEn: "Information systems with an approved security level",
                unit: "hệ thống",
                aggregation: .last
            )
        )
        list += [
            Indicator(
                code: "KTXH.DanSo",
                nameVi: "Dân số trung bình",
                nameEn: "Average population",
                unit: "người",
                aggregation: .last,
                categoryComboCode: "GioiTinh"
            ),
            Indicator(
                code: "KTXH.ThuNganSach",
                nameVi: "Thu ngân sách nhà nước",
                nameEn: "State budget revenue",
                unit: "triệu đồng",
                valueType: .decimal
            ),
            Indicator(code: "KTXH.DoanhNghiepMoi", nameVi: "Số doanh nghiệp thành lập mới", nameEn: "New enterprises", unit: "doanh nghiệp"),
            Indicator(
                code: "KTXH.HoNgheo",
                nameVi: "Số hộ nghèo",
                nameEn: "Poor households",
                unit: "hộ",
                aggregation: .last,
                categoryComboCode: "KhuVuc"
            ),
        ]
        return list
    }

    public static let rules: [ValidationRule] = [
        ValidationRule(
            code: "TTHC.TongSoBangNguon",
            nameVi: "Tổng số bằng tiếp nhận trực tuyến, trực tiếp và kỳ trước chuyển sang",
            left: "TTHC.TiepNhanTrucTuyen + TTHC.TiepNhanTrucTiep + TTHC.KyTruocChuyenSang",
            comparison: .equal,
            right: "TTHC.TongSo"
        ),
        ValidationRule(
            code: "TTHC.TongSoBangKetQua",
            nameVi: "Tổng số bằng đã giải quyết cộng đang giải quyết",
            left: "TTHC.DaXuLy + TTHC.DangXuLy",
            comparison: .equal,
            right: "TTHC.TongSo"
        ),
        ValidationRule(
            code: "TTHC.DaXuLyBangCacPhan",
            nameVi: "Đã giải quyết bằng trước hạn, đúng hạn và quá hạn",
            left: "TTHC.DaXuLyTruocHan + TTHC.DaXuLyDungHan + TTHC.DaXuLyQuaHan",
            comparison: .equal,
            right: "TTHC.DaXuLy"
        ),
        ValidationRule(
            code: "TTHC.DangXuLyBangCacPhan",
            nameVi: "Đang giải quyết bằng trong hạn cộng quá hạn",
            left: "TTHC.DangXuLyTrongHan + TTHC.DangXuLyQuaHan",
            comparison: .equal,
            right: "TTHC.DangXuLy"
        ),
        ValidationRule(
            code: "KTXH.ThuNganSachKhongAm",
            nameVi: "Thu ngân sách không âm",
            left: "KTXH.ThuNganSach",
            comparison: .greaterOrEqual,
            right: "0",
            severity: .warning
        ),
    ]

    public static var templates: [ReportTemplate] {
        [
            ReportTemplate(
                code: "06/VPCP/KSTT",
                nameVi: "Tình hình, kết quả giải quyết thủ tục hành chính tại cơ quan, đơn vị trực tiếp giải quyết",
                nameEn: "Administrative procedures handled by the processing agency",
                frequency: .quarterly,
                sections: [
                    .init(
                        code: "KQ",
                        titleVi: "Kết quả giải quyết thủ tục hành chính",
                        titleEn: "Results",
                        indicatorCodes: oneStopColumns.map { "TTHC.\($0.code)" }
                    )
                ],
                narrative: [
                    .init(code: "DanhGia", titleVi: "Đánh giá chung", guidanceVi: "Những kết quả nổi bật, tồn tại, nguyên nhân"),
                    .init(code: "KienNghi", titleVi: "Kiến nghị, đề xuất"),
                ],
                assignment: .init(groups: [.provincialDepartments, .communes]),
                receivingAgency: office,
                deadline: .init(days: 3),
                ruleCodes: ["TTHC.TongSoBangNguon", "TTHC.TongSoBangKetQua", "TTHC.DaXuLyBangCacPhan", "TTHC.DangXuLyBangCacPhan"]
            ),
            ReportTemplate(
                code: "CDS/KHCN/01",
                nameVi: "Kết quả thực hiện các chỉ tiêu chuyển đổi số",
                nameEn: "Digital transformation targets",
                frequency: .sixMonths,
                sections: [
                    .init(
                        code: "ChiTieu",
                        titleVi: "Chỉ tiêu chính quyền số",
                        indicatorCodes: [
                            "CDS.HoSoTrucTuyen", "CDS.VanBanDienTu", "CDS.BaoCaoQuaHeThong", "CDS.HaiLong", "CDS.CoQuanCoDuLieuMo",
                            "CDS.HeThongDuocPheDuyetCapDo",
                        ]
                    )
                ],
                assignment: .init(groups: [.provincialDepartments]),
                receivingAgency: science,
                deadline: .init(days: 5)
            ),
            ReportTemplate(
                code: "KTXH/THANG",
                nameVi: "Báo cáo tình hình kinh tế - xã hội hằng tháng",
                nameEn: "Monthly socio-economic report",
                frequency: .monthly,
                sections: [
                    .init(code: "DanSo", titleVi: "Dân số", indicatorCodes: ["KTXH.DanSo"], categoryComboCode: "GioiTinh"),
                    .init(code: "NganSach", titleVi: "Ngân sách, doanh nghiệp", indicatorCodes: ["KTXH.ThuNganSach", "KTXH.DoanhNghiepMoi"]),
                    .init(code: "GiamNgheo", titleVi: "Giảm nghèo", indicatorCodes: ["KTXH.HoNgheo"], categoryComboCode: "KhuVuc"),
                ],
                narrative: [.init(code: "TinhHinh", titleVi: "Tình hình chung")],
                assignment: .init(groups: [.communes]),
                receivingAgency: finance,
                deadline: .init(days: 2),
                ruleCodes: ["KTXH.ThuNganSachKhongAm"]
            ),
        ]
    }
}

extension ReportingStore {
    /// Loads the demo definitions that are not there yet (parents and formula inputs first);
    /// returns how many were added.
    @discardableResult
    public func loadDemo() async throws -> Int {
        let seed = Principal.system("seed")
        var added = 0
        for combo in ReportingDemo.categoryCombos where try await categoryCombo(combo.code) == nil {
            try await saveCategoryCombo(combo, by: seed, requestID: nil)
            added += 1
        }
        for indicator in ReportingDemo.indicators where try await self.indicator(indicator.code) == nil {
            try await saveIndicator(indicator, by: seed, requestID: nil)
            added += 1
        }
        let existingRules = Set(try await rules().map(\.code))
        for rule in ReportingDemo.rules where !existingRules.contains(rule.code) {
            try await saveRule(rule, by: seed, requestID: nil)
            added += 1
        }
        for template in ReportingDemo.templates where try await self.template(template.code) == nil {
            try await saveTemplate(template, by: seed, requestID: nil)
            added += 1
        }
        return added
    }
}
