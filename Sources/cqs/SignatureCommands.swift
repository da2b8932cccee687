import ArgumentParser
import Foundation
import Server
import Signatures

/// `cqs pki init | import | issue | revoke`
struct PKICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Chứng thư số / Certificate authority.",
        subcommands: [Init.self, Import.self, Issue.self, Revoke.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tạo tổ chức cấp chứng thư của tỉnh / Create the provincial CA.")
        @OptionGroup var common: CommonOptions
        @Option var name = "Tổ chức cấp chứng thư số tỉnh Đồng Nai"
        @Option var organization = "UBND tỉnh Đồng Nai"
        @Option(help: "p-256 or rsa-2048") var algorithm = "p-256"
        @Option(help: "Write the CA certificate (PEM) here too.") var output: String?

        func run() async throws {
            guard let algorithm = KeyAlgorithm(rawValue: algorithm) else { throw ValidationError("--algorithm must be p-256 or rsa-2048") }
            let config = try common.config()
            let ca = try await common.withPlatform(config) { platform in
                try await platform.certificates.initialize(commonName: name, organization: organization, algorithm: algorithm, by: .system("cli"))
            }
            if let output { try ca.pem.write(toFile: output, atomically: true, encoding: .utf8) }
            print("CA \(ca.subject) serial \(ca.serial)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Nhập chứng thư có sẵn / Import an existing CA or signing certificate (PEM).")
        @OptionGroup var common: CommonOptions
        @Option(help: "authority, agency or staff") var kind = "authority"
        @Option(help: "Agency identifier or username (agency and staff certificates).") var owner: String?
        @Option(help: "Certificate file (PEM).") var certificate: String
        @Option(help: "Private key file (PEM); without it the platform cannot sign with the certificate, only tell whom its signatures belong to.")
        var key: String?
        @Option(help: "Agency of a staff certificate (default: the account's agency).") var agency: String?
        @Option(help: "Intermediate CA certificate (PEM) between the certificate and a trusted authority; repeatable.") var intermediate: [String] =
            []

        func run() async throws {
            guard let kind = CertificateKind(rawValue: kind) else { throw ValidationError("--kind must be authority, agency or staff") }
            let certificatePEM = try String(contentsOfFile: certificate, encoding: .utf8)
            let keyPEM = try key.map { try String(contentsOfFile: $0, encoding: .utf8) }
            if kind != .authority && owner == nil { throw ValidationError("--owner is required for agency and staff certificates") }
            let intermediates = try intermediate.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let config = try common.config()
            let stored = try await common.withPlatform(config) { platform in
                if kind == .authority {
                    return try await platform.certificates.importAuthority(certificatePEM: certificatePEM, privateKeyPEM: keyPEM, by: .system("cli"))
                }
                return try await platform.certificates.importSigning(
                    kind: kind,
                    owner: owner!,
                    agency: agency,
                    certificatePEM: certificatePEM,
                    privateKeyPEM: keyPEM,
                    intermediatesPEM: intermediates,
                    by: .system("cli")
                )
            }
            print("Imported \(stored.subject) serial \(stored.serial)\(owner.map { " for \($0)" } ?? "")")
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cấp chứng thư ký số / Issue a signing certificate.")
        @OptionGroup var common: CommonOptions
        @Option(help: "agency or staff") var kind = "staff"
        @Option(help: "Agency identifier or username.") var owner: String
        @Option(help: "Common name on the certificate.") var name: String
        @Option var organization = "UBND tỉnh Đồng Nai"
        @Option(help: "p-256 or rsa-2048") var algorithm = "rsa-2048"

        func run() async throws {
            guard let kind = CertificateKind(rawValue: kind), kind != .authority else { throw ValidationError("--kind must be agency or staff") }
            guard let algorithm = KeyAlgorithm(rawValue: algorithm) else { throw ValidationError("--algorithm must be p-256 or rsa-2048") }
            let config = try common.config()
            let issued = try await common.withPlatform(config) { platform in
                try await platform.certificates.issue(
                    kind: kind,
                    owner: owner,
                    commonName: name,
                    organization: organization,
                    algorithm: algorithm,
                    by: .system("cli")
                )
            }
            print("Issued \(issued.subject) serial \(issued.serial) for \(owner)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Thu hồi chứng thư / Revoke a certificate.")
        @OptionGroup var common: CommonOptions
        @Argument var serial: String
        @Option var reason = "unspecified"

        func run() async throws {
            let config = try common.config()
            try await common.withPlatform(config) { try await $0.certificates.revoke(serial: serial, reason: reason, by: .system("cli")) }
            print("Revoked \(serial)")
        }
    }
}

/// `cqs sign --as OWNER FILE`
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Ký số tệp (CMS tách rời) / Sign a file (detached CMS).")
    @OptionGroup var common: CommonOptions
    @Option(name: .customLong("as"), help: "Certificate owner: a username or an agency identifier.") var owner: String
    @Argument var file: String
    @Option(help: "Signature file (default FILE.p7s, DER).") var output: String?

    func run() async throws {
        let content = try Data(contentsOf: URL(fileURLWithPath: file))
        let config = try common.config()
        let (signature, certificate) = try await common.withPlatform(config) { platform in
            try await platform.certificates.sign(content, as: owner, by: .system("cli"), requestID: nil)
        }
        let target = output ?? file + ".p7s"
        try Data(signature).write(to: URL(fileURLWithPath: target))
        print("Signed by \(certificate.subject) → \(target)")
    }
}

/// `cqs verify FILE SIGNATURE`
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Kiểm tra chữ ký số / Verify a detached signature; exit 1 if invalid."
    )
    @OptionGroup var common: CommonOptions
    @Argument var file: String
    @Argument var signature: String

    func run() async throws {
        let content = try Data(contentsOf: URL(fileURLWithPath: file))
        let signatureData = try Data(contentsOf: URL(fileURLWithPath: signature))
        let config = try common.config()
        let report = try await common.withPlatform(config) { try await $0.certificates.verify(signatureData, content: content) }
        print(report.valid ? "HỢP LỆ / VALID — \(report.signer ?? "?")" : "KHÔNG HỢP LỆ / INVALID — \(report.signer ?? "?")")
        for problem in report.problems { print("  - \(problem)") }
        if !report.valid { throw ExitCode(1) }
    }
}
