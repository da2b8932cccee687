import Audit
import Core
import Delivery
import Directory
import Foundation
import Identity
import Procedures
import SQLKit
import Storage

/// Dossiers: creation with gap-free codes, the actions of the state machine with working-day
/// deadlines, history, audit and an outbox of changes for notifications and national sync.
public struct DossierStore: Sendable {
    let database: Database
    let procedures: ProcedureCatalog
    let directory: AgencyDirectory
    let accounts: AccountStore
    let calendar: CalendarStore
    let files: ContentStore
    let clock: WallClock
    /// The largest accepted attachment, in bytes.
    public let maxAttachmentSize: Int
    /// The most asked-for procedures (the home page's), recounted every ten minutes.
    let popularity = ReferenceCache<Int, [PopularProcedure]>(lifetime: .seconds(600))

    public init(
        database: Database,
        procedures: ProcedureCatalog,
        directory: AgencyDirectory,
        accounts: AccountStore,
        calendar: CalendarStore,
        files: ContentStore,
        maxAttachmentSize: Int = 20 * 1024 * 1024,
        clock: WallClock = .system
    ) {
        self.database = database
        self.procedures = procedures
        self.directory = directory
        self.accounts = accounts
        self.calendar = calendar
        self.files = files
        self.maxAttachmentSize = maxAttachmentSize
        self.clock = clock
    }

    static let notFound = DomainError.notFound(what: "dossier")
    /// A new row of `dossier_events`, each column named once by its coding key.
    struct NewEventRow: Encodable {
        let dossierId: Int64
        let action: String
        let fromStatus: String?
        let toStatus: String
        let actorUserId: Int64?
        let actor: String
        let actorRole: String
        let agency: String?
        let note: String?
        let at: Int64
        let dueAt: Int64?
        let stepSeq: Int?
        let stepDueAt: Int64?

        enum CodingKeys: String, CodingKey {
            case dossierId = "dossier_id"
            case action
            case fromStatus = "from_status"
            case toStatus = "to_status"
            case actorUserId = "actor_user_id"
            case actor
            case actorRole = "actor_role"
            case agency, note, at
            case dueAt = "due_at"
            case stepSeq = "step_seq"
            case stepDueAt = "step_due_at"
        }
    }

    // MARK: Creation

