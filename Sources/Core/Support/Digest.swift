import Crypto
import Foundation

/// SHA-256 digests as lowercase hex, used for audit chains and stored token hashes.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
