import Core
import Foundation
import Signatures

extension CertificateAuthority {
    /// The enveloped XML signature of an edXML package by `owner`'s current key.
    public func signPackage(_ document: EdXMLDocument, today: LocalDate, as owner: String) async throws -> EdXMLSignature {
        let digest = try EdXMLEncoder.digest(document, today: today)
        let raw = try await signRaw(as: owner) { Data(EdXMLSignature.signedInfo(digest: digest, isRSA: $0).utf8) }
        return EdXMLSignature(
            signedInfo: EdXMLSignature.signedInfo(digest: digest, isRSA: raw.isRSA),
            value: raw.value,
            certificateDER: raw.certificateDER
        )
    }
}
