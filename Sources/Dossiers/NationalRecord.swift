import Core
import Foundation

/// The records the National Public Service Portal expects (`DongBoHoSoMC`,
/// `CapNhatTienDoHoSoMC`), with its field names; dates are `yyyyMMddHHmmss` in Vietnam time.
public enum NationalRecord {
    public static let syncService = "DongBoHoSoMC"
    public static let progressService = "CapNhatTienDoHoSoMC"
    public static let ratingService = "DongBoDanhGia"

    public static func date(_ millis: Int64?) -> String {
        guard let millis else { return "" }
        let local = VietnamTime.local(Date(epochMillis: millis))
        let d = local.date, t = local.time
        func pad(_ n: Int, _ w: Int = 2) -> String { String(repeating: "0", count: max(0, w - String(n).count)) + String(n) }
        return "\(pad(d.year, 4))\(pad(d.month))\(pad(d.day))\(pad(t.minutes / 60))\(pad(t.minutes % 60))00"
    }

    /// The full dossier record (`DongBoHoSoMC`).
    static func sync(_ row: DossierRow, fieldCode: String, fieldName: String, fees: [(String, Int64)], attachments: [Attachment],
                     supplementNotes: [String]) -> [String: Any] {
        let d = row.dossier
        return [
            "MaHoSo": d.code, "MaTTHC": d.procedureCode, "TenTTHC": d.procedureName, "MaLinhVuc": fieldCode, "TenLinhVuc": fieldName,
            "LoaiDoiTuong": d.applicant.kind, "ChuHoSo": d.applicant.fullName, "SoDienThoai": d.applicant.phone, "Email": d.applicant.email ?? "",
            "TrichYeuHoSo": d.subject, "NgayTiepNhan": date(d.receivedAt), "NgayHenTra": date(d.dueAt), "TrangThaiHoSo": d.nationalStatus,
            "NgayKetThucXuLy": date(d.finishedAt ?? d.endedAt), "NgayTra": date(d.returnedAt), "DonViXuLy": d.currentAgency,
            "KenhThucHien": d.channel.rawValue,
            "TaiLieuNop": attachments.filter { $0.kind != .result }.map { ["TepDinhKemId": String($0.id), "TenTepDinhKem": $0.fileName, "TenGiayTo": $0.documentName] },
            "DanhSachLePhi": fees.map { ["TenPhiLePhi": $0.0, "MucPhi": $0.1] },
            "DanhSachHoSoBoSung": supplementNotes.map { ["NoiDungBoSung": $0] },
            "DanhSachGiayToKetQua": attachments.filter { $0.kind == .result }.map { ["TenGiayTo": $0.documentName, "TenTepDinhKem": $0.fileName] },
        ]
    }

    /// One processing step (`CapNhatTienDoHoSoMC`).
    static func progress(code: String, action: String, principal: Principal, note: String?, at: Int64, status: DossierStatus,
                         stepStart: Int64?, due: Int64?) -> [String: Any] {
        [
            "MaHoSo": code, "NguoiXuLy": principal.username, "ChucDanh": principal.primaryRole.nameVi, "ThoiDiemXuLy": date(at),
            "PhongBanXuLy": principal.agency ?? "", "NoiDungXuLy": note ?? (DossierAction(rawValue: action)?.nameVi ?? "Nộp hồ sơ trực tuyến"),
            "TrangThai": status.nationalCode, "NgayBatDau": date(stepStart), "NgayKetThucTheoQuyDinh": date(due),
        ]
    }
}
