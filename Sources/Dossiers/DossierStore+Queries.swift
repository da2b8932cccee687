import Core
import Foundation
import SQLKit
import Storage

extension DossierStore {
    /// A dossier with its history, files and the reader's allowed actions; not found when the
    /// reader may not see it (existence is not revealed).
    public func detail(_ code: String, for principal: Principal) async throws -> DossierDetail {
        let now = clock.millis()
        return try await database.read { db in
            guard let row = try await DossierRow.load(code: code, db),
                DossierVisibility.canRead(row, agencies: try await DossierRow.agencies(of: row.id, db), principal: principal)
            else { throw Self.notFound }
            let events = try await db.select().columns("action", "from_status", "to_status", "actor", "actor_role", "agency", "note", "at")
                .from("dossier_events").where("dossier_id", .equal, row.id).orderBy("id")
                .all(decoding: DossierEvent.self, keyDecodingStrategy: .convertFromSnakeCase)
            let attachments = try await Self.attachments(of: row.id, db)
            let actor = DossierVisibility.actor(row, principal: principal)
            let status = row.statusValue
            let paid =
                try await db.select().column("id").from("dossier_payments").where("dossier_id", .equal, row.id)
                .where("status", .equal, Payment.Status.paid.rawValue).first() != nil
            let rated = try await db.select().column("dossier_id").from("dossier_ratings").where("dossier_id", .equal, row.id).first() != nil
            let abilities = DossierAbilities(
                attachPapers: DossierRules.mayAttach(.supplement, by: actor, status: status),
                attachResult: DossierRules.mayAttach(.result, by: actor, status: status),
                pay: DossierRules.mayPay(by: actor, status: status, due: Self.amountDue(row), paid: paid),
                rate: DossierRules.mayRate(by: actor, status: status, rated: rated)
            )
            return DossierDetail(
                dossier: row.dossier,
                events: events,
                attachments: attachments,
                allowedActions: DossierRules.allowedActions(for: actor, status: status),
                overdue: row.dossier.isOverdue(at: now),
                abilities: abilities
            )
        }
    }

    static func attachments(of id: Int64, _ db: any SQLDatabase) async throws -> [Attachment] {
        try await db.select().columns("id", "kind", "document_name", "file_name", "media_type", "size", "sha256", "uploaded_by", "at")
            .from("dossier_attachments").where("dossier_id", .equal, id).orderBy("id")
            .all(decoding: Attachment.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Filters of the work queue.
    public struct QueueFilter: Sendable {
        public var status: DossierStatus?
        public var agency: String?
        public var overdueOnly: Bool

        public init(status: DossierStatus? = nil, agency: String? = nil, overdueOnly: Bool = false) {
            self.status = status
            self.agency = agency
            self.overdueOnly = overdueOnly
        }
    }

    /// Citizens: their own dossiers, newest first. Staff: the dossiers their agency holds now or
    /// received at its desk, soonest appointment first (system-wide roles may name any agency).
    public func list(_ filter: QueueFilter, page: PageRequest, for principal: Principal) async throws -> Page<Dossier> {
        let now = clock.millis()
        let after = try page.afterKey()
        let isCitizen = principal.roles == [.citizen]
        var agency: String?
        if !isCitizen {
            if principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor) {
                agency = filter.agency
            } else {
                guard let own = principal.agency else {
                    throw DomainError.forbidden(messageVi: "Tài khoản chưa gắn cơ quan", messageEn: "Your account has no agency")
                }
                if let requested = filter.agency, requested != own {
                    throw DomainError.forbidden(
                        messageVi: "Chỉ xem được hồ sơ của cơ quan mình",
                        messageEn: "You can only list your own agency's dossiers"
                    )
                }
                agency = own
            }
        }
        let scope = agency
        let rows = try await database.read { db in
            let query = db.select().column("*").from("dossiers")
            if isCitizen { query.where("owner_user_id", .equal, principal.userID) }
            // Staff see what their agency holds now and what its desk received.
            if let scope { query.where { $0.where("current_agency", .equal, scope).orWhere("receiving_agency", .equal, scope) } }
            if let status = filter.status { query.where("status", .equal, status.rawValue) }
            if filter.overdueOnly {
                query.where("due_at", .lessThan, now)
                    .where("status", .in, [DossierStatus.received, .processing].map(\.rawValue))
            }
            if isCitizen {
                // Own dossiers, newest first (keyset cursor on id).
                if let after { query.where("id", .lessThan, after) }
                query.orderBy("id", .descending)
            } else {
                // The queue: soonest appointment first, not-yet-received last (offset cursor).
                query.orderBy(SQLFunction("COALESCE", args: SQLColumn("due_at"), SQLLiteral.numeric("9000000000000000")))
                    .orderBy("id").offset(Int(after ?? 0))
            }
            return try await query.limit(page.limit + 1).all(decoding: DossierRow.self)
        }
        if isCitizen { return Page(fetched: rows, limit: page.limit, key: \.id, transform: \.dossier) }
        let offset = after ?? 0
        return Page(
            items: rows.prefix(page.limit).map(\.dossier),
            nextCursor: rows.count > page.limit ? PageRequest.cursor(after: offset + Int64(page.limit)) : nil
        )
    }

    /// The public status lookup: a dossier code with the phone number or citizen ID given at
    /// submission. Returns only what the applicant needs to know.
    public func lookup(code: String, phoneOrID: String) async throws -> PublicStatus? {
        let key = phoneOrID.filter { !" .-()".contains($0) }
        guard !key.isEmpty, code.count <= 60 else { return nil }
        let now = clock.millis()
        // Only the columns shown, and no applicant JSON to decode: this is the busiest public route.
        let row = try await database.read { db in
            try await db.select().columns(Self.lookupColumns).from("dossiers").where("code", .equal, code).first(decoding: LookupRow.self)
        }
        guard let row, row.applicantPhone == (Self.phone(key) ?? key) || row.applicantCitizenId == key else { return nil }
        let status = DossierStatus(rawValue: row.status) ?? .stopped
        let overdue = row.dueAt.map { now > $0 && !status.clockStopped } ?? false
        return PublicStatus(
            code: row.code,
            procedureName: row.procedureName,
            status: status,
            statusName: status.nameVi,
            statusNameEn: status.nameEn,
            nationalStatus: status.nationalCode,
            receivedAt: row.receivedAt,
            dueAt: row.dueAt,
            overdue: overdue
        )
    }

    static let lookupColumns = SQLColumnList(["code", "procedure_name", "status", "applicant_phone", "applicant_citizen_id", "received_at", "due_at"])

    struct LookupRow: Decodable {
        let code: String, procedureName: String, status: String, applicantPhone: String, applicantCitizenId: String?, receivedAt: Int64?,
            dueAt: Int64?
        enum CodingKeys: String, CodingKey {
            case code
            case procedureName = "procedure_name"
            case status
            case applicantPhone = "applicant_phone"
            case applicantCitizenId = "applicant_citizen_id"
            case receivedAt = "received_at"
            case dueAt = "due_at"
        }
    }
}

/// What the public status lookup reveals.
public struct PublicStatus: Codable, Sendable, Equatable {
    public let code: String
    public let procedureName: String
    public let status: DossierStatus
    public let statusName: String
    public let statusNameEn: String
    public let nationalStatus: Int
    public let receivedAt: Int64?
    public let dueAt: Int64?
    public let overdue: Bool
}
