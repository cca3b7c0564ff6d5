/// The outcome of a check: allowed or denied, why, and what decided it.
public struct Decision: Sendable, Hashable, CustomStringConvertible {
    /// Why a request was allowed or denied.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// Authorization is switched off: everything is allowed.
        case authorizationDisabled = "authorization_disabled"
        /// No user has the id checked: denied.
        case unknownUser = "unknown_user"
        /// The user is disabled: denied.
        case userDisabled = "user_disabled"
        /// The `User` value passed in is not the registered one: denied.
        case userMismatch = "user_mismatch"
        /// A deny policy matched: forbidden, whatever allows it.
        case forbiddenByPolicy = "forbidden_by_policy"
        /// A deny policy matched whose conditions cannot be evaluated (a value missing, of the
        /// wrong kind or not a finite number) and none plainly fails: forbidden, failing closed.
        case forbiddenByIndeterminatePolicy = "forbidden_by_indeterminate_policy"
        /// An allow policy matched.
        case allowedByPolicy = "allowed_by_policy"
        /// A role the user holds (directly or through inheritance) grants a matching permission.
        case allowedByRole = "allowed_by_role"
        /// A permission granted to the user directly matches.
        case allowedByPermission = "allowed_by_permission"
        /// Nothing allows the request and the default is deny: not permitted.
        case notPermitted = "not_permitted"
        /// Nothing allows the request but the default is allow.
        case allowedByDefault = "allowed_by_default"
        /// The request would be allowed, but an approve policy (whose conditions hold or cannot
        /// be evaluated) holds it for a person's approval: not allowed until someone approves.
        case approvalRequired = "approval_required"

