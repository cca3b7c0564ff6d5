import VictorDocuments

/// A name quoted for a message or an explanation: printable scalars as they are, anything else
/// escaped, so that a name cannot forge a line of output.
@inline(never)
func displayed(_ name: String) -> String { ExactText.quotedForDisplay(name) }

extension Snapshot {
    static let notPermitted = InternedDecisions.process.decision(.notPermitted, .default)
    static let allowedByDefault = InternedDecisions.process.decision(.allowedByDefault, .default)
    static let disabled = InternedDecisions.process.decision(.authorizationDisabled, .disabled)

    /// ``decide(_:_:_:_:)-(RawName,_,_,_)`` for owned names.
    @inline(__always)
    func decide(
        _ id: HashedKey,
        _ key: PairKey,
        _ context: [String: AttributeValue],
        _ trace: Trace?
    ) -> (Decision, contextDependent: Bool) {
        id.withRaw { id in key.withRaw { key in decide(id, key, context, trace) } }
    }

    /// The decision for a request that needs no evaluation worth caching: authorization
    /// disabled, an unknown or disabled user, or a user whose packed roles decide alone (no
    /// policies, no direct permissions). `nil` for any other request.
    @inline(__always)
    func decideDirectly(_ id: RawName, _ key: RawPair, _ context: [String: AttributeValue]) -> Decision? {
        if !enabled { return Self.disabled }
        guard let entry = entry(id) else { return Decision(reason: .unknownUser, decidedBy: .user(id.text)) }
        guard entry.enabled else { return Decision(reason: .userDisabled, decidedBy: .user(id.text)) }
        guard entry.simple, let roles = entry.roles, denyPolicies.isEmpty, allowPolicies.isEmpty,
            approvePolicies.isEmpty
        else { return nil }
        return decideByRoles(entry, roles, key, context).0
    }

    /// Decides a request for the user with id `id`. Names and context are in NFC.
    /// - Returns: the decision, and whether it read the request's context (such decisions are
    ///   not cached).
    @inline(__always)
    func decide(
        _ id: RawName,
        _ key: RawPair,
        _ context: [String: AttributeValue],
        _ trace: Trace?
    ) -> (Decision, contextDependent: Bool) {
        if !enabled {
            trace?.add("authorization is disabled: every request is allowed")
            return (Self.disabled, false)
        }
        guard let entry = entry(id) else {
            trace?.add("user \(displayed(id.text)) is not registered")
            return (Decision(reason: .unknownUser, decidedBy: .user(id.text)), false)
        }
        guard entry.enabled else {
            trace?.add("user \(displayed(id.text)) is disabled")
            return (Decision(reason: .userDisabled, decidedBy: .user(id.text)), false)
        }
        if trace == nil, entry.simple, let roles = entry.roles, denyPolicies.isEmpty, allowPolicies.isEmpty,
            approvePolicies.isEmpty
        {
            return decideByRoles(entry, roles, key, context)
        }
        return decide(compiled(entry), key, context, trace)
    }

    /// ``decide(_:_:_:_:)-(CompiledUser,_,_,_)`` for the common case of no policies and a user
    /// without direct permissions: the same order and outcome, reading only the role grants.
    @inline(__always)
    func decideByRoles(
        _ entry: UserEntry,
        _ roles: InlineRoles,
        _ key: RawPair,
        _ context: [String: AttributeValue]
    ) -> (Decision, contextDependent: Bool) {
        var dependent = false
        var allowed: Decision?
        grants.forEachCandidate(key, taggedIn: roles) { grant in
            guard
                grant.constraints.isEmpty
                    || evaluate(grant.constraints, compiled(entry), context, &dependent, nil) == .holds
            else { return false }
            allowed = grant.decision
            return true
        }
        if let allowed { return (allowed, dependent) }
        return (defaultDeny ? Self.notPermitted : Self.allowedByDefault, dependent)
    }

