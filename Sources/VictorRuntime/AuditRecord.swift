public import Foundation
import VictorDocuments
import VictorLocks

/// One line of the audit trail: a gate decision, or a call decided and run, or the outcome of a
/// call run elsewhere.
public struct AuditRecord: Sendable, Hashable {
    /// What the record reports.
    public enum Event: String, Sendable, Hashable, CaseIterable, Codable {
        /// A decision only: the call runs elsewhere, or not at all.
        case decision
        /// A call decided by the gate and, when allowed, run by the runtime.
        case call
        /// The outcome of a call run elsewhere, reported after its decision.
        case outcome
    }

    /// How a call ended.
    public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
        /// The tool returned a result.
        case succeeded
        /// The tool threw, or could not be started.
        case failed
        /// The tool ran past its time limit and was cancelled.
        case timedOut = "timed_out"
        /// The caller cancelled the call.
        case cancelled
        /// The gate refused the call; it never ran.
        case notRun = "not_run"
    }

    /// What the record reports.
    public var event: Event
    /// When the decision was made (for an outcome record, when the outcome was reported), to the
    /// millisecond: records keep the precision they are written with.
    public var time: Date {
        get { Date(timeIntervalSince1970: Double(milliseconds) / 1_000) }
        set { milliseconds = Self.milliseconds(newValue) }
    }
    /// The time in milliseconds since 1970, the precision records are written with; kept as an
    /// integer so a record is a plain value (Foundation's `Date` is opaque to the optimizer).
    var milliseconds: Int64
    /// The session's id.
    public var session: String
    /// The user the agent acted for.
    public var user: String
    /// The persona's id.
    public var persona: String
    /// The persona's version.
    public var personaVersion: Int
    /// The call's id.
    public var callID: String
    /// The tool's name as called.
    public var tool: String
    /// The SHA-256 of the arguments' canonical JSON, in lowercase hex.
    public var argumentsDigest: String
    /// The arguments themselves, only when the runtime is configured to record them.
    public var arguments: JSONValue?
    /// The gate's verdict.
    public var verdict: GateVerdict
    /// The deciding step.
    public var step: GateStep
    /// Why, in one line.
    public var reason: String {
        get { reasonText.text }
        set { reasonText = GateReason(newValue) }
    }
    /// The reason as the gate kept it.
    var reasonText: GateReason
    /// The deciding policy, when one decided.
    public var policy: String?
    /// Who approved the call, when an approver did.
    public var approver: String?
    /// How the call ended; `nil` for a decision record.
    public var outcome: Outcome?
    /// The error's description, for a failed call.
    public var error: String?
    /// Nanoseconds from the start of the decision to the end of the call (or of the decision).
    public var durationNanoseconds: Int64
}

// The initializer lives in an extension so that the struct keeps its memberwise initializer,
// which the optimizer builds in place; an explicit one made it build and then copy the record.
extension AuditRecord {
    /// Creates a record.
    public init(
        event: Event,
        time: Date,
        session: String,
        user: String,
        persona: String,
        personaVersion: Int,
        callID: String,
        tool: String,
        argumentsDigest: String,
        arguments: JSONValue? = nil,
        verdict: GateVerdict,
        step: GateStep,
        reason: String,
        policy: String? = nil,
        approver: String? = nil,
        outcome: Outcome? = nil,
        error: String? = nil,
        durationNanoseconds: Int64
    ) {
        self.init(
            event: event,
            milliseconds: Self.milliseconds(time),
            session: session,
            user: user,
            persona: persona,
            personaVersion: personaVersion,
            callID: callID,
            tool: tool,
            argumentsDigest: argumentsDigest,
            arguments: arguments,
            verdict: verdict,
            step: step,
            reasonText: GateReason(reason),
            policy: policy,
            approver: approver,
            outcome: outcome,
            error: error,
            durationNanoseconds: durationNanoseconds
        )
    }
}

