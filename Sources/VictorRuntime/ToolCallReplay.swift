import VictorAuthorization
import VictorDocuments

/// Replays recorded agent traffic against a runtime's configuration: what would have been
/// allowed, denied or held for approval, with budgets applied, and whether each expectation
/// holds. Decisions only: nothing runs, and the runtime's audit sinks see the decisions.
///
/// The input is JSON Lines. A line is one of:
/// - a session: `{"type": "session", "session": "s1", "user": "alice", "persona": "worker",
///   "context": {"env": "prod"}}`;
/// - a call in an opened session: `{"type": "call", "session": "s1", "tool": "search",
///   "arguments": {"query": "x"}, "expect": "allowed", "expect_step": "policy"}` (`expect` and
///   `expect_step` are optional);
/// - an audit record (``AuditRecord/jsonLine``, event `call` or `decision`) with its arguments:
///   its session opens on first sight (without context), and the recorded verdict is compared
///   with the replayed one (a difference is reported as a change, not a failure). A record
///   without arguments cannot be replayed and is skipped, with a note.
///
/// Blank lines are ignored.
public enum ToolCallReplay {
    /// One replayed call.
    public struct Entry: Sendable {
        /// The line in the input, from 1.
        public var line: Int
        /// The session's id.
        public var session: String
        /// The tool called.
        public var tool: String
        /// The replayed decision.
        public var decision: GateDecision
        /// The expected verdict, when the line gives one.
        public var expected: GateVerdict?
        /// The expected deciding step, when the line gives one.
        public var expectedStep: GateStep?
        /// The verdict an audit record recorded, for a replayed audit record.
        public var recorded: GateVerdict?

        /// Whether every expectation of the line holds.
        public var passed: Bool {
            (expected.map { $0 == decision.verdict } ?? true) && (expectedStep.map { $0 == decision.step } ?? true)
        }

        /// Whether a replayed audit record was decided differently.
        public var changed: Bool { recorded.map { $0 != decision.verdict } ?? false }
    }

    /// What a replay found.
    public struct Report: Sendable {
        /// Every replayed call, in input order.
        public var entries: [Entry] = []
        /// Lines skipped, with why (an audit record without arguments).
        public var skipped: [String] = []

        /// Calls whose expectations failed.
        public var failures: [Entry] { entries.filter { !$0.passed } }
        /// Replayed audit records decided differently from the recording.
        public var changes: [Entry] { entries.filter(\.changed) }

        /// How many calls got `verdict`.
        public func count(_ verdict: GateVerdict) -> Int { entries.filter { $0.decision.verdict == verdict }.count }
    }

    enum Line {
        case session(id: String, user: String, persona: String, context: [String: AttributeValue])
        case call(session: String, call: ToolCall, expected: GateVerdict?, step: GateStep?, recorded: GateVerdict?)
        case audit(AuditRecord)
        case skip(String)
    }

    /// Replays `text` against `runtime`.
    /// - Throws: ``RuntimeError/Code/invalidJSON`` listing every malformed line before anything
    ///   is replayed; ``RuntimeError/Code/invalidArgument`` for a call in a session never opened,
    ///   ``RuntimeError/Code/persona`` for a session whose persona cannot be loaded.
    public static func run(_ text: String, source: String, runtime: AgentRuntime) async throws(RuntimeError) -> Report {
        var lines: [(Int, Line)] = []
        var problems: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            guard !trimmed.isEmpty else { continue }
            do throws(RuntimeError) {
                lines.append((index + 1, try parse(String(raw), source: source, line: index + 1)))
            } catch {
                problems.append(error.message)
            }
        }
        guard problems.isEmpty else { throw RuntimeError(.invalidJSON, problems.joined(separator: "\n")) }

