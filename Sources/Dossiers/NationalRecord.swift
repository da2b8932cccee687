// The national portal's own field names (MaHoSo, TrangThaiHoSo, …) are kept as the portal spells them.
// swift-format-ignore-file: AlwaysUseLowerCamelCase

import Core
import Foundation

/// The records of the National Public Service Portal (`DongBoHoSoMC`, `CapNhatTienDoHoSoMC`,
/// `DongBoDanhGia`) as working integrations send them (docs/national-portal.md): the portal's
/// field names, every scalar a JSON string, dates `yyyyMMddHHmmss` in Vietnam time.
public enum NationalRecord {
    public static let syncService = "DongBoHoSoMC"
    public static let progressService = "CapNhatTienDoHoSoMC"
    public static let ratingService = "DongBoDanhGia"

    /// `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh, with the real seconds; "" for none.
    public static func date(_ millis: Int64?) -> String {
        guard let millis else { return "" }
        let local = VietnamTime.local(Date(epochMillis: millis))
        let d = local.date
        let t = local.time
        let seconds = Int(((millis / 1000) % 60 + 60) % 60)
        func pad(_ n: Int, _ w: Int = 2) -> String { String(repeating: "0", count: max(0, w - String(n).count)) + String(n) }
        return "\(pad(d.year, 4))\(pad(d.month))\(pad(d.day))\(pad(t.minutes / 60))\(pad(t.minutes % 60))\(pad(seconds))"
    }

    /// `M-yyyy`, the month of a rating summary (`NgayTongHop`).
    public static func month(_ date: LocalDate) -> String { "\(date.month)-\(date.year)" }

    /// A share as the summaries write it: a percentage with two decimals ("66.67").
    static func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "0.00" }
        let hundredths = (part * 10_000 + total / 2) / total
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    // The portal's field names are its own (Vietnamese, capitalised); the members keep them.
    // swiftlint:disable identifier_name

    /// The dossier as it stands (`DongBoHoSoMC`).
    struct SyncRecord: Encodable {
        struct SubmittedFile: Encodable {
            let TepDinhKemId: String, TenTepDinhKem: String, MaThanhPhanHoSo: String, IsDeleted: String, DuongDanTaiTepTin: String
        }
        struct ResultDocument: Encodable {
            let GiayToId: String, TenGiayTo: String, MaThanhPhanHoSo: String, DuongDanTepTinKetQua: String
        }
        struct Fee: Encodable { let TenPhiLePhi: String, MaPhiLePhi: String, HinhThucThu: String, Gia: String, LoaiPhiLePhi: String }
        struct Supplement: Encodable {
            let HoSoBoSungId: String, NguoiYeuCauBoSung: String, NoiDungBoSung: String, NgayBoSung: String, NguoiTiepNhanBoSung: String
            let ThongTinTiepNhan: String, NgayTiepNhanBoSung: String, TrangThaiBoSung: String, DanhSachGiayToBoSung: [SubmittedFile]
            let DanhSachLePhiBoSung: [Fee], NgayHenTraTruoc: String, NgayHenTraMoi: String
        }
        let MaHoSo: String, MaTTHC: String, TenTTHC: String, MaLinhVuc: String, TenLinhVuc: String
        let ChuHoSo: String, LoaiDoiTuong: String, MaDoiTuong: String, ThongTinKhac: String, Email: String, Fax: String, SoDienThoai: String
        let TrichYeuHoSo: String, NgayTiepNhan: String, NgayHenTra: String, TrangThaiHoSo: String, NgayTra: String, ThongTinTra: String
        let HinhThuc: String, NgayKetThucXuLy: String, DonViXuLy: String, GhiChu: String, KenhThucHien: String
        let DanhSachLePhi: [Fee], DanhSachTepDinhKemKhac: [SubmittedFile], DanhSachHoSoBoSung: [Supplement]
        let DanhSachGiayToKetQua: [ResultDocument], TaiLieuNop: [SubmittedFile]
    }

    /// One processing step (`CapNhatTienDoHoSoMC`).
    struct ProgressRecord: Encodable {
        let MaHoSo: String, NguoiXuLy: String, ChucDanh: String, ThoiDiemXuLy: String, PhongBanXuLy: String, NoiDungXuLy: String
        let TrangThai: String, NgayBatDau: String, NgayKetThucTheoQuyDinh: String
    }

    /// A month's ratings of one unit and procedure (`DongBoDanhGia`).
    struct RatingSummary: Encodable {
        let NgayTongHop: String, MaThuTuc: String, Madonvi: String, TenDonVi: String, TongSoNguoiDanhGia: String
        let TyLeRatHaiLong: String, TyLeHaiLong: String, TyLeKhongHaiLong: String, NoiDungDanhGia: String
    }
    // swiftlint:enable identifier_name
}
