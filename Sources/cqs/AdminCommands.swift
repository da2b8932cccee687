import ArgumentParser
import Audit
import Core
import Directory
import Foundation
import Identity
import Server

/// `cqs user create …`
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Quản lý tài khoản / Manage accounts.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tạo tài khoản cán bộ / Create a staff account (non-interactive).")
        @OptionGroup var common: CommonOptions
        @Option var username: String
        @Option var password: String
        @Option(help: "Role (repeatable): \(Role.allCases.filter { $0 != .citizen }.map(\.rawValue).joined(separator: ", ")).") var role: [String]
        @Option(help: "Agency identifier, e.g. 000.00.02.H19 (required for staff roles).") var agency: String?
        @Option(help: "Department code within the agency.") var department: String?
        @Option(name: .customLong("full-name")) var fullName: String?
        @Option var email: String?

        func run() async throws {
            let roles = try role.map { name -> Role in
                guard let role = Role(rawValue: name) else { throw ValidationError("unknown role \(name)") }
                return role
            }
            let config = try common.config()
            let input = NewStaffAccount(
                username: username,
                password: password,
                fullName: fullName ?? username,
                roles: roles,
                agencyIdentifier: agency,
                departmentCode: department,
                email: email
            )
            let account = try await common.withPlatform(config) { platform in
                try await platform.accounts.createStaff(input, by: .system("cli"), requestID: nil)
            }
            print("Đã tạo / Created user \(account.username) (id \(account.id), roles \(account.roles.map(\.rawValue).joined(separator: ",")))")
        }
    }
}

/// `cqs agencies import FILE` / `cqs agencies export`
struct AgenciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agencies",
        abstract: "Danh mục cơ quan / Agency directory.",
        subcommands: [Import.self, Export.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Nhập cơ quan từ CSV hoặc JSON / Import agencies (all or nothing).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "A .csv (export header) or .json (array) file.") var file: String

        func run() async throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let inputs: [AgencyInput] =
                file.lowercased().hasSuffix(".json")
                ? try JSONDecoder().decode([AgencyInput].self, from: Data(text.utf8))
                : try CSV.records(text).map(AgencyInput.init(csv:))
            let config = try common.config()
            let result = try await common.withPlatform(config) { platform in
                try await platform.directory.importAgencies(inputs, by: .system("cli"), requestID: nil)
            }
            print(importSummary(created: result.created, updated: result.updated, unchanged: result.unchanged))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Xuất danh mục cơ quan / Export agencies.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var export: ExportOptions

        func run() async throws {
            let config = try common.config()
            let agencies = try await common.withPlatform(config) { try await $0.directory.all() }
            try export.write(csv: { CSV.write([AgencyInput.csvColumns] + agencies.map(\.csvRow)) }, json: agencies.map(\.input))
        }
    }
}

/// `cqs audit verify`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Nhật ký kiểm toán / Audit log.",
        subcommands: [Verify.self, Anchor.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kiểm tra chuỗi băm / Verify the hash chain; exits 1 when broken.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            let result = try await common.withPlatform(config) { try await $0.verifyAudit() }
            if result.intact {
                print(
                    "Toàn vẹn / Intact: \(result.checked) records, \(result.anchorsChecked) anchored lane heads matched"
                        + (result.anchoredThrough.map { " (the newest anchor covers \($0) records)" } ?? " (no anchor yet: run `cqs audit anchor`)")
                        + "."
                )
            } else {
                print(
                    "BỊ PHÁ VỠ / BROKEN at lane \(result.firstBrokenLane ?? 0) record \(result.firstBrokenSeq ?? 0): \(result.reason ?? "") (\(result.checked) records checked before it)"
                )
                throw ExitCode(1)
            }
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Neo chuỗi băm ra ngoài CSDL / Anchor the chain head outside the database (signed)."
        )
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            let anchor = try await common.withPlatform(config) { try await $0.anchorAudit() }
            if let anchor {
                print(
                    "Anchored \(anchor.records) records in \(anchor.heads.count) lanes in \(config.auditAnchorFile ?? "audit-anchors.jsonl in the data directory")"
                )
            } else {
                print("Nothing new to anchor.")
            }
        }
    }
}

/// `cqs calendar YEAR`
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calendar", abstract: "Ngày nghỉ trong năm / A year's days off.")
    @OptionGroup var common: CommonOptions
    @Argument var year: Int

    func run() async throws {
        guard (1900...2100).contains(year) else { throw ValidationError("YEAR must be 1900–2100") }
        let config = try common.config()
        let calendar = try await common.withPlatform(config) { try await $0.calendar.workingCalendar() }
        for day in calendar.calendar(of: year) {
            let weekday = ["", "T2", "T3", "T4", "T5", "T6", "T7", "CN"][day.date.isoWeekday]
            print("\(day.date.display)  \(weekday)  \(day.kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0))  \(day.nameVi)")
        }
    }
}
