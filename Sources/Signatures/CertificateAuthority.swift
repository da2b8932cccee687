import Audit
import Core
import Crypto
import Foundation
import SQLKit
import Storage
import SwiftASN1
import X509
import _CryptoExtras

/// The kind of key a certificate carries.
public enum KeyAlgorithm: String, Codable, Sendable, CaseIterable {
    case rsa2048 = "rsa-2048"
    case p256 = "p-256"

    func generate() throws -> Certificate.PrivateKey {
        switch self {
        case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        }
    }
}

/// What a stored certificate is for.
public enum CertificateKind: String, Codable, Sendable {
    case authority, agency, staff
    /// The platform's own time-stamping authority (RFC 3161), issued by the provincial CA.
    case timestamping
}

/// A certificate known to the platform (the private key stays in the vault).
public struct StoredCertificate: Codable, Sendable, Equatable {
    public let serial: String
    public let kind: CertificateKind
    public let owner: String?
    public let subject: String
    public let pem: String
    public let notBefore: Int64
    public let notAfter: Int64
    public let revokedAt: Int64?
    public let revocationReason: String?

    public func certificate() throws -> Certificate { try Certificate(pemEncoded: pem) }
}

/// The provincial certificate authority: created here (`cqs pki init`) or imported; issues agency
/// and staff signing certificates (RSA-2048 or P-256) whose private keys are kept encrypted;
/// keeps the revocation list. Every change is audited.
public struct CertificateAuthority: Sendable {
    let database: Database
    let vault: KeyVault
    let clock: WallClock
    /// The authorities and revoked serials every verification consults; cleared by this
    /// process's own changes (another instance's are seen within the cache's lifetime).
    let trust = ReferenceCache<String, TrustList>(lifetime: .seconds(3600), capacity: 4)
    /// The table's version stamp, read at most once a second: another instance's change reaches
    /// this one's verifications within a second.
    let trustStampCache = StampCache()

    /// The agency of a staff member (from the accounts), for the staff certificates issued or
    /// imported without one.
    let agencyOfStaff: @Sendable (String) async throws -> String?

    public init(
        database: Database,
        vault: KeyVault,
        clock: WallClock = .system,
        agencyOfStaff: @escaping @Sendable (String) async throws -> String? = { _ in nil }
    ) {
        self.database = database
        self.vault = vault
        self.clock = clock
        self.agencyOfStaff = agencyOfStaff
    }

    /// Whom a new certificate speaks for: an agency certificate its owner, a staff certificate the
    /// agency given or that of the staff member's account.
    func agency(for kind: CertificateKind, owner: String, given: String?) async throws -> String? {
        switch kind {
        case .authority, .timestamping: nil
        case .agency: owner
        case .staff:
            if let given { given } else { try await agencyOfStaff(owner) }
        }
    }

    static let columns = ["serial", "kind", "owner", "subject", "pem", "not_before", "not_after", "revoked_at", "revocation_reason"]

    static func serialHex(_ serial: Certificate.SerialNumber) -> String { serial.bytes.map { String(format: "%02x", $0) }.joined() }

