import Crypto
import Foundation
import VictorDocuments

/// What a call's outcome record needs from the decision that allowed it, sealed so that any
/// holder of the key can trust it: a service's instances hand a receipt out with every allowed
/// call, and accept an outcome reported to any of them, not only to the one that decided.
///
/// Sealed form: `PAYLOAD.MAC`, both base64url without padding; the payload is the receipt's
/// canonical JSON, the MAC its HMAC-SHA256 under the key. Opening checks the MAC in constant
/// time before reading a byte of the payload.
///
/// A receipt names its session and call, so it records the outcome of that call only. It does
/// not expire, and nothing stops it from being presented twice: like an outcome reported twice
/// to the deciding instance's memory, a second report is one more outcome record, never a new
/// decision or a spent budget.
public struct OutcomeReceipt: Sendable, Hashable {
    /// The session the call was made in.
    public var session: String
    /// The call's id.
    public var callID: String
    /// The tool's name, in NFC, as the gate decided it.
    public var tool: String
    /// The SHA-256 of the arguments' canonical JSON, as in the decision's audit record.
    public var argumentsDigest: String
    /// The step that allowed the call.
    public var step: GateStep
    /// Why the call was allowed.
    public var reason: String
    /// The policy that allowed it, when one did.
    public var policy: String?

    /// The most bytes a sealed receipt may have: a larger text is refused before it is decoded.
    public static let maximumLength = 16_384

    /// The receipt of an allowed `call`; `nil` when `decision` did not allow it.
    /// - Parameters:
    ///   - call: the call as it was authorized.
    ///   - decision: the gate's decision on it.
    ///   - session: the session it was made in.
    public init?(call: ToolCall, decision: GateDecision, session: AgentSession) {
        guard decision.allowed else { return nil }
        self.session = session.id
        callID = call.id
        tool = ExactText.normalized(call.tool)
        argumentsDigest = AgentRuntime.digest(call.arguments.normalized())
        step = decision.step
        reason = decision.reason
        policy = decision.policy
    }

    /// The receipt sealed with `key`.
    public func sealed(with key: ReceiptKey) -> String {
        var members: [String: JSONValue] = [
            "session": .string(session), "call_id": .string(callID), "tool": .string(tool),
            "arguments_sha256": .string(argumentsDigest), "step": .string(step.rawValue),
            "reason": .string(reason),
        ]
        if let policy { members["policy"] = .string(policy) }
        let payload = Array(JSONValue.object(members).canonicalJSON.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key.symmetric)
        return Self.base64URL(payload) + "." + Self.base64URL(Array(mac))
    }

    /// Opens a receipt sealed with `key`.
    /// - Throws: ``RuntimeError/Code/invalidReceipt`` when the text is too long or malformed, its
    ///   MAC does not verify under `key`, or its payload lacks a field.
    public init(sealed text: String, key: ReceiptKey) throws(RuntimeError) {
        func refuse(_ why: String) -> RuntimeError { RuntimeError(.invalidReceipt, "the receipt \(why)") }
        guard text.utf8.count <= Self.maximumLength else {
            throw refuse("is longer than \(Self.maximumLength) bytes")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.bytes(base64URL: parts[0]), let mac = Self.bytes(base64URL: parts[1])
        else {
            throw refuse("is not two base64url parts joined by a dot")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key.symmetric) else {
            throw refuse("was not issued here: its seal does not verify")
        }
        let value: JSONValue
        do throws(RuntimeError) {
            value = try JSONValue.parse(bytes: payload, source: "receipt")
        } catch {
            throw refuse("holds no JSON object: \(error.message)")
        }
        func field(_ key: String) throws(RuntimeError) -> String {
            guard case .string(let text)? = value[key] else { throw refuse("has no \(key)") }
            return text
        }
        session = try field("session")
        callID = try field("call_id")
        tool = try field("tool")
        argumentsDigest = try field("arguments_sha256")
        guard let step = GateStep(rawValue: try field("step")) else { throw refuse("names an unknown step") }
        self.step = step
        reason = try field("reason")
        policy = value["policy"] == nil ? nil : try field("policy")
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of unpadded base64url text; `nil` for any other character, a length no
    /// encoding has, or a spelling other than the one ``base64URL(_:)`` writes. The last
    /// character of a part carries unused low bits, and a decoder that ignored them would open
    /// a receipt with a changed character: one receipt has one text.
    static func bytes(base64URL text: Substring) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URL }), text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let bytes = Data(base64Encoded: standard).map(Array.init), base64URL(bytes) == text else { return nil }
        return bytes
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self)
            || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}

/// The secret outcome receipts are sealed with: 32 bytes that every instance accepting another's
/// receipts must share (a service on a shared store reads it from the database).
public struct ReceiptKey: Sendable {
    let bytes: [UInt8]

    /// A key of the given bytes.
    /// - Precondition: at least 16 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count >= 16, "a receipt key needs at least 16 bytes")
        self.bytes = bytes
    }

    /// A new key of 32 bytes from the system's secure random source.
    public static func random() -> ReceiptKey {
        ReceiptKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    var symmetric: SymmetricKey { SymmetricKey(data: bytes) }
}
