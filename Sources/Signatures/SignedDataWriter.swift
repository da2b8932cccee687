import Crypto
import Foundation
import SwiftASN1
@_spi(CMS) import X509

/// Writes CMS SignedData (RFC 5652) with signed attributes, and unsigned attributes computed
/// from the signature (a time-stamp token over it): what swift-certificates' `CMS.sign` cannot
/// do. Used for the platform's detached file signatures and for its RFC 3161 tokens.
enum SignedDataWriter {
    typealias OID = CMSSignature.OID

    /// A DER-encoded Attribute (type and one value).
    static func attribute(_ type: ASN1ObjectIdentifier, _ write: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { sequence in
            try sequence.serialize(type)
            try sequence.appendConstructedNode(identifier: .set) { try write(&$0) }
        }
        return serializer.serializedBytes
    }

    /// A SET OF in DER order (elements sorted by their encodings), with `tag`.
    static func set(_ elements: [[UInt8]], tag: ASN1Identifier = .set) -> [UInt8] {
        var serializer = DER.Serializer()
        serializer.appendConstructedNode(identifier: tag) { set in
            for element in elements.sorted(by: { $0.lexicographicallyPrecedes($1) }) { set.serializeRawBytes(element) }
        }
        return serializer.serializedBytes
    }

    static func algorithm(_ oid: ASN1ObjectIdentifier, null: Bool, into serializer: inout DER.Serializer) throws {
        try serializer.appendConstructedNode(identifier: .sequence) { sequence in
            try sequence.serialize(oid)
            if null { try sequence.serialize(ASN1Null()) }
        }
    }

    /// The SignedData ContentInfo. `content` is digested (SHA-256) and, unless `detached`,
    /// carried; `unsigned` makes unsigned attributes from the signature value.
    static func write(
        contentType: ASN1ObjectIdentifier,
        content: some DataProtocol,
        detached: Bool,
        signedAttributes extra: [[UInt8]] = [],
        certificate: Certificate,
        key: Certificate.PrivateKey,
        unsigned: (_ signature: [UInt8]) throws -> [[UInt8]] = { _ in [] }
    ) throws -> [UInt8] {
        let digest = Array(SHA256.hash(data: content))
        var attributes = extra
        attributes.append(try attribute(OID.contentType) { try $0.serialize(contentType) })
        attributes.append(try attribute(OID.messageDigest) { try $0.serialize(ASN1OctetString(contentBytes: digest[...])) })
        let signatureAlgorithm = CMSSignature.signatureAlgorithm(for: key)
        let isRSA = signatureAlgorithm == .sha256WithRSAEncryption
        let signature = try key.sign(bytes: set(attributes), signatureAlgorithm: signatureAlgorithm).rawRepresentation
        let unsignedAttributes = try unsigned(signature)
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { info in
            try info.serialize(OID.signedData)
            try info.appendConstructedNode(identifier: CMSSignature.context(0)) { explicit in
                try explicit.appendConstructedNode(identifier: .sequence) { signedData in
                    try signedData.serialize(1)
                    try signedData.appendConstructedNode(identifier: .set) { try algorithm(OID.sha256, null: false, into: &$0) }
                    try signedData.appendConstructedNode(identifier: .sequence) { encapsulated in
                        try encapsulated.serialize(contentType)
                        if !detached {
                            try encapsulated.appendConstructedNode(identifier: CMSSignature.context(0)) {
                                try $0.serialize(ASN1OctetString(contentBytes: ArraySlice(content)))
                            }
                        }
                    }
                    try signedData.appendConstructedNode(identifier: CMSSignature.context(0)) { try $0.serialize(certificate) }
                    try signedData.appendConstructedNode(identifier: .set) { infos in
                        try infos.appendConstructedNode(identifier: .sequence) { signer in
                            try signer.serialize(1)
                            try signer.appendConstructedNode(identifier: .sequence) { sid in
                                try sid.serialize(certificate.issuer)
                                try sid.serialize(certificate.serialNumber.bytes)
                            }
                            try algorithm(OID.sha256, null: false, into: &signer)
                            signer.serializeRawBytes(set(attributes, tag: CMSSignature.context(0)))
                            try algorithm(isRSA ? OID.sha256WithRSA : OID.ecdsaSHA256, null: isRSA, into: &signer)
                            try signer.serialize(ASN1OctetString(contentBytes: signature[...]))
                            if !unsignedAttributes.isEmpty { signer.serializeRawBytes(set(unsignedAttributes, tag: CMSSignature.context(1))) }
                        }
                    }
                }
            }
        }
        return serializer.serializedBytes
    }

    /// A UTCTime for a signing-time attribute (whole seconds, UTC).
    static func utcTime(_ date: Date) throws -> UTCTime {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return try UTCTime(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!)
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return try GeneralizedTime(
            year: c.year!,
            month: c.month!,
            day: c.day!,
            hours: c.hour!,
            minutes: c.minute!,
            seconds: c.second!,
            fractionalSeconds: 0
        )
    }
}
