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
                     supplementNotes: [String]) -> SyncRecord {
        let d = row.dossier
        return SyncRecord(
            ChuHoSo: d.applicant.fullName,
            DanhSachGiayToKetQua: attachments.filter { $0.kind == .result }.map { .init(TenGiayTo: $0.documentName, TenTepDinhKem: $0.fileName) },
            DanhSachHoSoBoSung: supplementNotes.map { .init(NoiDungBoSung: $0) },
            DanhSachLePhi: fees.map { .init(MucPhi: $0.1, TenPhiLePhi: $0.0) },
            DonViXuLy: d.currentAgency, Email: d.applicant.email ?? "", KenhThucHien: d.channel.rawValue, LoaiDoiTuong: d.applicant.kind,
            MaHoSo: d.code, MaLinhVuc: fieldCode, MaTTHC: d.procedureCode, NgayHenTra: date(d.dueAt), NgayKetThucXuLy: date(d.finishedAt ?? d.endedAt),
            NgayTiepNhan: date(d.receivedAt), NgayTra: date(d.returnedAt), SoDienThoai: d.applicant.phone,
            TaiLieuNop: attachments.filter { $0.kind != .result }.map { .init(TenGiayTo: $0.documentName, TenTepDinhKem: $0.fileName, TepDinhKemId: String($0.id)) },
            TenLinhVuc: fieldName, TenTTHC: d.procedureName, TrangThaiHoSo: d.nationalStatus, TrichYeuHoSo: d.subject)
    }

    /// One processing step (`CapNhatTienDoHoSoMC`).
    static func progress(code: String, action: String, principal: Principal, note: String?, at: Int64, status: DossierStatus,
                         stepStart: Int64?, due: Int64?) -> ProgressRecord {
        ProgressRecord(ChucDanh: principal.primaryRole.nameVi, MaHoSo: code, NgayBatDau: date(stepStart), NgayKetThucTheoQuyDinh: date(due),
                       NguoiXuLy: principal.username, NoiDungXuLy: note ?? (DossierAction(rawValue: action)?.nameVi ?? "Nộp hồ sơ trực tuyến"),
                       PhongBanXuLy: principal.agency ?? "", ThoiDiemXuLy: date(at), TrangThai: status.nationalCode)
    }

    /// The portal's request body: `{"data": [record], "isUpdating": …, "service": …}`, keys in
    /// sorted order as the portal's samples show them (declaration order is the output order).
    static func envelope<Record: Encodable>(service: String, isUpdating: Bool, record: Record) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Envelope(data: [record], isUpdating: isUpdating, service: service)), as: UTF8.self)
    }

    struct Envelope<Record: Encodable>: Encodable { let data: [Record]; let isUpdating: Bool; let service: String }

    // The portal's field names are its own (Vietnamese, capitalised); the members keep them.
    // swiftlint:disable identifier_name
    struct SyncRecord: Encodable {
        struct ResultDocument: Encodable { let TenGiayTo: String; let TenTepDinhKem: String }
        struct Supplement: Encodable { let NoiDungBoSung: String }
        struct Fee: Encodable { let MucPhi: Int64; let TenPhiLePhi: String }
        struct SubmittedFile: Encodable { let TenGiayTo: String; let TenTepDinhKem: String; let TepDinhKemId: String }
        let ChuHoSo: String
        let DanhSachGiayToKetQua: [ResultDocument]
        let DanhSachHoSoBoSung: [Supplement]
        let DanhSachLePhi: [Fee]
        let DonViXuLy: String
        let Email: String
        let KenhThucHien: Int
        let LoaiDoiTuong: Int
        let MaHoSo: String
        let MaLinhVuc: String
        let MaTTHC: String
        let NgayHenTra: String
        let NgayKetThucXuLy: String
        let NgayTiepNhan: String
        let NgayTra: String
        let SoDienThoai: String
        let TaiLieuNop: [SubmittedFile]
        let TenLinhVuc: String
        let TenTTHC: String
        let TrangThaiHoSo: Int
        let TrichYeuHoSo: String
    }

    struct ProgressRecord: Encodable {
        let ChucDanh: String
        let MaHoSo: String
        let NgayBatDau: String
        let NgayKetThucTheoQuyDinh: String
        let NguoiXuLy: String
        let NoiDungXuLy: String
        let PhongBanXuLy: String
        let ThoiDiemXuLy: String
        let TrangThai: Int
    }

    struct RatingRecord: Encodable {
        let MaHoSo: String
        let MucDoHaiLong: Int
        let NgayDanhGia: String
        let NoiDungDanhGia: String
    }
    // swiftlint:enable identifier_name
}
