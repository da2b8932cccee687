import Core
import Directory
import Identity
import Logging
import Signatures

/// Demo accounts for the quick start and for trying the platform. Never load them in production
/// (`--no-demo` / `CQS_DEMO_DATA=false`).
public enum DemoData {
    public struct Login: Sendable {
        public let username: String
        public let roles: [Role]
        public let agency: String?
        public let fullName: String
    }

    /// The password of every demo account (printed at start-up).
    public static let password = "DongNai2026demo"

    public static let logins: [Login] = [
        Login(username: "admin", roles: [.systemAdmin], agency: nil, fullName: "Quản trị hệ thống"),
        Login(username: "auditor", roles: [.auditor], agency: nil, fullName: "Kiểm toán viên"),
        Login(username: "lanhdao.ubnd", roles: [.leader], agency: "000.00.00.H19", fullName: "Nguyễn Văn Lãnh"),
        Login(username: "vanthu.vp", roles: [.clerk], agency: "000.00.01.H19", fullName: "Trần Thị Thư"),
        Login(username: "motcua.ttpvhcc", roles: [.counterOfficer], agency: "000.00.15.H19", fullName: "Lê Thị Mai"),
        Login(username: "chuyenvien.sxd", roles: [.processingOfficer], agency: "000.00.05.H19", fullName: "Phạm Minh Xây"),
        Login(username: "quantri.snv", roles: [.agencyAdmin], agency: "000.00.02.H19", fullName: "Hoàng Văn Nội"),
        Login(username: "motcua.bienhoa", roles: [.counterOfficer], agency: "000.46.50.H19", fullName: "Võ Thị Hòa"),
        Login(username: "chuyenvien.bienhoa", roles: [.processingOfficer], agency: "000.46.50.H19", fullName: "Đặng Văn Biên"),
        Login(username: "lanhdao.bienhoa", roles: [.leader], agency: "000.46.50.H19", fullName: "Bùi Thị Hiền"),
        Login(username: "chuyenvien.nnmt", roles: [.processingOfficer], agency: "000.00.06.H19", fullName: "Huỳnh Văn Đất"),
        Login(username: "lanhdao.nnmt", roles: [.leader], agency: "000.00.06.H19", fullName: "Trương Thị Môi"),
        Login(username: "vanthu.nnmt", roles: [.clerk], agency: "000.00.06.H19", fullName: "Lý Thị Văn"),
        Login(username: "lanhdao.sxd", roles: [.leader], agency: "000.00.05.H19", fullName: "Phan Văn Dựng"),
        Login(username: "vanthu.sxd", roles: [.clerk], agency: "000.00.05.H19", fullName: "Mai Thị Lưu"),
    ]

    public static let citizen = (phone: "0912345678", fullName: "Nguyễn Thị Dân", citizenId: "075190000123")

    /// Creates the demo accounts that do not exist yet; returns how many were created.
    @discardableResult
    public static func load(accounts: AccountStore, directory: AgencyDirectory, logger: Logger) async throws -> Int {
        var created = 0
        let seeder = Principal.system("seed")
        for login in logins where try await accounts.account(username: login.username) == nil {
            if let agency = login.agency, try await !directory.exists(agency) { continue }
            try await accounts.createStaff(
                NewStaffAccount(
                    username: login.username,
                    password: password,
                    fullName: login.fullName,
                    roles: login.roles,
                    agencyIdentifier: login.agency
                ),
                by: seeder,
                requestID: nil
            )
            created += 1
        }
        if try await accounts.account(username: citizen.phone) == nil {
            _ = try await accounts.createCitizen(
                CitizenRegistration(
                    phoneOrEmail: citizen.phone,
                    password: password,
                    fullName: citizen.fullName,
                    citizenId: citizen.citizenId
                ),
                by: seeder,
                requestID: nil
            )
            created += 1
        }
        return created
    }

    /// A demo certificate authority (when none exists) and signing certificates for every demo
    /// leader and for the agencies of demo clerks and leaders; returns how many were issued, nil
    /// when the authority's key is not here (an authority imported without it issues nothing).
    @discardableResult
    public static func loadCertificates(_ certificates: CertificateAuthority, directory: AgencyDirectory) async throws -> Int? {
        let seeder = Principal.system("seed")
        if try await certificates.authority() == nil {
            _ = try await certificates.initialize(commonName: "CA thử nghiệm tỉnh Đồng Nai (demo)", organization: "UBND tỉnh Đồng Nai", by: seeder)
        }
        // An authority imported without its key issues nothing here: demo certificates are skipped.
        guard try await certificates.canIssue() else { return nil }
        var issued = 0
        for login in logins where login.roles.contains(.leader) || login.roles.contains(.clerk) {
            guard let agencyID = login.agency, let agency = try await directory.agency(agencyID) else { continue }
            if login.roles.contains(.leader), try await certificates.signingCertificate(of: login.username) == nil {
                _ = try await certificates.issue(
                    kind: .staff,
                    owner: login.username,
                    commonName: login.fullName,
                    organization: agency.name,
                    algorithm: .p256,
                    by: seeder
                )
                issued += 1
            }
            if try await certificates.signingCertificate(of: agencyID) == nil {
                _ = try await certificates.issue(
                    kind: .agency,
                    owner: agencyID,
                    commonName: agency.name,
                    organization: agency.name,
                    algorithm: .p256,
                    by: seeder
                )
                issued += 1
            }
        }
        return issued
    }
}