        var sessions: [String: AgentSession] = [:]
        var report = Report()
        for (number, line) in lines {
            switch line {
            case .session(let id, let user, let persona, let context):
                sessions[id] = try await runtime.openSession(user: user, persona: persona, context: context, id: id)
            case .skip(let why):
                report.skipped.append("\(source):\(number): \(why)")
            case .audit(let record):
                if sessions[record.session] == nil {
                    sessions[record.session] = try await runtime.openSession(
                        user: record.user,
                        persona: record.persona,
                        id: record.session
                    )
                }
                let call = ToolCall(id: record.callID, tool: record.tool, arguments: record.arguments ?? [:])
                report.entries.append(
                    Entry(
                        line: number,
                        session: record.session,
                        tool: record.tool,
                        decision: runtime.authorize(call, in: sessions[record.session]!),
                        recorded: record.verdict
                    )
                )
            case .call(let id, let call, let expected, let step, let recorded):
                guard let session = sessions[id] else {
                    throw RuntimeError(
                        .invalidArgument,
                        "\(source):\(number): session \(ExactText.quotedForDisplay(id)) was never opened"
                    )
                }
                report.entries.append(
                    Entry(
                        line: number,
                        session: id,
                        tool: call.tool,
                        decision: runtime.authorize(call, in: session),
                        expected: expected,
                        expectedStep: step,
                        recorded: recorded
                    )
                )
            }
        }
        return report
    }

    static func parse(_ text: String, source file: String, line: Int) throws(RuntimeError) -> Line {
        let value = try JSONValue.parse(bytes: Array(text.utf8), source: file, firstLine: line)
        let source = "\(file):\(line)"
        guard case .object(let members) = value else {
            throw RuntimeError(.invalidJSON, "\(source): expected a JSON object, found \(value.typeName)")
        }
        func string(_ key: String) throws(RuntimeError) -> String {
            guard case .string(let text)? = members[key], !text.isEmpty else {
                throw RuntimeError(.invalidJSON, "\(source): '\(key)' is missing or not a non-empty string")
            }
            return text
        }
        if members["event"] != nil {
            let record = try AuditRecord(jsonLine: text, source: source)
            guard record.event != .outcome else { return .skip("an outcome record has no decision to replay") }
            guard record.arguments != nil else {
                return .skip("the audit record of call \(ExactText.quotedForDisplay(record.callID)) has no arguments")
            }
            return .audit(record)
        }
        switch try string("type") {
        case "session":
            try allow(members, ["type", "session", "user", "persona", "context"], source)
            var context: [String: AttributeValue] = [:]
            if let raw = members["context"] {
                guard case .object(let entries) = raw else {
                    throw RuntimeError(.invalidJSON, "\(source): 'context' must be an object")
                }
                for (key, value) in entries {
                    guard let attribute = value.attributeValue else {
                        throw RuntimeError(
                            .invalidJSON,
                            "\(source): context.\(key): expected a string, number, boolean or list of them"
                        )
                    }
                    context[key] = attribute
                }
            }
            return .session(
                id: try string("session"),
                user: try string("user"),
                persona: try string("persona"),
                context: context
            )
        case "call":
            try allow(members, ["type", "session", "tool", "arguments", "id", "expect", "expect_step"], source)
            var expected: GateVerdict?
            var step: GateStep?
            if members["expect"] != nil {
                let raw = try string("expect")
                guard let verdict = GateVerdict(rawValue: raw) else {
                    throw RuntimeError(
                        .invalidJSON,
                        "\(source): 'expect' must be allowed, denied or approval_required, not \(ExactText.quotedForDisplay(raw))"
                    )
                }
                expected = verdict
            }
            if members["expect_step"] != nil {
                let raw = try string("expect_step")
                guard let parsed = GateStep(rawValue: raw) else {
                    throw RuntimeError(
                        .invalidJSON,
                        "\(source): 'expect_step' must be one of "
                            + GateStep.allCases.map(\.rawValue).joined(separator: ", ")
                    )
                }
                step = parsed
            }
            let id = members["id"] == nil ? "" : try string("id")
            return .call(
                session: try string("session"),
                call: ToolCall(id: id, tool: try string("tool"), arguments: members["arguments"] ?? [:]),
                expected: expected,
                step: step,
                recorded: nil
            )
        case let other:
            throw RuntimeError(
                .invalidJSON,
                "\(source): unknown 'type' \(ExactText.quotedForDisplay(other)); expected session or call"
            )
        }
    }

    private static func allow(
        _ members: [String: JSONValue],
        _ keys: Set<String>,
        _ source: String
    ) throws(RuntimeError) {
        if let unknown = members.keys.sorted().first(where: { !keys.contains($0) }) {
            throw RuntimeError(
                .invalidJSON,
                "\(source): unknown key \(ExactText.quotedForDisplay(unknown)); expected one of "
                    + keys.sorted().joined(separator: ", ")
            )
        }
    }
}
