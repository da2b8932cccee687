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
        /// The work queue's tab (staff); nil is `all`.
        public var view: QueueView?

        public init(status: DossierStatus? = nil, agency: String? = nil, overdueOnly: Bool = false, view: QueueView? = nil) {
            self.status = status
            self.agency = agency
            self.overdueOnly = overdueOnly
            self.view = view
        }
    }

    /// The tabs of a work queue. `mine`: open dossiers assigned to me, and for the desk (counter
    /// officers, leaders) those held by my agency and assigned to nobody; `overdue`: open ones past their appointment; `waiting`:
    /// open ones waiting for the applicant (a supplement or a payment); `all`: everything.
    public enum QueueView: String, Sendable, CaseIterable {
        case mine, overdue, waiting, all

        public var nameVi: String {
            switch self {
            case .mine: "Cần tôi xử lý"
            case .overdue: "Quá hạn"
            case .waiting: "Chờ công dân"
            case .all: "Tất cả"
            }
        }

        public var nameEn: String {
            switch self {
            case .mine: "Needs me"
            case .overdue: "Overdue"
            case .waiting: "Waiting for the applicant"
            case .all: "All"
            }
        }
    }

    static let finalStatuses = DossierStatus.allCases.filter(\.isFinal).map(\.rawValue)
    /// 1 for a finished dossier, 0 for an open one (the statuses are the enum's own names).
    static let finishedLast = SQLRaw("CASE WHEN status IN (\(finalStatuses.map { "'\($0)'" }.joined(separator: ", "))) THEN 1 ELSE 0 END")
    /// The statuses whose deadline runs (`Dossier.isOverdue`'s rule).
    static let runningStatuses = DossierStatus.allCases.filter { !$0.clockStopped }.map(\.rawValue)
    static let waitingStatuses = [DossierStatus.supplementRequested, .awaitingPayment].map(\.rawValue)

    /// The agency whose dossiers `principal` lists (nil: any, for system-wide roles, or the
    /// citizen's own), refusing an agency they may not see.
    static func listedAgency(_ filter: QueueFilter, for principal: Principal) throws -> String? {
        if principal.roles == [.citizen] { return nil }
        if principal.roles.contains(.systemAdmin) || principal.roles.contains(.auditor) { return filter.agency }
        guard let own = principal.agency else {
            throw DomainError.forbidden(messageVi: "Tài khoản chưa gắn cơ quan", messageEn: "Your account has no agency")
        }
        if let requested = filter.agency, requested != own {
            throw DomainError.forbidden(messageVi: "Chỉ xem được hồ sơ của cơ quan mình", messageEn: "You can only list your own agency's dossiers")
        }
        return own
    }

    /// Adds the listing's conditions (whose dossiers, the filter, the tab) to `query`.
    static func restrict(_ query: SQLSelectBuilder, _ filter: QueueFilter, agency scope: String?, principal: Principal, now: Int64) {
        if principal.roles == [.citizen] { query.where("owner_user_id", .equal, principal.userID) }
        // Staff see what their agency holds now and what its desk received.
        if let scope { query.where { $0.where("current_agency", .equal, scope).orWhere("receiving_agency", .equal, scope) } }
        if let status = filter.status { query.where("status", .equal, status.rawValue) }
        if filter.overdueOnly || filter.view == .overdue {
            query.where("due_at", .lessThan, now).where("status", .in, runningStatuses)
        }
        switch filter.view {
        case .mine?:
            query.where("status", .notIn, finalStatuses).where("status", .notIn, waitingStatuses)
            // The desk (counter officers, leaders) also takes up what nobody holds yet.
            if principal.roles.contains(.counterOfficer) || principal.roles.contains(.leader) {
                query.where {
                    $0.where("assigned_username", .equal, principal.username)
                        .orWhere { $0.where("assigned_username", .is, SQLLiteral.null).where("current_agency", .equal, scope ?? principal.agency) }
                }
            } else {
                query.where("assigned_username", .equal, principal.username)
            }
        case .waiting?: query.where("status", .in, waitingStatuses)
        case .overdue?, .all?, nil: break
        }
    }

    /// How many dossiers each tab of the work queue holds for `principal`.
    public func queueCounts(_ filter: QueueFilter, for principal: Principal) async throws -> [QueueView: Int] {
        let scope = try Self.listedAgency(filter, for: principal)
        let now = clock.millis()
        return try await database.readReplica { db in
            var counts: [QueueView: Int] = [:]
            for view in QueueView.allCases {
                var tab = filter
                tab.view = view
                let query = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("dossiers")
                Self.restrict(query, tab, agency: scope, principal: principal, now: now)
                counts[view] = try await query.first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return counts
        }
    }

    /// Citizens: their own dossiers, newest first. Staff: the dossiers their agency holds now or
    /// received at its desk, soonest appointment first (system-wide roles may name any agency).
    public func list(_ filter: QueueFilter, page: PageRequest, for principal: Principal) async throws -> Page<Dossier> {
        let now = clock.millis()
        let after = try page.afterKey()
        let isCitizen = principal.roles == [.citizen]
        let scope = try Self.listedAgency(filter, for: principal)
        let rows = try await database.readReplica { db in
            let query = db.select().column("*").from("dossiers")
            Self.restrict(query, filter, agency: scope, principal: principal, now: now)
            if isCitizen {
                // Own dossiers, newest first (keyset cursor on id).
                if let after { query.where("id", .lessThan, after) }
                query.orderBy("id", .descending)
            } else {
                // The queue: open dossiers first, the soonest appointment first (so the overdue
                // lead), not-yet-received after them, finished ones last (offset cursor).
                query.orderBy(Self.finishedLast)
                    .orderBy(SQLFunction("COALESCE", args: SQLColumn("due_at"), SQLLiteral.numeric("9000000000000000")))
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
        let row = try await database.readReplica { db in
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
