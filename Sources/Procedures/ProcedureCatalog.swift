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
                .map { Field(code: try $0.decode(column: "field_code", as: String.self), name: try $0.decode(column: "field_name", as: String.self),
                             procedures: try $0.decode(column: "n", as: Int.self)) }
        }
    }

    /// Procedures matching `query`, best matches first. Every word of the text must appear (in
    /// the name, field or code, accents optional); exact and leading matches of the name rank
    /// highest. The cursor is an offset into the ranked list.
    public func search(_ query: Query, page: PageRequest) async throws -> Page<Procedure> {
        let folded = query.text.map(TextFolding.fold) ?? ""
        let words = folded.split(separator: " ").map(String.init).filter { !$0.isEmpty }.prefix(10)
        // Ranked on code and name only; the full procedures (JSON) are decoded for the page shown.
        let candidates = try await database.read { db in
            let select = db.select().columns("code", "name", "name_folded").from("procedures")
            for word in words { select.where("search_text", .like, "%\(Self.escapeLike(word))%") }
            if let field = query.fieldCode { select.where("field_code", .equal, field) }
            if let agency = query.agencyIdentifier {
                select.where { $0.where("agency_identifier", .equal, agency).orWhere("agency_identifier", .is, SQLLiteral.null) }
            }
            if let level = query.onlineLevel { select.where("online_level", .equal, level.rawValue) }
            return try await select.orderBy("code").limit(5000).all(decoding: NameRow.self)
        }
        var ranked = candidates.map { row in (row, Self.score(code: row.code, foldedName: row.nameFolded ?? TextFolding.fold(row.name), folded: folded, words: Array(words))) }
        ranked.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.name < $1.0.name }
        let offset = Int(try page.afterKey() ?? 0)
        let codes = ranked.dropFirst(offset).prefix(page.limit).map(\.0.code)
        let bodies = codes.isEmpty ? [:] : try await database.read { db in
            Dictionary(try await db.select().columns("code", "body").from("procedures").where("code", .in, codes).all(decoding: Row.self)
                .map { ($0.code, $0.body) }, uniquingKeysWith: { first, _ in first })
        }
        let slice = try codes.compactMap { code in try bodies[code].map(Self.decode) }
        let next = offset + page.limit < ranked.count ? PageRequest.cursor(after: Int64(offset + page.limit)) : nil
        return Page(items: slice, nextCursor: next)
    }

    struct NameRow: Decodable {
        let code: String, name: String, nameFolded: String?
        enum CodingKeys: String, CodingKey { case code, name, nameFolded = "name_folded" }
    }

    /// Exact code or name first, then names that start with the query, then by how much of the
    /// name the query covers (so "dang ky ho kinh doanh" ranks "Đăng ký thành lập hộ kinh doanh"
    /// above longer names that merely contain the words).
    static func score(code: String, foldedName name: String, folded: String, words: [String]) -> Int {
        guard !folded.isEmpty else { return 0 }
        var score = 0
        if code == folded { score += 1000 }
        if name == folded { score += 500 } else if name.hasPrefix(folded) { score += 200 } else if name.contains(folded) { score += 10 }
        // Folded names hold lowercase letters, digits, spaces and a little punctuation.
        let nameWords = Set(name.split(whereSeparator: { " ,;:()/-.".contains($0) }).map(String.init))
        let covered = Set(words).intersection(nameWords).count
        score += nameWords.isEmpty ? 0 : covered * 100 / nameWords.count
        return score
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
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
        defer { cache.clear() }
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
