import Core
import Delivery
import Foundation
import Procedures
import SQLKit
import Storage

extension DossierStore {
    /// What a national-portal outbox message asks for: the record is built when it is sent, from
    /// the dossier as it then stands, so a retry never sends stale data.
    struct NationalMessage: Codable, Sendable {
        enum Kind: String, Codable, Sendable { case sync, progress, ratings }
        var kind: Kind
        var dossier: String?
        var event: Int64?
        var month: String?
        var agency: String?
        var procedure: String?
    }

    static func queueNational(_ message: NationalMessage, key: String, orderingKey: String, now: Int64, _ db: any SQLDatabase) async throws {
        try await Outbox.enqueue(topic: NationalPortalClient.topic, key: key, orderingKey: orderingKey, value: message, on: db, now: now)
    }

    /// The portal request an outbox message stands for, built now. Messages queued before
    /// records were built at send time carry their whole envelope and are sent as they are.
    public func nationalRequest(for payload: String, links: SignedFileLinks) async throws -> NationalPortalRequest {
        let bytes = Data(payload.utf8)
        if let legacy = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any], let service = legacy["service"] as? String {
            let updating = legacy["isUpdating"].map { "\($0)" }.map { ["1", "true", "True"].contains($0) }
            return NationalPortalRequest(
                service: service,
                isUpdating: service == NationalRecord.syncService ? updating : nil,
                data: try JSONSerialization.data(withJSONObject: legacy["data"] ?? [], options: [.sortedKeys])
            )
        }
        let message = try JSONDecoder().decode(NationalMessage.self, from: bytes)
        switch message.kind {
        case .sync: return try await syncRequest(message, links: links)
        case .progress: return try await progressRequest(message)
        case .ratings: return try await ratingRequest(message)
        }
    }

    /// A dossier's history entry with what the national records need.
    struct HistoryEntry: Decodable, Sendable {
        let id: Int64, action: String, toStatus: String, actor: String, actorRole: String, agency: String?, note: String?, at: Int64, dueAt: Int64?
    }

    /// The dossier, its files and its history, read together.
    func nationalState(_ code: String?) async throws -> (row: DossierRow, attachments: [Attachment], history: [HistoryEntry], paidOnline: Bool) {
        try await database.read { db in
            guard let code, let row = try await DossierRow.load(code: code, db) else { throw Self.notFound }
            let history = try await db.select().columns("id", "action", "to_status", "actor", "actor_role", "agency", "note", "at", "due_at")
                .from("dossier_events").where("dossier_id", .equal, row.id).orderBy("id")
                .all(decoding: HistoryEntry.self, keyDecodingStrategy: .convertFromSnakeCase)
            let paid =
                try await db.select().column("id").from("dossier_payments").where("dossier_id", .equal, row.id).where("status", .equal, "paid")
                .first() != nil
            return (row, try await Self.attachments(of: row.id, db), history, paid)
        }
    }

    /// Who did a step, as the portal shows it: an officer's full name and title, the applicant's
    /// name for their own steps (never a login, phone number or citizen ID).
    func actorName(_ entry: HistoryEntry, applicant: Applicant) async throws -> (name: String, title: String) {
        let role = Role(rawValue: entry.actorRole)
        if role == .citizen || role == nil { return (applicant.fullName, "Người nộp hồ sơ") }
        let name = try await accounts.account(username: entry.actor)?.fullName
        return (name ?? role?.nameVi ?? "Cán bộ", role?.nameVi ?? "")
    }

    func agencyName(_ identifier: String?) async throws -> String {
        guard let identifier, !identifier.isEmpty else { return "" }
        return try await directory.agency(identifier)?.name ?? identifier
    }

    func syncRequest(_ message: NationalMessage, links: SignedFileLinks) async throws -> NationalPortalRequest {
        let (row, attachments, history, paidOnline) = try await nationalState(message.dossier)
        let d = row.dossier
        let fees = Self.feeLines(row).enumerated().map { index, fee in
            NationalRecord.SyncRecord.Fee(
                TenPhiLePhi: fee.name,
                MaPhiLePhi: "\(d.procedureCode)-\(index + 1)",
                HinhThucThu: paidOnline ? "2" : "1",
                Gia: String(fee.amount),
                LoaiPhiLePhi: fee.name.lowercased().hasPrefix("lệ phí") ? "2" : "1"
            )
        }
        func file(_ a: Attachment) -> NationalRecord.SyncRecord.SubmittedFile {
            .init(
                TepDinhKemId: String(a.id),
                TenTepDinhKem: a.fileName,
                MaThanhPhanHoSo: "",
                IsDeleted: "False",
                DuongDanTaiTepTin: links.url(forFile: a.id)
            )
        }
        let record = NationalRecord.SyncRecord(
            MaHoSo: d.code,
            MaTTHC: d.procedureCode,
            TenTTHC: d.procedureName,
            MaLinhVuc: row.fieldCode ?? "",
            TenLinhVuc: row.fieldName ?? "",
            ChuHoSo: d.applicant.fullName,
            LoaiDoiTuong: String(d.applicant.kind),
            MaDoiTuong: "",
            ThongTinKhac: "",
            Email: d.applicant.email ?? "",
            Fax: "",
            SoDienThoai: d.applicant.phone,
            TrichYeuHoSo: d.subject,
            NgayTiepNhan: NationalRecord.date(d.receivedAt),
            NgayHenTra: NationalRecord.date(d.dueAt),
            TrangThaiHoSo: String(d.nationalStatus),
            NgayTra: NationalRecord.date(d.returnedAt),
            ThongTinTra: "",
            HinhThuc: d.channel.rawValue == 3 ? "1" : "0",
            NgayKetThucXuLy: NationalRecord.date(d.finishedAt ?? d.endedAt),
            DonViXuLy: try await agencyName(d.currentAgency),
            GhiChu: "",
            KenhThucHien: String(d.channel.rawValue),
            DanhSachLePhi: fees,
            DanhSachTepDinhKemKhac: [],
            DanhSachHoSoBoSung: try await supplements(history, attachments: attachments, applicant: d.applicant, file: file),
            DanhSachGiayToKetQua: attachments.filter { $0.kind == .result }.map {
                .init(GiayToId: String($0.id), TenGiayTo: $0.documentName, MaThanhPhanHoSo: "", DuongDanTepTinKetQua: links.url(forFile: $0.id))
            },
            TaiLieuNop: attachments.filter { $0.kind != .result }.map(file)
        )
        // The first record of a dossier is new at the portal; every later one updates it.
        let isFirst = message.event == nil || message.event == history.first?.id
        return NationalPortalRequest(service: NationalRecord.syncService, isUpdating: !isFirst, data: try Self.portalJSON([record]))
    }

    /// Each supplement request with what answered it: who asked and received, when, the files
    /// that came, and the appointment before and after.
    func supplements(
        _ history: [HistoryEntry],
        attachments: [Attachment],
        applicant: Applicant,
        file: (Attachment) -> NationalRecord.SyncRecord.SubmittedFile
    ) async throws -> [NationalRecord.SyncRecord.Supplement] {
        var items: [NationalRecord.SyncRecord.Supplement] = []
        for (index, request) in history.enumerated() where request.action == DossierAction.requestSupplement.rawValue {
            let answer = history[(index + 1)...].first { $0.action == DossierAction.supplement.rawValue }
            let files = attachments.filter { $0.kind == .supplement && $0.at >= request.at && $0.at <= (answer?.at ?? .max) }
            let asker = try await actorName(request, applicant: applicant)
            var receiver = ""
            if let answer { receiver = try await actorName(answer, applicant: applicant).name }
            items.append(
                .init(
                    HoSoBoSungId: String(request.id),
                    NguoiYeuCauBoSung: asker.name,
                    NoiDungBoSung: request.note ?? "",
                    NgayBoSung: NationalRecord.date(request.at),
                    NguoiTiepNhanBoSung: receiver,
                    ThongTinTiepNhan: answer?.note ?? "",
                    NgayTiepNhanBoSung: NationalRecord.date(answer?.at),
                    TrangThaiBoSung: answer == nil ? "0" : "1",
                    DanhSachGiayToBoSung: files.map(file),
                    DanhSachLePhiBoSung: [],
                    NgayHenTraTruoc: NationalRecord.date(request.dueAt),
                    NgayHenTraMoi: NationalRecord.date(answer?.dueAt)
                )
            )
        }
        return items
    }

    func progressRequest(_ message: NationalMessage) async throws -> NationalPortalRequest {
        let (row, _, history, _) = try await nationalState(message.dossier)
        guard let position = history.firstIndex(where: { $0.id == message.event }) else {
            throw DomainError.notFound(what: "dossier event \(message.event ?? 0)")
        }
        let entry = history[position]
        let (start, deadline) = try await step(at: position, of: history, row: row)
        let actor = try await actorName(entry, applicant: row.dossier.applicant)
        let status = DossierStatus(rawValue: entry.toStatus) ?? row.statusValue
        let record = NationalRecord.ProgressRecord(
            MaHoSo: row.code,
            NguoiXuLy: actor.name,
            ChucDanh: actor.title,
            ThoiDiemXuLy: NationalRecord.date(entry.at),
            PhongBanXuLy: Role(rawValue: entry.actorRole) == .citizen ? "" : try await agencyName(entry.agency),
            NoiDungXuLy: entry.note ?? DossierAction(rawValue: entry.action)?.nameVi ?? "Nộp hồ sơ",
            TrangThai: String(status.nationalCode),
            NgayBatDau: NationalRecord.date(start),
            NgayKetThucTheoQuyDinh: NationalRecord.date(deadline)
        )
        return NationalPortalRequest(service: NationalRecord.progressService, isUpdating: nil, data: try Self.portalJSON([record]))
    }

    /// When the step an entry belongs to began (the receipt, or the forward into it) and its own
    /// deadline (its share of working days in the procedure); before receipt, the submission.
    func step(at position: Int, of history: [HistoryEntry], row: DossierRow) async throws -> (start: Int64, deadline: Int64?) {
        let earlier = history[...position]
        let starts = [DossierAction.receive.rawValue, DossierAction.forward.rawValue]
        guard let begun = earlier.last(where: { starts.contains($0.action) }) else { return (history[position].at, nil) }
        let index = earlier.filter { $0.action == DossierAction.forward.rawValue }.count
        guard let procedure = try await procedures.procedure(row.procedureCode), index < procedure.steps.count else { return (begun.at, row.dueAt) }
        let local = VietnamTime.local(Date(epochMillis: begun.at))
        let end = try await calendar.workingCalendar().addWorkingDays(procedure.steps[index].days, to: local.date)
        return (begun.at, VietnamTime.instant(LocalDateTime(date: end, time: local.time)).epochMillis)
    }

    func ratingRequest(_ message: NationalMessage) async throws -> NationalPortalRequest {
        guard let month = message.month, let agency = message.agency, let procedure = message.procedure, let range = Self.monthRange(month) else {
            throw DomainError.invalid("payload", "Thiếu tháng, đơn vị hoặc thủ tục", "Month, unit or procedure missing")
        }
        let ratings = try await database.read { db in
            try await db.select().column(SQLColumn("rating", table: "r")).column(SQLColumn("comment", table: "r")).from(
                SQLAlias(SQLIdentifier("dossier_ratings"), as: SQLIdentifier("r"))
            )
            .join(
                SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")),
                on: SQLColumn("dossier_id", table: "r"),
                .equal,
                SQLColumn("id", table: "d")
            )
            .where(SQLColumn("receiving_agency", table: "d"), .equal, SQLBind(agency)).where(
                SQLColumn("procedure_code", table: "d"),
                .equal,
                SQLBind(procedure)
            )
            .where(SQLColumn("at", table: "r"), .greaterThanOrEqual, SQLBind(range.lowerBound)).where(
                SQLColumn("at", table: "r"),
                .lessThan,
                SQLBind(range.upperBound)
            )
            .all().map { (try $0.decode(column: "rating", as: Int.self), try $0.decode(column: "comment", as: String?.self)) }
        }
        func share(_ value: Satisfaction) -> String { NationalRecord.percent(ratings.filter { $0.0 == value.rawValue }.count, of: ratings.count) }
        let record = NationalRecord.RatingSummary(
            NgayTongHop: month,
            MaThuTuc: procedure,
            Madonvi: agency,
            TenDonVi: try await agencyName(agency),
            TongSoNguoiDanhGia: String(ratings.count),
            TyLeRatHaiLong: share(.verySatisfied),
            TyLeHaiLong: share(.satisfied),
            TyLeKhongHaiLong: share(.notSatisfied),
            NoiDungDanhGia: ratings.compactMap(\.1).filter { !$0.isEmpty }.joined(separator: "; ")
        )
        return NationalPortalRequest(service: NationalRecord.ratingService, isUpdating: nil, data: try Self.portalJSON([record]))
    }

    /// The instants a month (`M-yyyy`) covers, in Vietnam time.
    static func monthRange(_ month: String) -> Range<Int64>? {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, (1...12).contains(parts[0]), let first = LocalDate(year: parts[1], month: parts[0], day: 1) else { return nil }
        let next = parts[0] == 12 ? LocalDate(year: parts[1] + 1, month: 1, day: 1) : LocalDate(year: parts[1], month: parts[0] + 1, day: 1)
        guard let next else { return nil }
        let start = VietnamTime.instant(LocalDateTime(date: first, time: LocalTime(hour: 0, minute: 0))).epochMillis
        return start..<VietnamTime.instant(LocalDateTime(date: next, time: LocalTime(hour: 0, minute: 0))).epochMillis
    }

    /// Queues last month's rating summaries, one per receiving agency and procedure that had
    /// ratings (once each: the key names the month). Returns how many there are.
    @discardableResult
    public func queueRatingSummaries() async throws -> Int {
        let today = VietnamTime.today(clock.now())
        let last = today.month == 1 ? LocalDate(year: today.year - 1, month: 12, day: 1) : LocalDate(year: today.year, month: today.month - 1, day: 1)
        guard let last, let range = Self.monthRange(NationalRecord.month(last)) else { return 0 }
        let month = NationalRecord.month(last)
        let now = clock.millis()
        return try await database.transaction { db in
            let pairs = try await db.select().distinct().column(SQLColumn("receiving_agency", table: "d")).column(
                SQLColumn("procedure_code", table: "d")
            )
            .from(SQLAlias(SQLIdentifier("dossier_ratings"), as: SQLIdentifier("r")))
            .join(
                SQLAlias(SQLIdentifier("dossiers"), as: SQLIdentifier("d")),
                on: SQLColumn("dossier_id", table: "r"),
                .equal,
                SQLColumn("id", table: "d")
            )
            .where(SQLColumn("at", table: "r"), .greaterThanOrEqual, SQLBind(range.lowerBound)).where(
                SQLColumn("at", table: "r"),
                .lessThan,
                SQLBind(range.upperBound)
            )
            .all().map { (try $0.decode(column: "receiving_agency", as: String.self), try $0.decode(column: "procedure_code", as: String.self)) }
            // The key names the month: queued again, the outbox keeps the first.
            for (agency, procedure) in pairs {
                try await Self.queueNational(
                    NationalMessage(kind: .ratings, month: month, agency: agency, procedure: procedure),
                    key: "ratings#\(month)#\(agency)#\(procedure)",
                    orderingKey: "ratings#\(agency)#\(procedure)",
                    now: now,
                    db
                )
            }
            return pairs.count
        }
    }

    /// Records as the portal's `data` array.
    static func portalJSON<Record: Encodable>(_ records: [Record]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(records)
    }

    /// A dossier file reached through a signed link (the link is the permission).
    public func linkedFile(_ id: Int64) async throws -> (Attachment, Data) {
        let attachment = try await database.read { db in
            try await db.select().columns("id", "kind", "document_name", "file_name", "media_type", "size", "sha256", "uploaded_by", "at")
                .from("dossier_attachments").where("id", .equal, id).first(decoding: Attachment.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        guard let attachment else { throw DomainError.notFound(what: "file \(id)") }
        return (attachment, try await files.get(attachment.sha256))
    }
}