        /// Whether this reason allows the request.
        public var allows: Bool {
            switch self {
            case .authorizationDisabled, .allowedByPolicy, .allowedByRole, .allowedByPermission, .allowedByDefault:
                true
            case .unknownUser, .userDisabled, .userMismatch, .forbiddenByPolicy, .forbiddenByIndeterminatePolicy,
                .notPermitted, .approvalRequired:
                false
            }
        }
    }

    /// What decided a request.
    public enum Source: Sendable, Hashable {
        /// The named policy.
        case policy(String)
        /// The named role's permission (the role defining it, which the user may hold through
        /// inheritance).
        case role(String, Permission)
        /// A permission granted to the user directly.
        case permission(Permission)
        /// The configured default.
        case `default`
        /// Authorization being switched off.
        case disabled
        /// The user record: unknown, disabled, or not the one passed in. Carries the user id.
        case user(String)

        /// `policy`, `role`, `permission`, `default`, `disabled` or `user`.
        public var kind: String {
            switch self {
            case .policy: "policy"
            case .role: "role"
            case .permission: "permission"
            case .default: "default"
            case .disabled: "disabled"
            case .user: "user"
            }
        }

        /// The policy or role name, the permission (`action on resource`) or the user id; `nil`
        /// for the default and for disabled authorization.
        public var name: String? {
            switch self {
            case .policy(let name), .role(let name, _), .user(let name): name
            case .permission(let permission): permission.description
            case .default, .disabled: nil
            }
        }
    }

    /// The decision's contents, shared: authorizers build each possible decision once, when a
    /// configuration is compiled, so returning one copies two words.
    final class Storage: Sendable {
        let reason: Reason
        let decidedBy: Source
        let allowed: Bool
        /// The message, written once for a decision compiled ahead of the checks that return it.
        let precomputedMessage: String?
        /// The deciding policy's name, when a policy decided.
        let policyName: String?

        init(reason: Reason, decidedBy: Source, precomputeMessage: Bool) {
            self.reason = reason
            self.decidedBy = decidedBy
            allowed = reason.allows
            if case .policy(let name) = decidedBy { policyName = name } else { policyName = nil }
            precomputedMessage = precomputeMessage ? Decision.message(reason, decidedBy) : nil
        }
    }

    /// The contents, referenced without a count. A compiled decision's contents are interned
    /// (``InternedDecisions``) and never freed, so copying, returning and dropping one writes no
    /// memory that another thread reads: checks on many cores returning the same decision don't
    /// contend for one reference count.
    let contents: Unmanaged<Storage>
    /// Keeps the contents of a decision made on the spot (an unknown user, say) alive; `nil` for
    /// an interned one.
    let owner: Storage?

    /// Creates a decision.
    public init(reason: Reason, decidedBy: Source) {
        self.init(owning: Storage(reason: reason, decidedBy: decidedBy, precomputeMessage: false))
    }

    /// Creates a decision that a compiled configuration returns from many checks: interned, with
    /// its message written now, once, instead of on every read.
    init(compiled reason: Reason, decidedBy: Source) {
        self = InternedDecisions.decision(reason, decidedBy)
    }

    /// A decision keeping `storage` alive itself.
    init(owning storage: Storage) {
        contents = Unmanaged.passUnretained(storage)
        owner = storage
    }

    /// A decision on interned contents, which live as long as the process.
    init(interned storage: Unmanaged<Storage>) {
        contents = storage
        owner = nil
    }

    /// Reads the contents without counting a reference: `self` keeps them alive (interned ones
    /// live forever).
    @inline(__always)
    func read<Value>(_ body: (Storage) -> Value) -> Value { contents._withUnsafeGuaranteedRef(body) }

    /// Why the request was allowed or denied.
    public var reason: Reason { read { $0.reason } }
    /// What decided it.
    public var decidedBy: Source { read { $0.decidedBy } }
    /// Whether the request is allowed.
    public var allowed: Bool { read { $0.allowed } }
    /// The deciding policy's name when a policy decided (``decidedBy`` is `.policy`), else
    /// `nil`; reading it copies no other part of the decision.
    public var policyName: String? { read { $0.policyName } }

    /// Whether both are the one decision a compiled configuration built, not merely equal:
    /// a pointer comparison. `true` implies `==`; `false` says nothing. Checks that end the same
    /// way return the identical decision, so a caller writing many decisions (a batch answer) can
    /// reuse what it wrote for the last identical one.
    public func isIdentical(to other: Decision) -> Bool { contents.toOpaque() == other.contents.toOpaque() }

    /// Whether two decisions have the same reason and source.
    public static func == (lhs: Decision, rhs: Decision) -> Bool {
        lhs.isIdentical(to: rhs) || (lhs.reason == rhs.reason && lhs.decidedBy == rhs.decidedBy)
    }

    /// Hashes the reason and source.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(reason)
        hasher.combine(decidedBy)
    }

    /// One sentence explaining the decision, such as
    /// `denied: forbidden by policy 'no-prod-deletes'`. Names are quoted with anything but
    /// printable characters escaped, so the message is always one line.
    public var message: String {
        read { $0.precomputedMessage } ?? Self.message(reason, decidedBy)
    }

    static func message(_ reason: Reason, _ decidedBy: Source) -> String {
        switch (reason, decidedBy) {
        case (.authorizationDisabled, _): return "allowed: authorization is disabled"
        case (.unknownUser, .user(let id)): return "denied: unknown user \(displayed(id))"
        case (.userDisabled, .user(let id)): return "denied: user \(displayed(id)) is disabled"
        case (.userMismatch, .user(let id)):
            return "denied: the user passed in is not the registered user \(displayed(id))"
        case (.forbiddenByPolicy, .policy(let name)): return "denied: forbidden by policy \(displayed(name))"
        case (.forbiddenByIndeterminatePolicy, .policy(let name)):
            return "denied: forbidden by policy \(displayed(name)), whose conditions cannot be evaluated"
        case (.allowedByPolicy, .policy(let name)): return "allowed by policy \(displayed(name))"
        case (.allowedByRole, .role(let name, let permission)):
            return "allowed: role \(displayed(name)) grants \(permission)"
        case (.allowedByPermission, .permission(let permission)): return "allowed: direct permission \(permission)"
        case (.notPermitted, _): return "denied: not permitted (nothing allows it; the default is deny)"
        case (.allowedByDefault, _): return "allowed: nothing forbids it and the default is allow"
        case (.approvalRequired, .policy(let name)): return "approval required by policy \(displayed(name))"
        default: return "\(reason.allows ? "allowed" : "denied"): \(reason.rawValue)"
        }
    }

    /// The ``message``.
    public var description: String { message }
}

/// A decision with the full trace of how it was reached.
public struct Explanation: Sendable, Hashable, CustomStringConvertible {
    /// The decision, the same ``Authorizer/check(user:resource:action:context:)`` returns.
    public var decision: Decision
    /// Every step of the evaluation, in order: the user, each deny and allow policy considered,
    /// each role and direct permission considered, and the conclusion.
    public var steps: [String]

    /// Creates an explanation.
    public init(decision: Decision, steps: [String]) {
        self.decision = decision
        self.steps = steps
    }

    /// The steps, one per line, then the decision.
    public var description: String {
        (steps.map { "  " + $0 } + [decision.message]).joined(separator: "\n")
    }
}
