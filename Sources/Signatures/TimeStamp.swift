import Foundation
import SwiftASN1
import X509

/// RFC 3161 time-stamp tokens: the only signing time the platform trusts besides the moment of
/// checking. A token counts when it is a SignedData over a TSTInfo whose message imprint is the
/// digest of the signature it stamps, signed by a time-stamping certificate (extended key usage
/// `timeStamping`) with a valid path to a trusted authority at the stamped time, nothing in that
/// path revoked at any time up to now, and the stamped time not in the future.
public enum TimeStamp {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// What a TSTInfo says (RFC 3161 §2.4.2).
    struct Info {
        let imprintAlgorithm: ASN1ObjectIdentifier
        let imprint: [UInt8]
        let time: Date
    }

    static func info(_ bytes: [UInt8]) throws -> Info {
        try DER.sequence(try DER.parse(bytes), identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)  // version
            _ = try ASN1ObjectIdentifier(derEncoded: &nodes)  // policy
            guard let imprintNode = nodes.next() else { throw Failure(description: "no message imprint") }
            let (algorithm, imprint) = try DER.sequence(imprintNode, identifier: .sequence) { fields in
                let algorithm = try CMSSignature.algorithm(fields.next()).oid
                guard let value = fields.next() else { throw Failure(description: "no hashed message") }
                return (algorithm, Array(try ASN1OctetString(derEncoded: value).bytes))
            }
            _ = nodes.next()  // serial number
            guard let timeNode = nodes.next(), let time = CMSSignature.time(timeNode) else { throw Failure(description: "no genTime") }
            while nodes.next() != nil {}
            return Info(imprintAlgorithm: algorithm, imprint: imprint, time: time)
        }
    }

    /// The trusted time a token gives to `signature` (the SignatureValue it stamps).
    static func verify(_ token: [UInt8], over signature: [UInt8], trust: TrustAnchors, now: Date) async -> Result<Date, Failure> {
        let parsed: CMSSignature.Parsed
        let stamped: Info
        do {
            parsed = try CMSSignature.parse(token)
            guard parsed.encapsulatedType == CMSSignature.OID.tstInfo, let content = parsed.encapsulatedContent else {
                return .failure(Failure(description: "not a TSTInfo"))
            }
            stamped = try info(content)
        } catch {
            return .failure(Failure(description: "unreadable token: \(CMSSignature.reason(error))"))
        }
        guard CMSSignature.digest(signature, stamped.imprintAlgorithm) == stamped.imprint else {
            return .failure(Failure(description: "the token stamps another signature"))
        }
        guard stamped.time <= now.addingTimeInterval(60) else { return .failure(Failure(description: "stamped in the future")) }
        guard let signer = parsed.signers.first, let certificate = CMSSignature.certificate(for: signer.sid, among: parsed.certificates + trust.known)
        else {
            return .failure(Failure(description: "no time-stamping certificate"))
        }
        let usages = (try? certificate.extensions.extendedKeyUsage).flatMap { $0 }.map(Array.init) ?? []
        guard usages.contains(.timeStamping) else { return .failure(Failure(description: "the certificate is not for time-stamping")) }
        let (report, path) = await CMSSignature.verify(
            signer,
            certificates: parsed.certificates,
            content: Data(parsed.encapsulatedContent ?? []),
            trust: trust,
            now: stamped.time
        )
        guard report.valid else { return .failure(Failure(description: report.problems.joined(separator: "; "))) }
        // The path it was judged by (at the stamped time): nothing in it may be revoked up to now.
        if path.chain.contains(where: { RevocationPolicy.revoked($0, in: trust.revoked, at: now) }) {
            return .failure(Failure(description: "the time-stamping authority was revoked"))
        }
        return .success(stamped.time)
    }
}
