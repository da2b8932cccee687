import Algorithms
import Audit
import Core
import Foundation
import SQLKit
import Storage

/// Generated staff accounts for scale data sets (`cqs seed --scale`): one password hash for all
/// (bcrypt per account would take hours), roles written set-based. Audited as one entry.
extension AccountStore {
    public struct SeedStaff: Sendable {
        public let username: String
        public let fullName: String
        public let agency: String
        public let department: String?
        public let role: Role
        public init(username: String, fullName: String, agency: String, department: String?, role: Role) {
            self.username = username
            self.fullName = fullName
            self.agency = agency
            self.department = department
            self.role = role
        }
    }

    public func bulkCreateStaff(_ accounts: [SeedStaff], password: String, by principal: Principal) async throws {
        let hash = try await hasher.hash(password)
        let now = clock.millis()
        let clock = clock
        try await database.transaction { db in
            let before = try await BulkInsert.maxID("users", on: db)
            try await BulkInsert.insert(
                into: "users",
                columns: [
                    "username", "password_hash", "full_name", "kind", "agency_identifier", "department_code",
                    "status", "failed_logins", "created_at", "updated_at",
                ],
                rows: accounts.map {
                    [
                        .text($0.username), .text(hash), .text($0.fullName), .text(AccountKind.staff.rawValue), .text($0.agency),
                        $0.department.map(BulkValue.text) ?? .null, .text(AccountStatus.active.rawValue), .int(0), .int(now), .int(now),
                    ]
                },
                on: db
            )
            for role in Set(accounts.map(\.role)) {
                let names = accounts.filter { $0.role == role }.map(\.username)
                for chunk in names.chunks(ofCount: 500) {
                    try await db.raw(
                        "INSERT INTO user_roles (user_id, role) SELECT id, \(bind: role.rawValue) FROM users WHERE id > \(bind: before) AND username IN (\(binds: Array(chunk)))"
                    ).run()
                }
            }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "user.bulk-create",
                    targetType: "user",
                    targetID: "\(accounts.count)",
                    requestID: nil,
                    change: ["count": String(accounts.count)]
                ),
                on: db,
                clock: clock
            )
        }
    }
}
