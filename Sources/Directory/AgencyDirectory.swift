import Audit
import Core
import Foundation
import SQLKit
import Storage

/// The agency directory: lookups, listing, and validated all-or-nothing imports (audited).
public struct AgencyDirectory: Sendable {
    let database: Database
    let clock: WallClock
    /// Agencies by identifier, and the service center's identifier, read on every submission;
    /// cleared by every write here and by `referenceDataChanged()`.
    let cache = ReferenceCache<String, Agency>()
    let serviceCenter = ReferenceCache<Int, String>()

    /// The name under which changes to the directory are announced to every node.
    public static let cacheName = "agencies"

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
        database.invalidation.register(Self.cacheName) { [cache, serviceCenter] in
            cache.clear()
            serviceCenter.clear()
        }
    }

    /// Forgets cached agencies after reference data was loaded behind this directory's back
    /// (and after every write here).
    public func referenceDataChanged() {
        cache.clear()
        serviceCenter.clear()
    }

    struct Row: Decodable {
        let id: Int64
        let identifier: String
        let name: String
        let shortName: String
        let parentIdentifier: String?
        let adminUnitCode: String?
        let kind: String
        let email: String?
        let phone: String?
        let address: String?

        var agency: Agency {
            Agency(
                identifier: identifier,
                name: name,
                shortName: shortName,
                parentIdentifier: parentIdentifier,
                adminUnitCode: adminUnitCode,
                kind: AgencyKind(rawValue: kind) ?? .other,
                email: email,
                phone: phone,
                address: address,
                departments: nil
            )
        }
    }

    static let columns = ["id", "identifier", "name", "short_name", "parent_identifier", "admin_unit_code", "kind", "email", "phone", "address"]

    /// One agency with its departments, or nil.
    public func agency(_ identifier: String) async throws -> Agency? {
        try await cache.value(for: identifier) {
            try await database.read { db in
                guard
                    let row = try await db.select().columns(Self.columns).from("agencies").where("identifier", .equal, identifier)
                        .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
                else { return nil }
                var agency = row.agency
                agency.departments = try await Self.departments(of: identifier, db)
                return agency
            }
        }
    }

    static func departments(of identifier: String, _ db: any SQLDatabase) async throws -> [Department] {
        try await db.select().columns("code", "name").from("departments").where("agency_identifier", .equal, identifier)
            .orderBy("code").all(decoding: Department.self)
    }

    /// Whether an agency exists.
    /// Whether an agency is in the directory (answered from the agency cache when it is).
    public func exists(_ identifier: String) async throws -> Bool {
        try await agency(identifier) != nil
    }

    /// Agencies in identifier order, optionally filtered by a diacritics-insensitive query or parent.
    public func list(page: PageRequest, query: String? = nil, parent: String? = nil) async throws -> Page<Agency> {
        let after = try page.afterKey()
        let folded = query.map(TextFolding.fold).flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await database.read { db in
            let select = db.select().columns(Self.columns).from("agencies")
            if let after { select.where("id", .greaterThan, after) }
            if let folded { select.where("name_folded", .like, TextFolding.containsPattern(folded)) }
            if let parent { select.where("parent_identifier", .equal, parent) }
            return try await select.orderBy("id").limit(page.limit + 1).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        return Page(fetched: rows, limit: page.limit, key: \.id, transform: \.agency)
    }

    /// The province's public administrative service center (Trung tâm Phục vụ hành chính công),
    /// which receives dossiers for provincial departments; nil if the directory has none.
    public func provincialServiceCenter() async throws -> String? {
        try await serviceCenter.value(for: 0) {
            try await database.read { db in
                try await db.select().column("identifier").from("agencies").where("kind", .equal, AgencyKind.serviceCenter.rawValue)
                    .orderBy("id").first()?.decode(column: "identifier", as: String.self)
            }
        }
    }

    /// Every agency, parents before children (for export).
    public func all() async throws -> [Agency] {
        try await database.read { db in
            try await db.select().columns(Self.columns).from("agencies").orderBy("id")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(\.agency)
        }
    }

    /// Every agency's name by its identifier (for pages and reports that show names, not codes).
    public func names() async throws -> [String: String] {
        Dictionary(try await all().map { ($0.identifier, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    public func count() async throws -> Int {
        try await database.read { try await $0.count("agencies") }
    }

    /// The result of an import.
    public struct ImportResult: Sendable, Codable, Equatable {
        public let created: Int
        public let updated: Int
        public let unchanged: Int
    }

    /// Creates or updates agencies by identifier, all or nothing: every row is validated first
    /// (shape, parent and administrative unit exist in the directory or in the batch), and the
    /// whole batch is written in one transaction with one audit record per change.
    public func importAgencies(_ inputs: [AgencyInput], by principal: Principal, requestID: String?) async throws -> ImportResult {
        var errors: [ValidationError] = []
        var agencies: [Agency] = []
        var seen = Set<String>()
        for (index, input) in inputs.enumerated() {
            do {
                let agency = try input.validated(row: inputs.count > 1 ? index : nil)
                if !seen.insert(agency.identifier).inserted {
                    errors.append(
                        ValidationError(
                            field: "rows[\(index)].identifier",
                            messageVi: "Mã định danh \(agency.identifier) bị lặp trong tệp",
                            messageEn: "Identifier \(agency.identifier) appears twice in the batch"
                        )
                    )
                }
                agencies.append(agency)
            } catch {
                if case .invalid(let list) = error { errors += list }
            }
        }
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        let ordered = try Self.parentsFirst(agencies)
        let now = clock.millis()
        let batch = seen
        defer { referenceDataChanged() }
        return try await database.transaction { db in
            try await database.cacheChanged(Self.cacheName, on: db)
            var created = 0
            var updated = 0
            var unchanged = 0
            var errors: [ValidationError] = []
            for agency in ordered {
                if let parent = agency.parentIdentifier, !batch.contains(parent),
                    try await db.select().column("id").from("agencies").where("identifier", .equal, parent).first() == nil
                {
                    errors.append(
                        ValidationError(
                            field: "parentIdentifier",
                            messageVi: "Cơ quan cấp trên \(parent) không tồn tại",
                            messageEn: "Parent agency \(parent) does not exist"
                        )
                    )
                }
                if let unit = agency.adminUnitCode,
                    try await db.select().column("code").from("admin_units").where("code", .equal, unit).first() == nil
                {
                    errors.append(
                        ValidationError(
                            field: "adminUnitCode",
                            messageVi: "Đơn vị hành chính \(unit) không tồn tại",
                            messageEn: "Administrative unit \(unit) does not exist"
                        )
                    )
                }
            }
            if !errors.isEmpty { throw DomainError.invalid(errors) }
            for agency in ordered {
                let existing = try await db.select().columns(Self.columns).from("agencies").where("identifier", .equal, agency.identifier)
                    .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
                if let existing {
                    if existing.agency == agency {
                        unchanged += 1
                        continue
                    }
                    try await db.update("agencies")
                        .set("name", to: agency.name).set("name_folded", to: TextFolding.fold(agency.name))
                        .set("short_name", to: agency.shortName).set("parent_identifier", to: agency.parentIdentifier)
                        .set("admin_unit_code", to: agency.adminUnitCode).set("kind", to: agency.kind.rawValue)
                        .set("email", to: agency.email).set("phone", to: agency.phone).set("address", to: agency.address)
                        .set("updated_at", to: now)
                        .where("identifier", .equal, agency.identifier).run()
                    updated += 1
                } else {
                    try await Self.insert(agency, now: now, db)
                    created += 1
                }
                try await AuditLog.record(
                    AuditEntry(
                        principal: principal,
                        action: existing == nil ? "agency.create" : "agency.update",
                        targetType: "agency",
                        targetID: agency.identifier,
                        requestID: requestID,
                        change: Self.auditFields(agency)
                    ),
                    on: db,
                    clock: clock
                )
            }
            return ImportResult(created: created, updated: updated, unchanged: unchanged)
        }
    }

    static func insert(_ agency: Agency, now: Int64, _ db: any SQLDatabase) async throws {
        try await db.insert(into: "agencies")
            .columns(
                "identifier",
                "name",
                "name_folded",
                "short_name",
                "parent_identifier",
                "admin_unit_code",
                "kind",
                "email",
                "phone",
                "address",
                "created_at",
                "updated_at"
            )
            .values(
                SQLBind(agency.identifier),
                SQLBind(agency.name),
                SQLBind(TextFolding.fold(agency.name)),
                SQLBind(agency.shortName),
                SQLBind(agency.parentIdentifier),
                SQLBind(agency.adminUnitCode),
                SQLBind(agency.kind.rawValue),
                SQLBind(agency.email),
                SQLBind(agency.phone),
                SQLBind(agency.address),
                SQLBind(now),
                SQLBind(now)
            )
            .run()
    }

    static func auditFields(_ agency: Agency) -> [String: String] {
        [
            "name": agency.name, "shortName": agency.shortName, "parentIdentifier": agency.parentIdentifier ?? "",
            "adminUnitCode": agency.adminUnitCode ?? "", "kind": agency.kind.rawValue,
        ]
    }

    /// Orders agencies so that a parent in the batch comes before its children; rejects cycles.
    static func parentsFirst(_ agencies: [Agency]) throws(DomainError) -> [Agency] {
        let byID = Dictionary(agencies.map { ($0.identifier, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [Agency] = []
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        func visit(_ agency: Agency) throws(DomainError) {
            if state[agency.identifier] == 2 { return }
            if state[agency.identifier] == 1 {
                throw DomainError.invalid(
                    "parentIdentifier",
                    "Quan hệ cấp trên tạo thành vòng tại \(agency.identifier)",
                    "Parent links form a cycle at \(agency.identifier)"
                )
            }
            state[agency.identifier] = 1
            if let parent = agency.parentIdentifier, let p = byID[parent] { try visit(p) }
            state[agency.identifier] = 2
            ordered.append(agency)
        }
        for agency in agencies { try visit(agency) }
        return ordered
    }

    /// Adds or renames a department of an agency (audited).
    public func upsertDepartment(_ department: Department, in agency: String, by principal: Principal, requestID: String?) async throws {
        let code = department.code.trimmingCharacters(in: .whitespaces)
        let name = department.name.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty, code.count <= 20, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw DomainError.invalid(
                "code",
                "Mã phòng ban phải có 1–20 chữ cái, chữ số hoặc dấu gạch",
                "Department code must be 1–20 letters, digits or dashes"
            )
        }
        guard !name.isEmpty, name.count <= 200 else {
            throw DomainError.invalid("name", "Tên phòng ban phải có 1–200 ký tự", "Department name must be 1–200 characters")
        }
        guard try await exists(agency) else { throw DomainError.notFound(what: "agency \(agency)") }
        defer { referenceDataChanged() }
        try await database.transaction { db in
            try await database.cacheChanged(Self.cacheName, on: db)
            let existing = try await db.select().column("id").from("departments")
                .where("agency_identifier", .equal, agency).where("code", .equal, code).first()
            if existing != nil {
                try await db.update("departments").set("name", to: name)
                    .where("agency_identifier", .equal, agency).where("code", .equal, code).run()
            } else {
                try await db.insert(into: "departments").columns("agency_identifier", "code", "name")
                    .values(SQLBind(agency), SQLBind(code), SQLBind(name)).run()
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: existing == nil ? "department.create" : "department.update",
                    targetType: "department",
                    targetID: "\(agency)/\(code)",
                    requestID: requestID,
                    change: ["name": name]
                ),
                on: db,
                clock: clock
            )
        }
    }

    /// Whether `code` is a department of `agency`.
    public func hasDepartment(_ code: String, in agency: String) async throws -> Bool {
        try await database.read { db in
            try await db.select().column("id").from("departments")
                .where("agency_identifier", .equal, agency).where("code", .equal, code).first() != nil
        }
    }
}