    /// Creates a dossier: a citizen's online submission (status submitted) or a counter officer's
    /// receipt (status received, with its appointment). Files are checked and stored first; then
    /// the code, the row, the file records, the first history entry, the audit records and the
    /// outbox message are written in one transaction, so a dossier is never half-created.
    public func create(_ input: NewDossier, attachments: [NewAttachment] = [], by principal: Principal, requestID: String?) async throws -> Dossier {
        guard let procedure = try await procedures.procedure(input.procedureCode) else {
            throw DomainError.invalid("procedureCode", "Không có thủ tục \(input.procedureCode)", "No procedure \(input.procedureCode)")
        }
        let isCitizen = principal.roles == [.citizen]
        if isCitizen, !procedure.onlineLevel.acceptsOnlineSubmission {
            throw DomainError.conflict(
                messageVi: "Thủ tục này chưa nhận hồ sơ trực tuyến",
                messageEn: "This procedure does not accept online submission"
            )
        }
        // Every mistake is reported in one round: the applicant, the commune, the files, the subject.
        var errors: [ValidationError] = []
        var checked = input.applicant
        do { checked = try Self.validated(input.applicant, currentYear: VietnamTime.today(clock.now()).year) } catch DomainError.invalid(
            let found
        ) {
            errors += found
        }
        let applicant = checked
        var chosen: String?
        do { chosen = try await implementingAgency(for: procedure, requested: input.agencyIdentifier) } catch DomainError.invalid(let found) {
            errors += found
        }
        errors += Self.fileProblems(attachments, procedure: procedure, maxSize: maxAttachmentSize)
        if isCitizen {
            errors += DossierRules.missingDocuments(procedure.documents, given: Set(attachments.filter { !$0.data.isEmpty }.map(\.documentName)))
        }
        let givenSubject = input.subject?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if let problem = TextRules.problem(givenSubject, field: "subject", label: ("Trích yếu", "The subject"), limit: 500) {
            errors.append(problem)
        }
        guard errors.isEmpty, let implementing = chosen else { throw DomainError.invalid(errors) }
        // Provincial procedures are received at the province's service center when there is one.
        let center = procedure.agencyIdentifier == nil ? nil : try await directory.provincialServiceCenter()
        let agency = center ?? implementing
        if let given = input.channel, Channel(rawValue: given) == nil || (isCitizen && given != Channel.online.rawValue) {
            throw DomainError.invalid(
                "channel",
                "Kênh nộp là 1 (tại quầy), 2 (trực tuyến, của công dân) hoặc 3 (bưu chính)",
                "channel is 1 (counter), 2 (online, a citizen's own) or 3 (post)"
            )
        }
        let channel: Channel
        if isCitizen {
            channel = .online
        } else if principal.roles.contains(.counterOfficer) {
            guard principal.agency == agency else {
                throw DomainError.forbidden(
                    messageVi: "Chỉ tiếp nhận hồ sơ của cơ quan mình",
                    messageEn: "You can only receive dossiers for your own agency"
                )
            }
            guard let given = Channel(rawValue: input.channel ?? 1), given != .online else {
                throw DomainError.invalid(
                    "channel",
                    "Kênh tại quầy là 1 (trực tiếp) hoặc 3 (bưu chính)",
                    "A counter receipt is channel 1 (in person) or 3 (post)"
                )
            }
            channel = given
        } else {
            throw DomainError.forbidden(
                messageVi: "Chỉ công dân hoặc cán bộ một cửa được nộp hồ sơ",
                messageEn: "Only citizens and counter officers can create dossiers"
            )
        }
        let subject = givenSubject.isEmpty ? procedure.name : givenSubject
        let workingCalendar = try await calendar.workingCalendar()
        let now = clock.now()
        let local = VietnamTime.local(now)
        let status: DossierStatus = isCitizen ? .submitted : .received
        let due =
            isCitizen
            ? nil
            : VietnamTime.instant(
                Deadlines.due(
                    receivedAt: local,
                    processingDays: procedure.processingDays,
                    cutoff: procedure.cutoffTime.flatMap(LocalTime.init),
                    calendar: workingCalendar
                )
            ).epochMillis
        let stepAgencies = procedure.steps.map { $0.agencyIdentifier ?? implementing }
        let applicantJSON = String(decoding: try JSONEncoder().encode(applicant), as: UTF8.self)
        let storedFiles = try await attachments.asyncMap(store)
        let feesJSON = String(decoding: try JSONEncoder().encode(procedure.fees.map { FeeLine(name: $0.name, amount: $0.amount) }), as: UTF8.self)
        let clock = clock
        let action = isCitizen ? "submit" : DossierAction.receive.rawValue
        let involved = Array(Set([agency, implementing] + stepAgencies)).sorted()
        // The day's sequence row stays locked from taking the number to the commit, and every
        // submission to the agency that day waits for it: so nothing is read back that is already
        // known, and the audit chain and outbox are gathered and written just before commit.
        return try await database.transaction { db in
            let sequence = try await Self.nextSequence(agency: agency, day: local.date, db)
            let code = DossierRules.code(agency: agency, date: local.date, sequence: sequence)
            let new = DossierRow(
                id: 0,
                code: code,
                procedureCode: procedure.code,
                procedureName: procedure.name,
                receivingAgency: agency,
                implementingAgency: implementing,
                currentAgency: stepAgencies.first ?? implementing,
                currentStep: 0,
                stepCount: procedure.steps.count,
                assignedUserId: nil,
                assignedUsername: nil,
                channel: channel.rawValue,
                status: status.rawValue,
                resumeStatus: nil,
                applicant: applicantJSON,
                applicantPhone: applicant.phone,
                applicantCitizenId: applicant.citizenId,
                subject: subject,
                ownerUserId: isCitizen ? principal.userID : nil,
                createdAt: now.epochMillis,
                receivedAt: isCitizen ? nil : now.epochMillis,
                dueAt: due,
                pausedAt: nil,
                pausedDays: 0,
                supplementCount: 0,
                extensionCount: 0,
                finishedAt: nil,
                endedAt: nil,
                returnedAt: nil,
                updatedAt: now.epochMillis,
                version: 1,
                fieldCode: procedure.fieldCode,
                fieldName: procedure.fieldName,
                fees: feesJSON,
                endAt: nil,
                onlineLevel: procedure.onlineLevel.rawValue
            )
            guard
                let row = try await db.insert(into: "dossiers").model(new)
                    .returning("*").first(decoding: DossierRow.self)
            else { throw StorageError.corrupt("insert returned no row") }
            let agencies = db.insert(into: "dossier_agencies").columns("dossier_id", "agency_identifier")
            for identifier in involved { agencies.values(SQLBind(row.id), SQLBind(identifier)) }
            try await agencies.run()
            _ = try await Self.insert(
                storedFiles,
                kind: .submission,
                dossierID: row.id,
                code: code,
                by: principal,
                requestID: requestID,
                now: now.epochMillis,
                clock: clock,
                db
            )
            if !isCitizen { try await Self.openPart(row, index: 0, procedure: procedure, start: now, dossierDue: due, calendar: workingCalendar, db) }
            try await Self.recordEvent(row: row, action: action, from: nil, to: status, principal: principal, note: nil, now: now, db)
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "dossier.\(action)",
                    targetType: "dossier",
                    targetID: row.code,
                    requestID: requestID,
                    change: ["procedure": procedure.code, "agency": agency, "channel": String(channel.rawValue), "status": status.rawValue]
                ),
                on: db,
                clock: clock
            )
            return row.dossier
        }
    }

    /// The next number of the day for an agency; part of the caller's transaction, so a rolled
    /// back creation gives its number back (codes stay gap-free).
    static func nextSequence(agency: String, day: LocalDate, _ db: any SQLDatabase) async throws -> Int {
        guard
            let row = try await db.insert(into: "dossier_sequences").columns("agency_identifier", "day", "last_value")
                .values(SQLBind(agency), SQLBind(day.iso), SQLBind(1))
                .onConflict(with: ["agency_identifier", "day"], do: { $0.set("last_value", to: SQLRaw("dossier_sequences.last_value + 1")) })
                .returning("last_value").first()
        else {
            throw StorageError.corrupt("dossier sequence missing")
        }
        return try row.decode(column: "last_value", as: Int.self)
    }

    /// The agency responsible: the procedure's own, or the commune chosen for commune-level ones.
    func implementingAgency(for procedure: Procedure, requested: String?) async throws -> String {
        if let fixed = procedure.agencyIdentifier {
            if let requested, !requested.isEmpty, requested != fixed, try await directory.provincialServiceCenter() != requested {
                throw DomainError.invalid("agencyIdentifier", "Thủ tục này do \(fixed) giải quyết", "This procedure is handled by \(fixed)")
            }
            return fixed
        }
        guard let requested, !requested.isEmpty else {
            throw DomainError.invalid("agencyIdentifier", "Chọn cơ quan tiếp nhận (xã, phường)", "Choose the receiving agency (commune or ward)")
        }
        guard let agency = try await directory.agency(requested), agency.kind == .peopleCommittee, agency.parentIdentifier != nil else {
            throw DomainError.invalid(
                "agencyIdentifier",
                "Cơ quan \(requested) không tiếp nhận thủ tục cấp xã",
                "\(requested) does not receive commune-level procedures"
            )
        }
        return agency.identifier
    }

    static func validated(_ applicant: Applicant, currentYear: Int) throws -> Applicant {
        var errors: [ValidationError] = []
        var result = applicant
        result.fullName = applicant.fullName.trimmingCharacters(in: .whitespacesAndNewlines)
        if result.fullName.isEmpty {
            errors.append(
                ValidationError(field: "applicant.fullName", messageVi: "Cần họ tên chủ hồ sơ", messageEn: "The applicant's name is required")
            )
        } else if let problem = TextRules.problem(
            result.fullName,
            field: "applicant.fullName",
            label: ("Họ tên chủ hồ sơ", "The applicant's name"),
            limit: 200
        ) {
            errors.append(problem)
        }
        if ![1, 2].contains(applicant.kind) {
            errors.append(
                ValidationError(
                    field: "applicant.kind",
                    messageVi: "Loại đối tượng là 1 (công dân) hoặc 2 (doanh nghiệp)",
                    messageEn: "kind is 1 (citizen) or 2 (business)"
                )
            )
        }
        if let phone = Self.phone(applicant.phone) {
            result.phone = phone
        } else {
            errors.append(ValidationError(field: "applicant.phone", messageVi: "Số điện thoại không hợp lệ", messageEn: "Invalid phone number"))
        }
        if let id = applicant.citizenId, !id.isEmpty {
            do { result.citizenId = try CitizenID(id, currentYear: currentYear).value } catch {
                errors.append(ValidationError(field: "applicant.citizenId", messageVi: error.messageVi, messageEn: error.messageEn))
            }
        } else {
            result.citizenId = nil
        }
        if let email = applicant.email, !email.isEmpty, !(email.count <= 100 && email.contains("@") && !email.contains(where: \.isWhitespace)) {
            errors.append(ValidationError(field: "applicant.email", messageVi: "Thư điện tử không hợp lệ", messageEn: "Invalid e-mail"))
        }
        if let address = applicant.address,
            let problem = TextRules.problem(address, field: "applicant.address", label: ("Địa chỉ", "The address"), limit: 300)
        {
            errors.append(problem)
        }
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        return result
    }

    /// A Vietnamese phone number normalised to `0…` (mobile or landline, 10–11 digits).
    static func phone(_ text: String) -> String? {
        var digits = text.filter { !" .-()".contains($0) }
        if digits.hasPrefix("+84") { digits = "0" + digits.dropFirst(3) }
        guard (10...11).contains(digits.count), digits.hasPrefix("0"), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }

    /// Writes the history entry and queues the national-portal sync (full record, then the
    /// progress step) in the caller's transaction, reading the dossier as it now stands.
    static func recordEvent(
        id: Int64,
        code: String,
        action: String,
        from: DossierStatus?,
        to: DossierStatus,
        principal: Principal,
        note: String?,
        now: Date,
        _ db: any SQLDatabase
    ) async throws {
        guard let row = try await DossierRow.load(code: code, db) else { throw StorageError.corrupt("dossier vanished") }
        try await recordEvent(row: row, action: action, from: from, to: to, principal: principal, note: note, now: now, db)
    }

    /// The same, for a caller that already holds the dossier as it now stands: the history
    /// entry (with the appointment as it stands), then what it tells the outside (the
    /// national-portal sync — full record, then the progress step — and the applicant's notifications).
    static func recordEvent(
        row: DossierRow,
        action: String,
        from: DossierStatus?,
        to: DossierStatus,
        principal: Principal,
        note: String?,
        now: Date,
        _ db: any SQLDatabase
    ) async throws {
        let part = try await lastPart(of: row.id, db)
        guard
            let inserted = try await db.insert(into: "dossier_events")
                .model(
                    NewEventRow(
                        dossierId: row.id,
                        action: action,
                        fromStatus: from?.rawValue,
                        toStatus: to.rawValue,
                        actorUserId: principal.userID,
                        actor: principal.username,
                        actorRole: principal.primaryRole.rawValue,
                        agency: principal.agency,
                        note: note,
                        at: now.epochMillis,
                        dueAt: row.dueAt,
                        stepSeq: part?.seq,
                        stepDueAt: part?.dueAt
                    ),
                    nilEncodingStrategy: .asNil
                )
                .returning("id").first()
        else { throw StorageError.corrupt("insert returned no id") }
        let eventID = try inserted.decode(column: "id", as: Int64.self)
        let code = row.code
        try await notify(row, action: action, note: note, eventID: eventID, now: now.epochMillis, db)
        // The records themselves are built when sent (`nationalRequest`), in this dossier's order.
        for (kind, service) in [(NationalMessage.Kind.sync, NationalRecord.syncService), (.progress, NationalRecord.progressService)] {
            try await queueNational(
                NationalMessage(kind: kind, dossier: code, event: eventID),
                key: "\(code)#\(eventID)#\(service)",
                orderingKey: code,
                now: now.epochMillis,
                db
            )
        }
    }

    struct FeeLine: Codable {
        let name: String
        let amount: Int64
    }

    /// The procedure's fees at submission, as kept on the dossier.
    static func feeLines(_ row: DossierRow) -> [FeeLine] {
        (try? JSONDecoder().decode([FeeLine].self, from: Data((row.fees ?? "[]").utf8))) ?? []
    }

    /// Tells the applicant, by e-mail and SMS, when the dossier is received, when something is
    /// missing, and when the result is ready (queued in the same transaction, sent by workers).
    static func notify(_ row: DossierRow, action: String, note: String?, eventID: Int64, now: Int64, _ db: any SQLDatabase) async throws {
        let d = row.dossier
        let text: (subject: String, body: String, sms: String)
        let due = d.dueAt.map { VietnamTime.display(Date(epochMillis: $0)) } ?? ""
        switch action {
        case DossierAction.receive.rawValue:
            text = (
                "Đã tiếp nhận hồ sơ \(d.code)",
                "Hồ sơ \(d.code) (\(d.procedureName)) đã được tiếp nhận lúc \(d.receivedAt.map { VietnamTime.display(Date(epochMillis: $0)) } ?? ""). "
                    + "Ngày hẹn trả kết quả: \(due).",
                "Hồ sơ \(d.code) đã được tiếp nhận. Hẹn trả kết quả: \(due)."
            )
        case DossierAction.requestSupplement.rawValue:
            text = (
                "Hồ sơ \(d.code) cần bổ sung",
                "Hồ sơ \(d.code) cần bổ sung, hoàn thiện: \(note ?? ""). Thời gian bổ sung không tính vào thời hạn giải quyết.",
                "Hồ sơ \(d.code) cần bổ sung: \(note ?? "")"
            )
        case DossierAction.recordResult.rawValue:
            text = (
                "Hồ sơ \(d.code) đã có kết quả",
                "Hồ sơ \(d.code) (\(d.procedureName)) đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã đăng ký.",
                "Hồ sơ \(d.code) đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã đăng ký."
            )
        default:
            return
        }
        if let email = d.applicant.email, !email.isEmpty {
            try await Outbox.enqueue(
                topic: SMTPClient.topic,
                key: "\(d.code)#\(eventID)",
                value: EmailMessage(to: email, subject: text.subject, body: text.body),
                on: db,
                now: now
            )
        }
        try await Outbox.enqueue(
            topic: SMSMessage.topic,
            key: "\(d.code)#\(eventID)",
            value: SMSMessage(to: d.applicant.phone, text: text.sms),
            on: db,
            now: now
        )
    }
}