    /// Decides a request for a registered, enabled user: deny policies, then allow policies,
    /// role permissions and direct permissions, then the default; an allowed request then meets
    /// the approve policies.
    func decide(
        _ user: CompiledUser,
        _ key: RawPair,
        _ context: [String: AttributeValue],
        _ trace: Trace?
    ) -> (Decision, contextDependent: Bool) {
        var dependent = false
        // Built only for explanations: a check formats nothing.
        func request() -> String { "\(displayed(key.action.text)) on \(displayed(key.resource.text))" }
        if let trace {
            trace.add(
                "user \(displayed(user.user.id)): enabled, holds \(names(user.held)) directly, "
                    + "\(names(user.roles.members)) with inheritance; request \(request())"
            )
        }

        // 1. Any deny policy that applies forbids, whatever the priorities; so does one whose
        //    conditions are indeterminate (none plainly false).
        if !denyPolicies.isEmpty {
            trace?.undecidedTruth = .fails
            let (best, bestTruth) = bestApplying(denyPolicies, user, key, context, &dependent, trace)
            if let best {
                if bestTruth == .holds {
                    trace?.add("deny policy \(displayed(best.policy.name)) forbids the request")
                    return (best.decision, dependent)
                }
                trace?.add(
                    "deny policy \(displayed(best.policy.name)) forbids the request: its conditions cannot be "
                        + "evaluated, and a deny that cannot be evaluated applies"
                )
                return (best.indeterminateDecision, dependent)
            }
        } else {
            trace?.add("no deny policy applies to \(request())")
        }

        // 2. An allow policy, a role permission or a direct permission allows when its
        //    conditions hold (indeterminate grants nothing).
        var allowed: Decision?
        trace?.undecidedTruth = .holds
        if !allowPolicies.isEmpty {
            var best: CompiledPolicy?
            allowPolicies.forEachCandidate(key) { policy in
                if trace == nil, let best, !policy.outranks(best) { return false }
                if applies(policy, to: user, context, &dependent, trace) == .holds, best.map(policy.outranks) ?? true {
                    best = policy
                }
                return false
            }
            if let best { allowed = best.decision }
        }
        if allowed == nil || trace != nil {
            grants.forEachCandidate(key, taggedIn: user.roles) { grant in
                let truth = evaluate(grant.constraints, user, context, &dependent, trace)
                if let trace {
                    let held = displayed(heldRole(user, reaching: grant.role))
                    let definer = displayed(roleNames[Int(grant.role)])
                    trace.add("role \(held) via \(definer): \(grant.permission) — \(verdict(truth))")
                }
                guard truth == .holds else { return false }
                if allowed == nil { allowed = grant.decision }
                return trace == nil
            }
        }
        if allowed == nil || trace != nil {
            user.direct?.forEachCandidate(key) { grant in
                let truth = evaluate(grant.constraints, user, context, &dependent, trace)
                trace?.add("direct permission \(grant.permission) — \(verdict(truth))")
                guard truth == .holds else { return false }
                if allowed == nil { allowed = grant.decision }
                return trace == nil
            }
        }
        if let allowed { return (approval(user, key, context, &dependent, trace) ?? allowed, dependent) }

        // 3. The default.
        if defaultDeny {
            trace?.add("no policy, role or permission allows \(request()); the default is deny")
            return (Self.notPermitted, dependent)
        }
        trace?.add("nothing allows or forbids \(request()); the default is allow")
        return (approval(user, key, context, &dependent, trace) ?? Self.allowedByDefault, dependent)
    }

