import VictorAuthorization

/// A decision's reason in one line: a text, or the authorizer's decision whose message is the
/// reason. A decision the authorizer interned carries no reference count, so a reason taken from
/// one is passed from the gate to the audit record without touching a string's storage, and the
/// message is read only where it is written out.
struct GateReason: Sendable, Hashable, CustomStringConvertible {
    private enum Source: Sendable {
        case text(String)
        case authorization(Decision)
    }

    private let source: Source

    /// A reason in words.
    init(_ text: String) { source = .text(text) }

    /// The message of the authorizer's `decision`.
    init(messageOf decision: Decision) { source = .authorization(decision) }

    /// The reason in words.
    var text: String {
        switch source {
        case .text(let text): text
        case .authorization(let decision): decision.message
        }
    }

    var description: String { text }

    // Two reasons are equal when their words are; where they were kept does not matter.
    static func == (lhs: GateReason, rhs: GateReason) -> Bool {
        if case .authorization(let left) = lhs.source, case .authorization(let right) = rhs.source,
            left.isIdentical(to: right)
        {
            return true
        }
        return lhs.text == rhs.text
    }

    func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
