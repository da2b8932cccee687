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
    /// Procedures by code with their JSON, read on every submission and search; cleared by every import.
    let cache = ReferenceCache<String, Cached>()

    /// A procedure and its JSON as the API writes it (encoded once, not on every search); a
    /// class, so a page of them is passed around without copying every field.
    final class Cached: Sendable {
        let procedure: Procedure
        let json: String

        init(_ procedure: Procedure) throws {
            self.procedure = procedure
            self.json = try ProcedureCatalog.encode(procedure)
        }
    }
    /// The search index (one entry); cleared by every import.
    let index = ReferenceCache<Int, ProcedureIndex>()

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
    }

    /// Search filters.
    public struct Query: Sendable {
        public var text: String?
        public var fieldCode: String?
        public var agencyIdentifier: String?
        public var onlineLevel: OnlineLevel?

        public init(text: String? = nil, fieldCode: String? = nil, agencyIdentifier: String? = nil, onlineLevel: OnlineLevel? = nil) {
            self.text = text; self.fieldCode = fieldCode; self.agencyIdentifier = agencyIdentifier; self.onlineLevel = onlineLevel
        }
    }

    /// A field (lĩnh vực) with how many procedures it has.
    public struct Field: Codable, Sendable, Equatable {
        public let code: String
        public let name: String
        public let procedures: Int
    }

    struct Row: Decodable { let code: String; let body: String }

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
            return try body.map { try Cached(Self.decode($0)) }
        }?.procedure
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
                .map { Field(code: try $0.decode(column: "field_code", as: String.self), name: try $0.decode(column: "field_name", as: String.self),
                             procedures: try $0.decode(column: "n", as: Int.self)) }
        }
    }

    /// Procedures matching `query`, best matches first (see `ProcedureIndex`). The cursor is an
    /// offset into the ranked list; the procedures of the page are read from the cache or in one query.
    public func search(_ query: Query, page: PageRequest) async throws -> Page<Procedure> {
        let found = try await searchCached(query, page: page)
        return Page(items: found.items.map(\.procedure), nextCursor: found.nextCursor)
    }

    /// The same page as JSON texts of the procedures, for the API to write without encoding them again.
    public func searchJSON(_ query: Query, page: PageRequest) async throws -> (items: [String], nextCursor: String?) {
        let found = try await searchCached(query, page: page)
        return (found.items.map(\.json), found.nextCursor)
    }

    func searchCached(_ query: Query, page: PageRequest) async throws -> (items: [Cached], nextCursor: String?) {
        let ranked = try await searchIndex().search(query)
        let offset = Int(try page.afterKey() ?? 0)
        let codes = Array(ranked.dropFirst(offset).prefix(page.limit))
        let procedures = try await cache.values(for: codes) { missing in
            try await database.read { db in
                Dictionary(try await db.select().columns("code", "body").from("procedures").where("code", .in, missing).all(decoding: Row.self)
                    .map { ($0.code, try Cached(Self.decode($0.body))) }, uniquingKeysWith: { first, _ in first })
            }
        }
        let next = offset + page.limit < ranked.count ? PageRequest.cursor(after: Int64(offset + page.limit)) : nil
        return (codes.compactMap { procedures[$0] }, next)
    }

    /// The search index, rebuilt from the table when an import cleared it or it aged out.
    func searchIndex() async throws -> ProcedureIndex {
        try await index.value(for: 0) {
            try await database.read { db in
                ProcedureIndex(try await db.select().columns("code", "name", "name_folded", "search_text", "field_code", "agency_identifier", "online_level")
                    .from("procedures").orderBy("code").all(decoding: IndexRow.self).map(\.entry))
            }
        }!
    }

    struct IndexRow: Decodable {
        let code: String, name: String, nameFolded: String?, searchText: String, fieldCode: String, agencyIdentifier: String?, onlineLevel: String
        enum CodingKeys: String, CodingKey {
            case code, name, nameFolded = "name_folded", searchText = "search_text", fieldCode = "field_code"
            case agencyIdentifier = "agency_identifier", onlineLevel = "online_level"
        }

        var entry: ProcedureIndex.Entry {
            ProcedureIndex.Entry(code: code, name: name, foldedName: nameFolded, searchText: searchText, fieldCode: fieldCode,
                                 agencyIdentifier: agencyIdentifier, onlineLevel: onlineLevel)
        }
    }


    static func searchText(_ procedure: Procedure) -> String {
        TextFolding.fold([procedure.name, procedure.fieldName, procedure.code, procedure.resultName].joined(separator: " "))
    }

    /// The outcome of an import.
    public struct ImportResult: Codable, Sendable, Equatable {
        public let created: Int
        public let updated: Int
        public let unchanged: Int
    }

    /// Creates or updates procedures by code, all or nothing, reporting progress every 100 rows.
    public func importProcedures(_ procedures: [Procedure], by principal: Principal, requestID: String?,
                                 progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ImportResult {
        var errors: [ValidationError] = []
        var codes = Set<String>()
        for (index, procedure) in procedures.enumerated() {
            errors += ProcedureRules.validate(procedure, row: procedures.count > 1 ? index : nil)
            if !codes.insert(procedure.code).inserted {
                errors.append(ValidationError(field: "procedures[\(index)].code", messageVi: "Mã \(procedure.code) bị lặp", messageEn: "Code \(procedure.code) appears twice"))
            }
        }
        let agencies = Set(procedures.compactMap(\.agencyIdentifier) + procedures.flatMap { $0.steps.compactMap(\.agencyIdentifier) })
        let known = try await database.read { db in
            try await db.select().column("identifier").from("agencies").all().map { try $0.decode(column: "identifier", as: String.self) }
        }
        for missing in agencies.subtracting(known).sorted() {
            errors.append(ValidationError(field: "agencyIdentifier", messageVi: "Cơ quan \(missing) không có trong danh mục", messageEn: "Agency \(missing) is not in the directory"))
        }
        if !errors.isEmpty { throw DomainError.invalid(Array(errors.prefix(100))) }
        let now = clock.millis()
        let clock = clock
        defer {
            cache.clear()
            index.clear()
        }
        return try await database.transaction { db in
            var created = 0, updated = 0, unchanged = 0
            for (index, procedure) in procedures.enumerated() {
                let body = try Self.encode(procedure)
                let existing = try await db.select().column("body").from("procedures").where("code", .equal, procedure.code).first()?
                    .decode(column: "body", as: String.self)
                if let existing, try Self.decode(existing) == procedure {
                    unchanged += 1
                } else {
                    if existing != nil {
                        try await db.update("procedures")
                            .set("name", to: procedure.name).set("name_folded", to: TextFolding.fold(procedure.name)).set("search_text", to: Self.searchText(procedure))
                            .set("field_code", to: procedure.fieldCode).set("field_name", to: procedure.fieldName)
                            .set("agency_identifier", to: procedure.agencyIdentifier).set("agency_level", to: procedure.agencyLevel)
                            .set("online_level", to: procedure.onlineLevel.rawValue).set("processing_days", to: procedure.processingDays)
                            .set("body", to: body).set("updated_at", to: now)
                            .where("code", .equal, procedure.code).run()
                        updated += 1
                    } else {
                        try await db.insert(into: "procedures")
                            .columns("code", "name", "name_folded", "search_text", "field_code", "field_name", "agency_identifier", "agency_level",
                                     "online_level", "processing_days", "body", "updated_at")
                            .values(SQLBind(procedure.code), SQLBind(procedure.name), SQLBind(TextFolding.fold(procedure.name)), SQLBind(Self.searchText(procedure)),
                                    SQLBind(procedure.fieldCode),
                                    SQLBind(procedure.fieldName), SQLBind(procedure.agencyIdentifier), SQLBind(procedure.agencyLevel),
                                    SQLBind(procedure.onlineLevel.rawValue), SQLBind(procedure.processingDays), SQLBind(body), SQLBind(now))
                            .run()
                        created += 1
                    }
                    try await AuditLog.record(AuditEntry(principal: principal, action: existing == nil ? "procedure.create" : "procedure.update",
                                                         targetType: "procedure", targetID: procedure.code, requestID: requestID,
                                                         change: ["name": procedure.name, "digest": Digest.sha256Hex(body)]), on: db, clock: clock)
                }
                if (index + 1) % 100 == 0 || index + 1 == procedures.count { progress?(index + 1, procedures.count) }
            }
            return ImportResult(created: created, updated: updated, unchanged: unchanged)
        }
    }
}
