import Audit
import Core
import Foundation
import SQLKit
import Storage

/// The procedure catalogue: validated imports (audited), lookups and ranked search that
/// ignores Vietnamese diacritics and case.
public struct ProcedureCatalog: Sendable {
    let database: Database
    let clock: WallClock
    /// Procedures by code, read on every submission; cleared by every import.
    let cache = ReferenceCache<String, Procedure>()
    /// The search index (one entry); cleared by every import.
    let index = ReferenceCache<Int, ProcedureIndex>()
    /// The index last built, kept when it ages out while the table is unchanged.
    let built = BuiltIndex()

    /// The name under which catalogue changes are announced to every node.
    public static let cacheName = "procedures"

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        database.invalidation.register(Self.cacheName) { [cache, index, built] in
            cache.clear()
            index.clear()
            built.forget()
        }
    }

    /// Search filters.
    public struct Query: Sendable {
        public var text: String?
        public var fieldCode: String?
        public var agencyIdentifier: String?
        public var onlineLevel: OnlineLevel?

        public init(text: String? = nil, fieldCode: String? = nil, agencyIdentifier: String? = nil, onlineLevel: OnlineLevel? = nil) {
            self.text = text
            self.fieldCode = fieldCode
            self.agencyIdentifier = agencyIdentifier
            self.onlineLevel = onlineLevel
        }
    }

    /// A field (lĩnh vực) with how many procedures it has.
    public struct Field: Codable, Sendable, Equatable {
        public let code: String
        public let name: String
        public let procedures: Int
    }

    struct Row: Decodable {
        let code: String
        let body: String
    }

    static func decode(_ body: String) throws -> Procedure {
        try JSONDecoder().decode(Procedure.self, from: Data(body.utf8))
    }

    static func encode(_ procedure: Procedure) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(procedure), as: UTF8.self)
    }

    public func procedure(_ code: String) async throws -> Procedure? {
        try await cache.value(for: code) {
            let body = try await database.read { db in
                try await db.select().column("body").from("procedures").where("code", .equal, code).first()?.decode(column: "body", as: String.self)
            }
            return try body.map(Self.decode)
        }
    }

    public func count() async throws -> Int { try await database.read { try await $0.count("procedures") } }

    /// Every procedure in code order (for export).
    public func all() async throws -> [Procedure] {
        try await database.read { db in
            try await db.select().column("body").from("procedures").orderBy("code").all()
                .map { try Self.decode(try $0.decode(column: "body", as: String.self)) }
        }
    }

    /// Fields with their procedure counts, by name.
    public func fields() async throws -> [Field] {
        try await database.read { db in
            try await db.select().column("field_code").column("field_name")
                .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("procedures").groupBy("field_code").groupBy("field_name").orderBy("field_name").all()
                .map {
                    Field(
                        code: try $0.decode(column: "field_code", as: String.self),
                        name: try $0.decode(column: "field_name", as: String.self),
                        procedures: try $0.decode(column: "n", as: Int.self)
                    )
                }
        }
    }

    /// Procedures matching `query`, best matches first (see `ProcedureIndex`), as summaries.
    /// The cursor is an offset into the ranked list. No database access while the index is fresh.
    public func search(_ query: Query, page: PageRequest) async throws -> Page<ProcedureSummary> {
        let found = try await searchEntries(query, page: page)
        return Page(items: found.entries.map(\.summary), nextCursor: found.nextCursor)
    }

    /// The same page as the summaries' JSON texts, for the API to write without encoding them again.
    public func searchJSON(_ query: Query, page: PageRequest) async throws -> (items: [String], nextCursor: String?) {
        let found = try await searchEntries(query, page: page)
        return (found.entries.map(\.json), found.nextCursor)
    }

    func searchEntries(_ query: Query, page: PageRequest) async throws -> (entries: [ProcedureIndex.Entry], nextCursor: String?) {
        let offset = Int(try page.afterKey() ?? 0)
        let found = try await searchIndex().search(query, offset: offset, limit: page.limit)
        let next = offset + page.limit < found.total ? PageRequest.cursor(after: Int64(offset + page.limit)) : nil
        return (found.entries, next)
    }

    /// The search index, rebuilt from the table when an import cleared it, or when it aged out
    /// and the table changed (another instance imported): a country's index takes a second to
    /// build, its fingerprint one aggregate query.
    func searchIndex() async throws -> ProcedureIndex {
        try await index.value(for: 0) { [built] in
            try await database.read { db in
                let fingerprint = try await BuiltIndex.fingerprint(db)
                if let kept = built.index(ifStill: fingerprint) { return kept }
                let fresh = ProcedureIndex(
                    try await db.select().columns(IndexRow.columns).from("procedures").orderBy("code").all(decoding: IndexRow.self).map(\.entry)
                )
                built.keep(fresh, fingerprint)
                return fresh
            }
        }!
    }

    struct IndexRow: Decodable {
        let code: String, name: String, nameFolded: String?, searchText: String, fieldCode: String, fieldName: String
        let agencyIdentifier: String?, agencyLevel: String?, onlineLevel: String, processingDays: Int
        enum CodingKeys: String, CodingKey {
            case code, name
            case nameFolded = "name_folded"
            case searchText = "search_text"
            case fieldCode = "field_code"
            case fieldName = "field_name"
            case agencyIdentifier = "agency_identifier"
            case agencyLevel = "agency_level"
            case onlineLevel = "online_level"
            case processingDays = "processing_days"
        }
        static let columns = SQLColumnList([
            "code", "name", "name_folded", "search_text", "field_code", "field_name", "agency_identifier",
            "agency_level", "online_level", "processing_days",
        ])

        var entry: ProcedureIndex.Entry {
            ProcedureIndex.Entry(
                summary: ProcedureSummary(
                    code: code,
                    name: name,
                    fieldCode: fieldCode,
                    fieldName: fieldName,
                    agencyIdentifier: agencyIdentifier,
                    agencyLevel: agencyLevel,
                    processingDays: processingDays,
                    onlineLevel: OnlineLevel(rawValue: onlineLevel) ?? .information
                ),
                foldedName: nameFolded,
                searchText: searchText
            )
        }
    }

    /// The outcome of an import.
    public struct ImportResult: Codable, Sendable, Equatable {
        public let created: Int
        public let updated: Int
        public let unchanged: Int
    }

    /// Creates or updates procedures by code, all or nothing, reporting progress every 100 rows.
    public func importProcedures(
        _ procedures: [Procedure],
        by principal: Principal,
        requestID: String?,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ImportResult {
        var errors: [ValidationError] = []
        var codes = Set<String>()
        for (index, procedure) in procedures.enumerated() {
            errors += ProcedureRules.validate(procedure, row: procedures.count > 1 ? index : nil)
            if !codes.insert(procedure.code).inserted {
                errors.append(
                    ValidationError(
                        field: "procedures[\(index)].code",
                        messageVi: "Mã \(procedure.code) bị lặp",
                        messageEn: "Code \(procedure.code) appears twice"
                    )
                )
            }
        }
        let agencies = Set(procedures.compactMap(\.agencyIdentifier) + procedures.flatMap { $0.steps.compactMap(\.agencyIdentifier) })
        let known = try await database.read { db in
            try await db.select().column("identifier").from("agencies").all().map { try $0.decode(column: "identifier", as: String.self) }
        }
        for missing in agencies.subtracting(known).sorted() {
            errors.append(
                ValidationError(
                    field: "agencyIdentifier",
                    messageVi: "Cơ quan \(missing) không có trong danh mục",
                    messageEn: "Agency \(missing) is not in the directory"
                )
            )
        }
        if !errors.isEmpty { throw DomainError.invalid(Array(errors.prefix(100))) }
        let now = clock.millis()
        let clock = clock
        defer {
            cache.clear()
            index.clear()
            built.forget()
        }
        return try await database.transaction { db in
            try await database.cacheChanged(Self.cacheName, on: db)
            var created = 0
            var updated = 0
            var unchanged = 0
            for (index, procedure) in procedures.enumerated() {
                let body = try Self.encode(procedure)
                let existing = try await db.select().column("body").from("procedures").where("code", .equal, procedure.code).first()?
                    .decode(column: "body", as: String.self)
                if let existing, try Self.decode(existing) == procedure {
                    unchanged += 1
                } else {
                    if existing != nil {
                        try await db.update("procedures")
                            .set("name", to: procedure.name).set("name_folded", to: TextFolding.fold(procedure.name)).set(
                                "search_text",
                                to: ProcedureIndex.searchText(procedure)
                            )
                            .set("field_code", to: procedure.fieldCode).set("field_name", to: procedure.fieldName)
                            .set("agency_identifier", to: procedure.agencyIdentifier).set("agency_level", to: procedure.agencyLevel)
                            .set("online_level", to: procedure.onlineLevel.rawValue).set("processing_days", to: procedure.processingDays)
                            .set("body", to: body).set("updated_at", to: now)
                            .where("code", .equal, procedure.code).run()
                        updated += 1
                    } else {
                        try await db.insert(into: "procedures")
                            .columns(
                                "code",
                                "name",
                                "name_folded",
                                "search_text",
                                "field_code",
                                "field_name",
                                "agency_identifier",
                                "agency_level",
                                "online_level",
                                "processing_days",
                                "body",
                                "updated_at"
                            )
                            .values(
                                SQLBind(procedure.code),
                                SQLBind(procedure.name),
                                SQLBind(TextFolding.fold(procedure.name)),
                                SQLBind(ProcedureIndex.searchText(procedure)),
                                SQLBind(procedure.fieldCode),
                                SQLBind(procedure.fieldName),
                                SQLBind(procedure.agencyIdentifier),
                                SQLBind(procedure.agencyLevel),
                                SQLBind(procedure.onlineLevel.rawValue),
                                SQLBind(procedure.processingDays),
                                SQLBind(body),
                                SQLBind(now)
                            )
                            .run()
                        created += 1
                    }
                    try await AuditLog.record(
                        AuditEntry(
                            principal: principal,
                            action: existing == nil ? "procedure.create" : "procedure.update",
                            targetType: "procedure",
                            targetID: procedure.code,
                            requestID: requestID,
                            change: ["name": procedure.name, "digest": Digest.sha256Hex(body)]
                        ),
                        on: db,
                        clock: clock
                    )
                }
                if (index + 1) % 100 == 0 || index + 1 == procedures.count { progress?(index + 1, procedures.count) }
            }
            return ImportResult(created: created, updated: updated, unchanged: unchanged)
        }
    }
}
