import Audit
import Core
import Foundation
import SQLKit
import Storage
import Synchronization
import X509

/// Signing files with an owner's certificate and checking signatures against the authorities
/// the platform trusts and its revocation list.
extension CertificateAuthority {
    /// A detached CMS signature of `content` by `owner`'s current certificate (audited).
    public func sign(_ content: Data, as owner: String, by principal: Principal, requestID: String?) async throws -> (
        signature: [UInt8], certificate: StoredCertificate
    ) {
        let made = try await signature(of: content, as: owner, by: principal, requestID: requestID)
        let clock = clock
        try await database.transaction { db in try await AuditLog.record(made.audit, on: db, clock: clock) }
        return (made.signature, made.certificate)
    }

    /// A detached CMS signature of `content` by `owner`'s current certificate, with the audit
    /// entry the caller records in the transaction that uses the signature.
    public func signature(of content: Data, as owner: String, by principal: Principal, requestID: String?) async throws
        -> (signature: [UInt8], certificate: StoredCertificate, audit: AuditEntry)
    {
        guard let (stored, certificate, pem) = try await signingMaterial(of: owner), let key = try? Certificate.PrivateKey(pemEncoded: pem) else {
            throw DomainError.conflict(
                messageVi: "\(owner) chưa có chứng thư ký số còn hiệu lực",
                messageEn: "\(owner) has no valid signing certificate"
            )
        }
        let signature = try await timeStampedSignature(of: content, certificate: certificate, key: key)
        // The content's digest is in the signature's signed attributes (not hashed a second time).
        let contentSha256 = try CMSSignature.parse(CMSSignature.der(Data(signature))).messageDigest.map(Digest.hex) ?? Digest.sha256Hex(content)
        let audit = AuditEntry(
            principal: principal,
            action: "signature.sign",
            targetType: "certificate",
            targetID: stored.serial,
            requestID: requestID,
            change: ["contentSha256": contentSha256]
        )
        return (signature, stored, audit)
    }

    /// Checks a detached signature of `content` against every authority the platform trusts, at
    /// this moment (or the time of a verified time-stamp). With `sender`, the signer must also
    /// belong to that agency.
    public func verify(_ signature: Data, content: Data, sender: String? = nil) async throws -> SignatureReport {
        let trust = try await trustList()
        return await CMSSignature.verify(
            signature,
            content: content,
            trust: trust.anchors,
            now: clock.now(),
            sender: sender.map { agency in (agency, { trust.belongs($0, to: agency) }) }
        )
    }

    /// What verifications consult: the anchors, the known certificates, the revocation list and
    /// whom each stored certificate was issued for.
    struct TrustList: Sendable {
        let anchors: TrustAnchors
        /// serial → the agency a stored signing certificate belongs to (an agency certificate's
        /// owner, a staff certificate's agency).
        let agencyOf: [String: String]

        /// Whether `certificate` belongs to `agency`: a certificate stored here for that agency
        /// (its own or one of its staff's); a certificate not stored here when an attribute of its
        /// subject names the agency identifier as a whole word (`CN=000.00.01.H19`, `OU=… 000.00.01.H19`).
        func belongs(_ certificate: Certificate, to agency: String) -> Bool {
            if let owner = agencyOf[CertificateAuthority.serialHex(certificate.serialNumber)] { return owner == agency }
            return certificate.subject.contains { rdn in
                rdn.contains { attribute in
                    "\(attribute.value)".split { !($0.isLetter || $0.isNumber || $0 == ".") }.contains { $0 == agency }
                }
            }
        }
    }

    /// The trust list, reloaded as soon as any instance changes the certificates (a version stamp
    /// of the table is read at most once a second).
    func trustList() async throws -> TrustList {
        let stamp = try await trustStamp()
        return try await trust.value(for: stamp) { try await readTrustList() }!
    }

    /// A summary of `pki_certificates` that changes with every import, issue and revocation.
    func trustStamp() async throws -> String {
        let now = ContinuousClock.now
        if let (stamp, read) = trustStampCache.withLock({ $0 }), now - read < .seconds(1) { return stamp }
        let row = try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n, MAX(id) AS last, COUNT(revoked_at) AS r, MAX(revoked_at) AS rt FROM pki_certificates").first()
        }
        let stamp = try ["n", "last", "r", "rt"].map { try row?.decode(column: $0, as: Int64?.self).map(String.init) ?? "-" }.joined(separator: ":")
        trustStampCache.withLock { $0 = (stamp, now) }
        return stamp
    }

    func readTrustList() async throws -> TrustList {
        let rows = try await database.read { db in
            try await db.select().columns("kind", "pem", "serial", "owner", "agency", "revoked_at").from("pki_certificates").all()
        }
        var anchors: [Certificate] = []
        var known: [Certificate] = []
        var revoked: [String: Int64] = [:]
        var agencyOf: [String: String] = [:]
        for row in rows {
            let serial = try row.decode(column: "serial", as: String.self)
            if let at = try row.decode(column: "revoked_at", as: Int64?.self) { revoked[serial] = at }
            guard let certificate = try? Certificate(pemEncoded: try row.decode(column: "pem", as: String.self)) else { continue }
            switch CertificateKind(rawValue: try row.decode(column: "kind", as: String.self)) {
            case .authority: anchors.append(certificate)
            case .agency: agencyOf[serial] = try row.decode(column: "owner", as: String?.self)
            case .staff: agencyOf[serial] = try row.decode(column: "agency", as: String?.self) ?? ""
            case .timestamping, nil: break
            }
            known.append(certificate)
        }
        return TrustList(anchors: TrustAnchors(anchors: anchors, known: known, revoked: revoked), agencyOf: agencyOf)
    }
}

/// The last trust-list stamp read, and when (shared by the copies of one authority).
final class StampCache: Sendable {
    private let state = Mutex<(String, ContinuousClock.Instant)?>(nil)
    func withLock<R>(_ body: (inout (String, ContinuousClock.Instant)?) -> R) -> R { state.withLock { body(&$0) } }
    func clear() { state.withLock { $0 = nil } }
}