extension AuditRecord {
    /// The record as one line of JSON (no trailing newline), keys in a fixed order, absent
    /// optional fields omitted; strings escaped so a line can never contain a line break.
    ///
    /// Characters the strict reader refuses (controls, line and paragraph separators,
    /// noncharacters) are written as the text `\u{XXXX}`, in free text and recorded arguments
    /// alike, so every line reads back; the digest is of the arguments as called.
    public var jsonLine: String {
        var bytes: [UInt8] = []
        appendJSONLine(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``jsonLine`` to `bytes`: what the audit file's writer calls for every record.
    public func appendJSONLine(to bytes: inout [UInt8]) {
        func key(_ name: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        func field(_ name: StaticString, _ text: String?) {
            guard let text else { return }
            key(name)
            Self.appendQuotedReadable(text, to: &bytes)
        }
        func number<N: BinaryInteger>(_ value: N) {
            var digits = String(value)
            digits.withUTF8 { bytes.append(contentsOf: $0) }
        }
        key("{\"event\":")
        DocumentWriter.appendQuoted(event.rawValue, to: &bytes)
        key(",\"time\":\"")
        Self.appendTime(milliseconds: milliseconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        field(",\"session\":", session)
        field(",\"user\":", user)
        field(",\"persona\":", persona)
        key(",\"persona_version\":")
        number(personaVersion)
        field(",\"call_id\":", callID)
        field(",\"tool\":", tool)
        field(",\"arguments_sha256\":", argumentsDigest)
        if let arguments {
            key(",\"arguments\":")
            bytes.append(contentsOf: Self.readable(arguments).canonicalJSON.utf8)
        }
        field(",\"verdict\":", verdict.rawValue)
        field(",\"step\":", step.rawValue)
        field(",\"reason\":", reason)
        field(",\"policy\":", policy)
        field(",\"approver\":", approver)
        field(",\"outcome\":", outcome?.rawValue)
        field(",\"error\":", error)
        key(",\"duration_ns\":")
        number(durationNanoseconds)
        bytes.append(UInt8(ascii: "}"))
    }

    /// Reads a record from one line of JSON as ``jsonLine`` writes it.
    /// - Throws: ``RuntimeError/Code/invalidJSON`` naming the missing or malformed field.
    public init(jsonLine line: String, source: String = "audit record") throws(RuntimeError) {
        let value = try JSONValue.parse(line, source: source)
        func text(_ key: String) throws(RuntimeError) -> String {
            guard case .string(let text)? = value[key] else {
                throw RuntimeError(.invalidJSON, "\(source): '\(key)' is missing or not a string")
            }
            return text
        }
        func optionalText(_ key: String) throws(RuntimeError) -> String? {
            value[key] == nil ? nil : try text(key)
        }
        func integer(_ key: String) throws(RuntimeError) -> Int {
            guard case .integer(let number)? = value[key] else {
                throw RuntimeError(.invalidJSON, "\(source): '\(key)' is missing or not an integer")
            }
            return number
        }
        func choice<T: RawRepresentable>(_ key: String, _ type: T.Type) throws(RuntimeError) -> T
        where T.RawValue == String {
            let raw = try text(key)
            guard let parsed = T(rawValue: raw) else {
                throw RuntimeError(
                    .invalidJSON,
                    "\(source): '\(key)' has the unknown value \(ExactText.quotedForDisplay(raw))"
                )
            }
            return parsed
        }
        let event = try choice("event", Event.self)
        guard let milliseconds = Self.parseMilliseconds(try text("time")) else {
            throw RuntimeError(.invalidJSON, "\(source): 'time' is not an ISO 8601 time")
        }
        let time = Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
        self.init(
            event: event,
            time: time,
            session: try text("session"),
            user: try text("user"),
            persona: try text("persona"),
            personaVersion: try integer("persona_version"),
            callID: try text("call_id"),
            tool: try text("tool"),
            argumentsDigest: try text("arguments_sha256"),
            arguments: value["arguments"],
            verdict: try choice("verdict", GateVerdict.self),
            step: try choice("step", GateStep.self),
            reason: try text("reason"),
            policy: try optionalText("policy"),
            approver: try optionalText("approver"),
            outcome: try optionalText("outcome").map { raw throws(RuntimeError) in
                guard let outcome = Outcome(rawValue: raw) else {
                    throw RuntimeError(
                        .invalidJSON,
                        "\(source): 'outcome' has the unknown value \(ExactText.quotedForDisplay(raw))"
                    )
                }
                return outcome
            },
            error: try optionalText("error"),
            durationNanoseconds: Int64(try integer("duration_ns"))
        )
        // The millisecond as written: converting through `Date` may land a hair below it.
        self.milliseconds = milliseconds
    }

    /// Appends `text` made readable (`readable(_:)`) and quoted. Printable ASCII without a quote or
    /// backslash, nearly every field, is copied in one pass over its bytes.
    static func appendQuotedReadable(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        let copied = text.withUTF8 { source -> Bool in
            for byte in source
            where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: source)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if !copied { DocumentWriter.appendQuoted(readable(text), to: &bytes) }
    }

    /// `text` with every character the strict reader refuses written as `\u{XXXX}`.
    static func readable(_ text: String) -> String {
        // Printable ASCII (the common case) holds nothing to replace.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: ExactText.isForbidden) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if ExactText.isForbidden(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func readable(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(readable(text))
        case .array(let items): .array(items.map(readable))
        case .object(let members):
            .object(Dictionary(members.map { (readable($0.key), readable($0.value)) }, uniquingKeysWith: { a, _ in a }))
        default: value
        }
    }

    private static let secondsStyle = Date.ISO8601FormatStyle()
    /// The last whole second formatted, without its `Z`: records come in bursts within a second.
    private static let lastSecond = Locked<(second: Int64, text: [UInt8])>((.min, []))

    /// `time` in whole milliseconds since 1970, rounded down (toward the past).
    static func milliseconds(_ time: Date) -> Int64 {
        let milliseconds = (time.timeIntervalSince1970 * 1_000).rounded(.down)
        // Beyond ±2^63 ms (about 292 million years) a date is clamped, not trapped on.
        guard milliseconds.isFinite, milliseconds > -9.2e18, milliseconds < 9.2e18 else {
            return milliseconds > 0 ? 9_200_000_000_000_000_000 : -9_200_000_000_000_000_000
        }
        return Int64(milliseconds)
    }

    /// Appends the time as `2026-11-28T19:56:18.123Z`: Foundation formats the whole second (once
    /// per second), the milliseconds are appended.
    static func appendTime(milliseconds time: Int64, to bytes: inout [UInt8]) {
        let (second, remainder) = time.quotientAndRemainder(dividingBy: 1_000)
        // Division rounds toward zero; times before 1970 belong to the second below.
        let (wholeSecond, milliseconds) =
            remainder < 0 ? (second - 1, Int(remainder + 1_000)) : (second, Int(remainder))
        let prefix = lastSecond.withLock { cache -> [UInt8] in
            if cache.second == wholeSecond { return cache.text }
            let text = Array(
                Date(timeIntervalSince1970: Double(wholeSecond)).formatted(secondsStyle).utf8.dropLast()
            )
            cache = (wholeSecond, text)
            return text
        }
        bytes.append(contentsOf: prefix)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
        bytes.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        bytes.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Reads an ISO 8601 time such as `2026-11-28T19:56:18.123Z` as whole milliseconds since
    /// 1970, exactly: Foundation reads the whole second, the fraction's digits are read here
    /// (the first three; further digits are cut off, as the writer rounds down). `nil` when the
    /// text is not such a time.
    static func parseMilliseconds(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        guard let dot = utf8.firstIndex(of: UInt8(ascii: ".")) else {
            return (try? secondsStyle.parse(text)).flatMap { wholeMilliseconds($0) }
        }
        var end = dot + 1
        while end < utf8.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[end]) { end += 1 }
        guard end > dot + 1 else { return nil }
        var fraction: Int64 = 0
        for position in 0..<3 {
            let index = dot + 1 + position
            fraction = fraction * 10 + (index < end ? Int64(utf8[index] - UInt8(ascii: "0")) : 0)
        }
        let rest = String(decoding: utf8[..<dot] + utf8[end...], as: UTF8.self)
        guard let whole = try? secondsStyle.parse(rest), let milliseconds = wholeMilliseconds(whole) else {
            return nil
        }
        return milliseconds + fraction
    }

    /// A time of whole seconds in milliseconds since 1970; `nil` beyond what a record keeps.
    private static func wholeMilliseconds(_ time: Date) -> Int64? {
        let seconds = time.timeIntervalSince1970.rounded()
        guard seconds.isFinite, abs(seconds) < 9.2e15 else { return nil }
        return Int64(seconds) * 1_000
    }
}