    /// The authority's certificate, if the PKI is initialised.
    public func authority() async throws -> StoredCertificate? {
        try await database.read { db in
            try await db.select().columns(Self.columns).from("pki_certificates").where("kind", .equal, CertificateKind.authority.rawValue)
                .where("revoked_at", .is, SQLLiteral.null).orderBy("id", .descending)
                .first(decoding: StoredCertificate.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Creates the provincial CA (a self-signed certificate valid 10 years); refuses if one exists.
    @discardableResult
    public func initialize(commonName: String, organization: String, algorithm: KeyAlgorithm = .p256, by principal: Principal) async throws
        -> StoredCertificate
    {
        if try await authority() != nil {
            throw DomainError.conflict(messageVi: "Đã có tổ chức cấp chứng thư", messageEn: "A certificate authority already exists")
        }
        let key = try algorithm.generate()
        let name = try Self.name(commonName: commonName, organization: organization)
        let certificate = try makeCertificate(key: key, subject: name, issuer: name, issuerKey: key, years: 10) {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        return try await store(certificate, key: key, kind: .authority, owner: nil, by: principal, action: "pki.init")
    }

    /// Whether certificates can be issued here: a current authority whose private key is kept.
    public func canIssue() async throws -> Bool {
        guard let authority = try await authority() else { return false }
        return try await keyPair(serial: authority.serial) != nil
    }

    /// Imports an existing CA certificate (with its private key, to issue certificates); it
    /// becomes a trust anchor.
    @discardableResult
    public func importAuthority(certificatePEM: String, privateKeyPEM: String?, by principal: Principal) async throws -> StoredCertificate {
        let certificate = try Self.readCertificate(certificatePEM)
        try requireCurrent(certificate)
        guard let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints else {
            throw DomainError.invalid(
                "certificate",
                "Chứng thư không phải của tổ chức cấp (thiếu BasicConstraints CA)",
                "Not a CA certificate (no CA basic constraints)"
            )
        }
        var key: Certificate.PrivateKey?
        if let privateKeyPEM {
            let parsed = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
            guard parsed.publicKey == certificate.publicKey else {
                throw DomainError.invalid("privateKey", "Khóa bí mật không khớp chứng thư", "The private key does not match the certificate")
            }
            key = parsed
        }
        return try await store(certificate, key: key, kind: .authority, owner: nil, by: principal, action: "pki.import")
    }

    /// Imports a signing certificate (from another issuer the province trusts, e.g. a token's
    /// certificate exported with its key) for an agency or a staff member of `agency`. It must
    /// have a valid path now to an authority stored here (through `intermediates` if needed), be
    /// no CA itself, and, when a private key comes with it, match it. Without a key the platform
    /// cannot sign with it, but knows whom its signatures belong to (another province's agency).
    @discardableResult
    public func importSigning(
        kind: CertificateKind,
        owner: String,
        agency: String? = nil,
        certificatePEM: String,
        privateKeyPEM: String?,
        intermediatesPEM: [String] = [],
        by principal: Principal
    ) async throws -> StoredCertificate {
        guard kind != .authority else {
            throw DomainError.invalid("kind", "Dùng importAuthority cho tổ chức cấp", "Use importAuthority for an authority")
        }
        let certificate = try Self.readCertificate(certificatePEM)
        if let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints {
            throw DomainError.invalid(
                "certificate",
                "Đây là chứng thư của tổ chức cấp, không phải chứng thư ký",
                "This is a CA certificate, not a signing certificate"
            )
        }
        try requireCurrent(certificate)
        var key: Certificate.PrivateKey?
        if let privateKeyPEM {
            do { key = try Certificate.PrivateKey(pemEncoded: privateKeyPEM) } catch {
                throw DomainError.invalid("privateKey", "Khóa bí mật PEM không đọc được", "The PEM private key cannot be read")
            }
            guard key?.publicKey == certificate.publicKey else {
                throw DomainError.invalid("privateKey", "Khóa bí mật không khớp chứng thư", "The private key does not match the certificate")
            }
        }
        // Only a path valid now, through authorities none of which is revoked, vouches for it.
        let intermediates = try intermediatesPEM.map(Self.readCertificate)
        let path = await CertificatePath.check(certificate, carried: intermediates, trust: try await trustList().anchors, at: clock.now())
        guard path.valid else {
            throw DomainError.invalid(
                "certificate",
                "Chứng thư không do tổ chức cấp tin cậy phát hành: \(path.problems.joined(separator: "; "))",
                "The certificate has no valid path to a trusted authority: \(path.problems.joined(separator: "; "))"
            )
        }
        return try await store(
            certificate,
            key: key,
            kind: kind,
            owner: owner,
            agency: try await self.agency(for: kind, owner: owner, given: agency),
            by: principal,
            action: "pki.import"
        )
    }

    static func readCertificate(_ pem: String) throws -> Certificate {
        do { return try Certificate(pemEncoded: pem) } catch {
            throw DomainError.invalid("certificate", "Chứng thư PEM không đọc được", "The PEM certificate cannot be read")
        }
    }

    /// Refuses a certificate that has already expired or is not yet valid.
    func requireCurrent(_ certificate: Certificate) throws {
        let now = clock.now()
        guard certificate.notValidAfter > now else {
            throw DomainError.invalid(
                "certificate",
                "Chứng thư đã hết hạn ngày \(VietnamTime.display(certificate.notValidAfter))",
                "The certificate expired on \(VietnamTime.display(certificate.notValidAfter))"
            )
        }
        guard certificate.notValidBefore <= now.addingTimeInterval(300) else {
            throw DomainError.invalid("certificate", "Chứng thư chưa đến ngày hiệu lực", "The certificate is not valid yet")
        }
    }

    /// Issues a signing certificate for an agency (owner = identifier) or a staff member
    /// (owner = username) of `agency`, valid `years`.
    public func issue(
        kind: CertificateKind,
        owner: String,
        agency: String? = nil,
        commonName: String,
        organization: String,
        algorithm: KeyAlgorithm,
        years: Int = 2,
        by principal: Principal
    ) async throws -> StoredCertificate {
        guard kind != .authority else { throw DomainError.invalid("kind", "Dùng pki init cho tổ chức cấp", "Use pki init for the authority") }
        guard let authority = try await authority(), let (caCertificate, caKey) = try await keyPair(serial: authority.serial) else {
            throw DomainError.conflict(
                messageVi: "Chưa khởi tạo tổ chức cấp chứng thư (cqs pki init)",
                messageEn: "No certificate authority yet (cqs pki init)"
            )
        }
        let key = try algorithm.generate()
        let subject = try Self.name(commonName: commonName, organization: organization)
        let certificate = try makeCertificate(
            key: key,
            subject: subject,
            issuer: caCertificate.subject,
            issuerKey: caKey,
            years: years,
            notAfterCap: caCertificate.notValidAfter
        ) {
            Critical(BasicConstraints.notCertificateAuthority)
            if kind == .timestamping {
                // RFC 3161 §2.3: the only extended key usage, and critical.
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
                Critical(try ExtendedKeyUsage([.timeStamping]))
            } else {
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
                try ExtendedKeyUsage([.emailProtection, .codeSigning])
            }
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        return try await store(
            certificate,
            key: key,
            kind: kind,
            owner: owner,
            agency: try await self.agency(for: kind, owner: owner, given: agency),
            by: principal,
            action: "pki.issue"
        )
    }

    static func name(commonName: String, organization: String) throws -> DistinguishedName {
        try DistinguishedName {
            CountryName("VN")
            OrganizationName(organization)
            CommonName(commonName)
        }
    }

    /// A certificate valid from five minutes ago for `years` (capped by the issuer's own validity).
    func makeCertificate(
        key: Certificate.PrivateKey,
        subject: DistinguishedName,
        issuer: DistinguishedName,
        issuerKey: Certificate.PrivateKey,
        years: Int,
        notAfterCap: Date? = nil,
        @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>
    ) throws -> Certificate {
        let now = clock.now()
        var notAfter = now.addingTimeInterval(Double(years) * 365 * 86400)
        if let notAfterCap { notAfter = min(notAfter, notAfterCap) }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: notAfter,
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: CMSSignature.signatureAlgorithm(for: issuerKey),
            extensions: try Certificate.Extensions(builder: extensions),
            issuerPrivateKey: issuerKey
        )
    }

    func store(
        _ certificate: Certificate,
        key: Certificate.PrivateKey?,
        kind: CertificateKind,
        owner: String?,
        agency: String? = nil,
        by principal: Principal,
        action: String
    ) async throws -> StoredCertificate {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let pem = PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString
        let sealed = try key.map { try vault.seal(try $0.serializeAsPEM().pemString) }
        let stored = StoredCertificate(
            serial: Self.serialHex(certificate.serialNumber),
            kind: kind,
            owner: owner,
            subject: String(describing: certificate.subject),
            pem: pem,
            notBefore: certificate.notValidBefore.epochMillis,
            notAfter: certificate.notValidAfter.epochMillis,
            revokedAt: nil,
            revocationReason: nil
        )
        let clock = clock
        defer { trustChanged() }
        try await database.transaction { db in
            try await db.insert(into: "pki_certificates")
                .columns("serial", "kind", "owner", "agency", "subject", "pem", "encrypted_key", "not_before", "not_after", "created_at")
                .values(
                    SQLBind(stored.serial),
                    SQLBind(kind.rawValue),
                    SQLBind(owner),
                    SQLBind(agency),
                    SQLBind(stored.subject),
                    SQLBind(pem),
                    SQLBind(sealed),
                    SQLBind(stored.notBefore),
                    SQLBind(stored.notAfter),
                    SQLBind(clock.millis())
                )
                .run()
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: action,
                    targetType: "certificate",
                    targetID: stored.serial,
                    requestID: nil,
                    change: ["subject": stored.subject, "kind": kind.rawValue, "owner": owner ?? "", "agency": agency ?? ""]
                ),
                on: db,
                clock: clock
            )
        }
        return stored
    }

    /// Revokes a certificate (audited); it no longer signs, and its signatures report it.
    public func revoke(serial: String, reason: String, by principal: Principal) async throws {
        let now = clock.millis()
        let clock = clock
        defer { trustChanged() }
        try await database.transaction { db in
            let rows = try await db.update("pki_certificates").set("revoked_at", to: now).set("revocation_reason", to: reason)
                .where("serial", .equal, serial.lowercased()).where("revoked_at", .is, SQLLiteral.null).returning("serial").all()
            guard !rows.isEmpty else { throw DomainError.notFound(what: "certificate \(serial)") }
            try await AuditLog.record(
                AuditEntry(
                    principal: principal,
                    action: "pki.revoke",
                    targetType: "certificate",
                    targetID: serial,
                    requestID: nil,
                    change: ["reason": reason]
                ),
                on: db,
                clock: clock
            )
        }
    }

    /// Records the agency of staff certificates that have none (issued before certificates
    /// recorded it), from the accounts; returns how many were filled.
    public func recordStaffAgencies() async throws -> Int {
        let rows = try await database.read { db in
            try await db.select().columns("serial", "owner").from("pki_certificates").where("kind", .equal, CertificateKind.staff.rawValue)
                .where("agency", .is, SQLLiteral.null).all()
        }
        var filled = 0
        for row in rows {
            guard let owner = try row.decode(column: "owner", as: String?.self), let agency = try await agencyOfStaff(owner) else { continue }
            let serial = try row.decode(column: "serial", as: String.self)
            try await database.transaction { db in
                try await db.update("pki_certificates").set("agency", to: agency).where("serial", .equal, serial).run()
                try await AuditLog.record(
                    AuditEntry(
                        principal: .system("migrate"),
                        action: "pki.bind-agency",
                        targetType: "certificate",
                        targetID: serial,
                        requestID: nil,
                        change: ["agency": agency]
                    ),
                    on: db,
                    clock: clock
                )
            }
            filled += 1
        }
        if filled > 0 { trustChanged() }
        return filled
    }

    /// Forgets the trust list after this process's own change (other instances see the table's
    /// new stamp within a second).
    func trustChanged() {
        trustStampCache.clear()
        trust.clear()
    }

    public func certificate(serial: String) async throws -> StoredCertificate? {
        try await database.read { db in
            try await db.select().columns(Self.columns).from("pki_certificates").where("serial", .equal, serial.lowercased())
                .first(decoding: StoredCertificate.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// The newest valid, unrevoked signing certificate of an owner.
    public func signingCertificate(of owner: String) async throws -> StoredCertificate? {
        try await signingRow(of: owner, columns: Self.columns)?.decode(model: StoredCertificate.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// The row (`columns`) of the newest valid, unrevoked certificate of `owner` that has a key.
    func signingRow(of owner: String, columns: [String]) async throws -> (any SQLRow)? {
        let now = clock.millis()
        return try await database.read { db in
            try await db.select().columns(columns).from("pki_certificates").where("owner", .equal, owner)
                .where("revoked_at", .is, SQLLiteral.null).where("not_after", .greaterThan, now).where("encrypted_key", .isNot, SQLLiteral.null)
                .orderBy("id", .descending).first()
        }
    }

    /// What signing as `owner` needs, read once: the newest valid, unrevoked certificate with a
    /// key, and that key decrypted (PEM).
    func signingMaterial(of owner: String) async throws -> (stored: StoredCertificate, certificate: Certificate, keyPEM: String)? {
        guard let row = try await signingRow(of: owner, columns: Self.columns + ["encrypted_key"]),
            let sealed = try row.decode(column: "encrypted_key", as: String?.self)
        else { return nil }
        let stored = try row.decode(model: StoredCertificate.self, keyDecodingStrategy: .convertFromSnakeCase)
        return (stored, try Certificate(pemEncoded: stored.pem), try vault.open(sealed))
    }

    /// A certificate with its decrypted private key.
    func keyPair(serial: String) async throws -> (Certificate, Certificate.PrivateKey)? {
        let row = try await database.read { db in
            try await db.select().columns("pem", "encrypted_key").from("pki_certificates").where("serial", .equal, serial).first()
        }
        guard let row, let sealed = try row.decode(column: "encrypted_key", as: String?.self) else { return nil }
        return (
            try Certificate(pemEncoded: try row.decode(column: "pem", as: String.self)),
            try Certificate.PrivateKey(pemEncoded: try vault.open(sealed))
        )
    }

    /// The private key in PEM (for export to a token or to an external signer; audited).
    public func exportPrivateKey(serial: String, by principal: Principal) async throws -> String {
        guard let (_, key) = try await keyPair(serial: serial.lowercased()) else { throw DomainError.notFound(what: "key of \(serial)") }
        let clock = clock
        try await database.transaction { db in
            try await AuditLog.record(
                AuditEntry(principal: principal, action: "pki.export-key", targetType: "certificate", targetID: serial, requestID: nil),
                on: db,
                clock: clock
            )
        }
        return try key.serializeAsPEM().pemString
    }
}
