import Core
import Foundation

/// What happened, to be written in the audit log in the same transaction as the change.
public struct AuditEntry: Sendable {
    public let principal: Principal
    public let action: String
    public let targetType: String
    public let targetID: String
    public let requestID: String?
    /// The change as field → value. Never put secrets (passwords, tokens, hashes) here.
    public let change: [String: String]

    public init(principal: Principal, action: String, targetType: String, targetID: String, requestID: String?, change: [String: String] = [:]) {
        self.principal = principal
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.requestID = requestID
        self.change = change
    }
}

/// A stored audit record with its place in the hash chain: `seq` orders the whole log (for
/// lists); the chain runs through its lane, `laneSeq` 1, 2, 3, … (lane 0 is the single chain
/// written before lanes existed, where `laneSeq` equals `seq`).
public struct AuditRecord: Sendable, Codable, Equatable {
    public let seq: Int64
    public let lane: Int
    public let laneSeq: Int64
    public let occurredAt: Int64
    public let actorUserId: Int64?
    public let actor: String
    public let actorRole: String
    public let agency: String?
    public let action: String
    public let targetType: String
    public let targetId: String
    public let requestId: String?
    public let changeDigest: String
    public let details: String
    public let prevHash: String
    public let hash: String

    /// The SHA-256 digest (hex) of a canonical JSON text.
    static func digest(_ text: String) -> String { Digest.sha256Hex(text) }

    /// Canonical JSON of a change: keys sorted, no whitespace, `/` and non-ASCII as they are
    /// (the text JSONSerialization writes with sorted keys, without its cost on every write).
    static func canonical(_ change: [String: String]) -> String {
        var text = "{"
        for (index, key) in change.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            appendQuoted(key, to: &text)
            text += ":"
            appendQuoted(change[key]!, to: &text)
        }
        return text + "}"
    }

    private static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// The chain hash over the previous hash and every field of the record. The record's place
    /// is its lane and number in the lane (`3.41`); in lane 0 the number alone, as it was written.
    static func chainHash(
        prevHash: String,
        lane: Int,
        seq: Int64,
        occurredAt: Int64,
        actorUserId: Int64?,
        actor: String,
        actorRole: String,
        agency: String?,
        action: String,
        targetType: String,
        targetId: String,
        requestId: String?,
        changeDigest: String
    ) -> String {
        let fields: [String] = [
            prevHash, lane == 0 ? String(seq) : "\(lane).\(seq)", String(occurredAt), actorUserId.map(String.init) ?? "", actor, actorRole,
            agency ?? "", action, targetType, targetId, requestId ?? "", changeDigest,
        ]
        return digest(fields.joined(separator: "\u{1F}"))
    }

    /// The hash this record should carry given its own fields.
    var expectedHash: String {
        Self.chainHash(
            prevHash: prevHash,
            lane: lane,
            seq: laneSeq,
            occurredAt: occurredAt,
            actorUserId: actorUserId,
            actor: actor,
            actorRole: actorRole,
            agency: agency,
            action: action,
            targetType: targetType,
            targetId: targetId,
            requestId: requestId,
            changeDigest: changeDigest
        )
    }

    static let genesis = String(repeating: "0", count: 64)
}
