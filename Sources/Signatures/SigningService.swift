import Audit
import Core
import Foundation
import SQLKit
import Storage
import X509

/// Signing files with an owner's certificate and checking signatures against the provincial
/// authority and its revocation list.
extension CertificateAuthority {
    /// A detached CMS signature of `content` by `owner`'s current certificate (audited).
    public func sign(_ content: Data, as owner: String, by principal: Principal, requestID: String?) async throws -> (signature: [UInt8], certificate: StoredCertificate) {
        let made = try await signature(of: content, as: owner, by: principal, requestID: requestID)
        let clock = clock
        try await database.transaction { db in try await AuditLog.record(made.audit, on: db, clock: clock) }
        return (made.signature, made.certificate)
    }

    /// A detached CMS signature of `content` by `owner`'s current certificate, with the audit
    /// entry the caller records in the transaction that uses the signature.
    public func signature(of content: Data, as owner: String, by principal: Principal, requestID: String?) async throws
        -> (signature: [UInt8], certificate: StoredCertificate, audit: AuditEntry) {
        guard let (stored, certificate, pem) = try await signingMaterial(of: owner), let key = try? Certificate.PrivateKey(pemEncoded: pem) else {
            throw DomainError.conflict(messageVi: "\(owner) chưa có chứng thư ký số còn hiệu lực", messageEn: "\(owner) has no valid signing certificate")
        }
        let signature = try CMSSignature.sign(content, certificate: certificate, key: key, at: clock.now())
        // The content's digest is in the signature's signed attributes (not hashed a second time).
        let contentSha256 = try CMSSignature.parse(CMSSignature.der(Data(signature))).messageDigest.map(Digest.hex) ?? Digest.sha256Hex(content)
        let audit = AuditEntry(principal: principal, action: "signature.sign", targetType: "certificate", targetID: stored.serial, requestID: requestID,
                               change: ["contentSha256": contentSha256])
        return (signature, stored, audit)
    }

    /// Checks a detached signature of `content` against every authority the platform trusts.
    public func verify(_ signature: Data, content: Data) async throws -> SignatureReport {
        let trust = try await trustList()
        return CMSSignature.verify(signature, content: content, trustRoots: trust.roots, now: clock.now()) { trust.revoked[$0] }
    }

    /// The stored authorities (revoked ones included, as their earlier signatures are judged by
    /// the revocation list) and every revoked serial with when it was revoked.
    struct TrustList: Sendable {
        let roots: [Certificate]
        let revoked: [String: Int64]
    }

    func trustList() async throws -> TrustList {
        try await trust.value(for: 0) { try await readTrustList() }!
    }

    func readTrustList() async throws -> TrustList {
        let rows = try await database.read { db in
            try await db.select().columns("kind", "pem", "serial", "revoked_at").from("pki_certificates").all()
        }
        var roots: [Certificate] = []
        var revoked: [String: Int64] = [:]
        for row in rows {
            if let at = try row.decode(column: "revoked_at", as: Int64?.self) { revoked[try row.decode(column: "serial", as: String.self)] = at }
            if try row.decode(column: "kind", as: String.self) == CertificateKind.authority.rawValue,
               let certificate = try? Certificate(pemEncoded: try row.decode(column: "pem", as: String.self)) {
                roots.append(certificate)
            }
        }
        return TrustList(roots: roots, revoked: revoked)
    }
}
