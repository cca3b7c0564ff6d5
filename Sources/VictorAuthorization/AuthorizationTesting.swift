import VictorDocuments

/// The outcome of one ``AuthorizationTestCase``: the decision made and whether it was the
/// expected one.
public struct AuthorizationTestOutcome: Sendable, Hashable {
    /// The case checked.
    public var testCase: AuthorizationTestCase
    /// The decision the authorizer made for it.
    public var decision: Decision

    /// Creates an outcome.
    public init(testCase: AuthorizationTestCase, decision: Decision) {
        self.testCase = testCase
        self.decision = decision
    }

    /// Whether the decision allows exactly when the case expects it to.
    public var passed: Bool { decision.allowed == testCase.expectAllowed }
}

/// The outcomes of a list of test cases, in the cases' order.
public struct AuthorizationTestReport: Sendable, Hashable {
    /// One outcome per case, in order.
    public var outcomes: [AuthorizationTestOutcome]

    /// Creates a report.
    public init(outcomes: [AuthorizationTestOutcome]) {
        self.outcomes = outcomes
    }

    /// The outcomes whose decision was not the expected one, in order.
    public var failures: [AuthorizationTestOutcome] { outcomes.filter { !$0.passed } }
    /// How many cases got the expected decision.
    public var passedCount: Int { outcomes.count { $0.passed } }
    /// How many cases did not.
    public var failedCount: Int { outcomes.count { !$0.passed } }
    /// Whether every case got the expected decision (true for no cases).
    public var allPassed: Bool { outcomes.allSatisfy(\.passed) }
}

extension Authorizer {
    /// Checks every case, in order, exactly as ``check(user:resource:action:context:)`` would,
    /// and reports which got the decision they expect. Events and statistics are those of the
    /// same checks.
    public func evaluate(_ cases: [AuthorizationTestCase]) -> AuthorizationTestReport {
        AuthorizationTestReport(
            outcomes: cases.map { testCase in
                AuthorizationTestOutcome(
                    testCase: testCase,
                    decision: check(
                        user: testCase.user,
                        resource: testCase.resource,
                        action: testCase.action,
                        context: testCase.context
                    )
                )
            }
        )
    }
}

extension AuthorizationTestCase {
    /// Reads a cases file (YAML or JSON, see ``parse(_:file:)``).
    /// - Throws: ``AuthorizationError/Code/unreadableFile`` when the file cannot be read (missing,
    ///   a directory, not UTF-8), ``AuthorizationError/Code/invalidConfiguration`` listing every
    ///   problem of the document otherwise.
    public static func load(contentsOf path: String) throws(AuthorizationError) -> [Self] {
        let bytes: [UInt8]
        do {
            bytes = try DocumentFile.bytes(atPath: path, limit: DocumentLimits.default.maxBytes)
        } catch {
            throw AuthorizationError(
                .unreadableFile,
                "cannot read \(path): \(error.issues.first?.message ?? "the read failed")"
            )
        }
        if let offset = ExactText.firstInvalidUTF8(bytes) {
            throw AuthorizationError(
                .unreadableFile,
                "cannot read \(path): not UTF-8 text (invalid byte at offset \(offset))"
            )
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return try parse(text, file: path)
    }
}

/// A decision in the JSON shape `victor authz check --format json` and `explain --format json`
/// print: `{"allowed", "reason", "decidedBy": {"kind", "name"}, "message", "steps"}`.
///
/// - `allowed`: whether the request is allowed.
/// - `reason`: the ``Decision/Reason`` raw value, such as `forbidden_by_policy`.
/// - `decidedBy`: what decided, ``Decision/Source/kind`` and ``Decision/Source/name`` (`null`
///   for the default and for disabled authorization).
/// - `message`: the one-line ``Decision/message``.
/// - `steps`: the evaluation's steps (``Explanation/steps``), present only for an explanation.
public struct DecisionRecord: Encodable, Sendable, Hashable {
    /// What decided a request: a kind and, for most kinds, a name.
    public struct DecidedBy: Encodable, Sendable, Hashable {
        /// `policy`, `role`, `permission`, `default`, `disabled` or `user`.
        public var kind: String
        /// The policy or role name, the permission or the user id; `nil` (encoded as `null`)
        /// otherwise.
        public var name: String?

        /// Encodes both keys, `name` as `null` when there is none.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(name, forKey: .name)
        }

        enum CodingKeys: String, CodingKey { case kind, name }
    }

    /// Whether the request is allowed.
    public var allowed: Bool
    /// Why, as a ``Decision/Reason`` raw value.
    public var reason: String
    /// What decided.
    public var decidedBy: DecidedBy
    /// The decision's one-line message.
    public var message: String
    /// The evaluation's steps, for an explanation; omitted from the JSON when `nil`.
    public var steps: [String]?

    /// The record of `decision`.
    public init(_ decision: Decision) {
        allowed = decision.allowed
        reason = decision.reason.rawValue
        decidedBy = DecidedBy(kind: decision.decidedBy.kind, name: decision.decidedBy.name)
        message = decision.message
        steps = nil
    }

    /// The record of an explanation: its decision and its steps.
    public init(_ explanation: Explanation) {
        self.init(explanation.decision)
        steps = explanation.steps
    }
}
