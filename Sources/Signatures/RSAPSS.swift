import BigInt
import Crypto
import Foundation
import _CryptoExtras

/// RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS with MGF1) for any salt length, as OpenSSL
/// signs by default (the longest salt the key allows). swift-crypto verifies only a salt as long
/// as the digest, so the encoded message is recovered here with the public key and checked.
enum RSAPSS {
    enum Hash {
        case sha256, sha384, sha512

        var length: Int {
            switch self {
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        func digest(_ data: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: data))
            case .sha384: Array(SHA384.hash(data: data))
            case .sha512: Array(SHA512.hash(data: data))
            }
        }
    }

    /// Whether `signature` is a PSS signature of the message whose digest is `messageHash`.
    static func isValid(_ signature: [UInt8], messageHash: [UInt8], hash: Hash, saltLength: Int, key: _RSA.Signing.PublicKey) -> Bool {
        guard let primitives = try? key.getKeyPrimitives() else { return false }
        let modulus = BigUInt(primitives.modulus)
        let s = BigUInt(Data(signature))
        guard s < modulus else { return false }
        let m = s.power(BigUInt(primitives.publicExponent), modulus: modulus)
        let emBits = modulus.bitWidth - 1
        let emLength = (emBits + 7) / 8
        let bytes = [UInt8](m.serialize())
        guard bytes.count <= emLength else { return false }
        let encoded = [UInt8](repeating: 0, count: emLength - bytes.count) + bytes
        return verifyEncoding(encoded, messageHash: messageHash, emBits: emBits, hash: hash, saltLength: saltLength)
    }

    /// EMSA-PSS-VERIFY on the encoded message.
    static func verifyEncoding(_ em: [UInt8], messageHash: [UInt8], emBits: Int, hash: Hash, saltLength: Int) -> Bool {
        let hLen = hash.length
        let emLen = em.count
        guard messageHash.count == hLen, saltLength >= 0, emLen >= hLen + saltLength + 2, em[emLen - 1] == 0xBC else { return false }
        let maskedDB = Array(em[0..<(emLen - hLen - 1)])
        let h = Array(em[(emLen - hLen - 1)..<(emLen - 1)])
        let unusedBits = 8 * emLen - emBits
        let topMask: UInt8 = unusedBits == 0 ? 0xFF : 0xFF >> unusedBits
        guard maskedDB[0] & ~topMask == 0 else { return false }
        var db = zip(maskedDB, mgf1(seed: h, length: maskedDB.count, hash: hash)).map { $0 ^ $1 }
        db[0] &= topMask
        let padding = emLen - hLen - saltLength - 2
        guard db[0..<padding].allSatisfy({ $0 == 0 }), db[padding] == 0x01 else { return false }
        let salt = db[(db.count - saltLength)...]
        return hash.digest([UInt8](repeating: 0, count: 8) + messageHash + salt) == h
    }

    /// MGF1 (RFC 8017 §B.2.1).
    static func mgf1(seed: [UInt8], length: Int, hash: Hash) -> [UInt8] {
        var output: [UInt8] = []
        var counter: UInt32 = 0
        while output.count < length {
            let c = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            output += hash.digest(seed + c)
            counter += 1
        }
        return Array(output.prefix(length))
    }
}