    /// 4. The best-ranked approve policy that applies to an allowed request (its conditions
    ///    hold or cannot be evaluated) holds it for approval; `nil` when none does.
    @inline(__always)
    func approval(
        _ user: CompiledUser,
        _ key: RawPair,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> Decision? {
        guard !approvePolicies.isEmpty else { return nil }
        trace?.undecidedTruth = .fails
        let (best, bestTruth) = bestApplying(approvePolicies, user, key, context, &dependent, trace)
        guard let best else { return nil }
        trace?.add(
            "approve policy \(displayed(best.policy.name)) holds the request for approval"
                + (bestTruth == .holds
                    ? "" : ": its conditions cannot be evaluated, and an approval that cannot be evaluated asks")
        )
        return bestTruth == .holds ? best.decision : best.indeterminateDecision
    }

    /// The best-ranked policy of `policies` that applies to the request or cannot be evaluated,
    /// with how it applies; `nil` when none does. Outside explanations, lower-ranked candidates
    /// are skipped once one applies.
    @inline(__always)
    func bestApplying(
        _ policies: PatternIndex<CompiledPolicy>,
        _ user: CompiledUser,
        _ key: RawPair,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> (CompiledPolicy?, Truth) {
        var best: CompiledPolicy?
        var bestTruth = Truth.fails
        policies.forEachCandidate(key) { policy in
            if trace == nil, let best, !policy.outranks(best) { return false }
            let truth = applies(policy, to: user, context, &dependent, trace)
            if truth != .fails, best.map(policy.outranks) ?? true {
                best = policy
                bestTruth = truth
            }
            return false
        }
        return (best, bestTruth)
    }

    /// Whether `policy` applies to the request: `fails` when the user is not among its subjects
    /// or a condition plainly fails, `indeterminate` when some condition cannot be evaluated.
    @inline(__always)
    func applies(
        _ policy: CompiledPolicy,
        to user: CompiledUser,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> Truth {
        guard policy.covers(user) else {
            trace?.add(
                "\(policy.policy.effect.rawValue) policy \(displayed(policy.policy.name)): user is not among its "
                    + "subjects \(names(policy.policy.subjects))"
            )
            return .fails
        }
        let truth = evaluate(policy.conditions, user, context, &dependent, trace)
        if let trace {
            let outcome =
                switch truth {
                case .holds: "applies"
                case .fails: "conditions fail"
                case .indeterminate: "conditions indeterminate"
                }
            trace.add(
                "\(policy.policy.effect.rawValue) policy \(displayed(policy.policy.name)) (priority "
                    + "\(policy.policy.priority)): \(outcome)"
            )
        }
        return truth
    }

    /// The conjunction of `conditions`: `fails` as soon as one plainly fails, else
    /// `indeterminate` when one cannot be evaluated, else `holds`.
    @inline(__always)
    func evaluate(
        _ conditions: [CompiledCondition],
        _ user: CompiledUser,
        _ context: [String: AttributeValue],
        _ dependent: inout Bool,
        _ trace: Trace?
    ) -> Truth {
        var result = Truth.holds
        for condition in conditions {
            if condition.readsContext { dependent = true }
            var truth = evaluate(condition, user, context)
            if let trace {
                if let prefix = trace.undecidedPrefix, case .context(let name) = condition.source, context[name] == nil,
                    ExactText.hasPrefix(name, prefix)
                {
                    truth = trace.undecidedTruth
                }
                let value = value(of: condition, user, context)
                let read = value.map { "is \($0)" } ?? "is missing"
                let why = truth == .indeterminate ? " (\(condition.op.indeterminacy(value, condition.operand)))" : ""
                let outcome =
                    switch truth {
                    case .holds: "true"
                    case .fails: "false"
                    case .indeterminate: "indeterminate"
                    }
                trace.add("  \(condition.condition): \(condition.condition.key) \(read) → \(outcome)\(why)")
            }
            switch truth {
            case .holds: continue
            case .fails: return .fails
            case .indeterminate: result = .indeterminate
            }
        }
        return result
    }

    @inline(__always)
    func evaluate(
        _ condition: CompiledCondition,
        _ user: CompiledUser,
        _ context: [String: AttributeValue]
    ) -> Truth {
        switch condition.source {
        case .userRoles:
            if condition.op == .contains, case .string = condition.operand {
                return condition.roleOperand >= 0 && user.roles.contains(condition.roleOperand) ? .holds : .fails
            }
            return condition.op.evaluate(roleList(user), condition.operand)
        case .userID: return condition.op.evaluate(.string(user.user.id), condition.operand)
        case .userAttribute(let name): return condition.op.evaluate(user.attribute(name), condition.operand)
        case .context(let name): return condition.op.evaluate(context[name], condition.operand)
        }
    }

    /// The value a condition reads, for explanations.
    func value(
        of condition: CompiledCondition,
        _ user: CompiledUser,
        _ context: [String: AttributeValue]
    ) -> AttributeValue? {
        switch condition.source {
        case .userRoles: roleList(user)
        case .userID: .string(user.user.id)
        case .userAttribute(let name): user.attribute(name)
        case .context(let name): context[name]
        }
    }

    /// `user.roles`: the names of every role the user holds, sorted by scalars.
    func roleList(_ user: CompiledUser) -> AttributeValue {
        .list(
            user.roles.members.map { roleNames[Int($0)] }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map(AttributeValue.string)
        )
    }

    /// The first role held directly through which the user holds `role`, for explanations.
    func heldRole(_ user: CompiledUser, reaching role: Int32) -> String {
        var visited = RoleGrantIndex.Visited(roleCount: roleNames.count)
        for held in user.held where roleGrants.closure(of: [held], visited: &visited).contains(role) {
            return roleNames[Int(held)]
        }
        return roleNames[Int(role)]
    }

    private func names(_ roles: [Int32]) -> String {
        names(roles.map { roleNames[Int($0)] })
    }

    private func names(_ names: [String]) -> String {
        let shown = names.prefix(20).map(displayed)
        let more = names.count > 20 ? ", … \(names.count - 20) more" : ""
        return "[" + shown.joined(separator: ", ") + more + "]"
    }

    private func verdict(_ truth: Truth) -> String {
        switch truth {
        case .holds: "grants"
        case .fails: "constraints fail"
        case .indeterminate: "indeterminate, grants nothing"
        }
    }
}
