import Metrics
import Synchronization
import VictorDocuments
public import VictorEvents
import VictorLocks
public import VictorTelemetry

/// How an ``Authorizer`` runs, apart from what it decides.
public struct AuthorizerOptions: Sendable, Hashable {
    /// Whether decisions are cached. A cached decision is reused until the next change. Only
    /// decisions that cost more than a cache lookup are cached: with no policies, a user
    /// without direct permissions is decided from the role index directly, as are unknown and
    /// disabled users.
    public var cacheEnabled: Bool
    /// The most decisions kept in the cache.
    public var cacheCapacity: Int
    /// One check in this many has its latency measured (a power of two; 0 measures none),
    /// counted per thread: each thread measures its first check and every this-many-th after.
    /// Measured latencies feed ``AuthorizerStatistics`` and the `victor_authz_check_duration` timer.
    public var latencySampleInterval: Int

    /// Creates options.
    public init(cacheEnabled: Bool = true, cacheCapacity: Int = 65_536, latencySampleInterval: Int = 256) {
        self.cacheEnabled = cacheEnabled
        self.cacheCapacity = cacheCapacity
        self.latencySampleInterval = latencySampleInterval
    }
}

/// What an ``Authorizer`` has decided since it was created.
public struct AuthorizerStatistics: Sendable, Hashable {
    /// Checks made (a bulk check counts each request).
    public var checks: Int
    /// Checks denied.
    public var denied: Int
    /// Checks answered from the cache.
    public var cacheHits: Int
    /// The current configuration generation; every change increments it.
    public var generation: UInt64
    /// Median latency of the sampled checks, in nanoseconds; 0 before the first sample. The
    /// percentiles are kept to two significant digits (within 1%).
    public var latencyP50Nanoseconds: UInt64
    /// 99th percentile latency of the sampled checks, in nanoseconds.
    public var latencyP99Nanoseconds: UInt64
    /// Checks whose latency was sampled.
    public var latencySamples: Int

    /// Checks allowed.
    public var allowed: Int { checks - denied }
    /// Denied ÷ checks; 0 before the first check.
    public var denyRate: Double { checks == 0 ? 0 : Double(denied) / Double(checks) }
}

/// Decides whether a user may perform an action on a resource: roles with inheritance,
/// permissions with constraints, allow and deny policies with conditions. Fails closed.
///
/// Decision order:
/// 1. authorization disabled → allowed, and the decision says so;
/// 2. unknown or disabled user → denied;
/// 3. any matching deny policy → denied ("forbidden"), whatever the priorities; a deny policy
///    whose conditions cannot be evaluated (a value missing, of the wrong kind, not finite) and
///    none plainly false also denies;
/// 4. a matching allow policy, role permission (held directly or through inheritance) or direct
///    permission whose conditions hold → allowed (indeterminate conditions grant nothing);
/// 5. otherwise the default: denied ("not permitted") unless `default_deny` is false;
/// 6. a request allowed by step 4 or 5 that a matching approve policy covers (its conditions
///    hold or cannot be evaluated) → approval required, which is not an allow.
///
/// Checks never block on changes: the authorizer holds an immutable compiled snapshot that
/// a change replaces whole, so a check racing a change sees the old state or the new one,
/// never a mix. Every change is validated whole first; an invalid one changes nothing.
///
/// ```swift
/// let authorizer = try Authorizer(configuration: .load(contentsOf: "authz.yaml"))
/// let decision = authorizer.check(user: "alice", resource: "code", action: "read")
/// if !decision.allowed { print(decision.message) }
/// ```
public final class Authorizer: Sendable {
    struct WriterState {
        var configuration: AuthorizationConfiguration
        var generation: UInt64
    }

    /// The compiled snapshot in force, read without a lock.
    let current: Published<Snapshot>
    let writer: Locked<WriterState>
    private let cache: DecisionCache?
    /// Checks made, checks denied and checks answered from the cache, without a lock. Striped by
    /// thread: checks on two cores never write one line, so counting does not serialise them.
    private let checkCount = StripedCounter()
    private let deniedCount = StripedCounter()
    private let cacheHitCount = StripedCounter()
    private let sampleMask: Int
    /// ``FastHash/basis``, kept here so a check's hashes read no lazy global.
    private let hashBasis = FastHash.basis
    private let latencies = Locked(LatencyHistogram())
    let bus: EventBus?
    private let decisionInterest: EventInterest?
    private let metrics: AuthorizerMetrics

    /// Creates an authorizer.
    /// - Parameters:
    ///   - configuration: roles, users and policies; validated whole.
    ///   - options: caching and latency sampling.
    ///   - eventBus: where each decision (``AuthorizationDecided``) and each change
    ///     (``AuthorizationConfigurationChanged``) is published, if anywhere.
    ///   - telemetry: the logger and the naming of the authorizer's instruments
    ///     (`PREFIX_authz_checks_total`, `PREFIX_authz_denials_total`,
    ///     `PREFIX_authz_cache_hits_total`, the `PREFIX_authz_check_duration` timer and the
    ///     `PREFIX_authz_configuration_generation` gauge).
    /// - Throws: ``AuthorizationError/Code/invalidConfiguration``.
    public init(
        configuration: AuthorizationConfiguration = AuthorizationConfiguration(),
        options: AuthorizerOptions = AuthorizerOptions(),
        eventBus: EventBus? = nil,
        telemetry: Telemetry = .standard
    ) throws(AuthorizationError) {
        try configuration.validate()
        let configuration = configuration.normalized()
        current = Published(Snapshot(configuration, generation: 1))
        writer = Locked(WriterState(configuration: configuration, generation: 1))
        cache = options.cacheEnabled ? DecisionCache(capacity: max(16, options.cacheCapacity)) : nil
        let interval = options.latencySampleInterval
        precondition(
            interval >= 0 && interval & (interval &- 1) == 0,
            "latencySampleInterval must be 0 or a power of two"
        )
        sampleMask = interval == 0 ? -1 : interval - 1
        bus = eventBus
        decisionInterest = eventBus?.interest(in: AuthorizationDecided.self)
        metrics = AuthorizerMetrics(telemetry)
        metrics.generation.record(1)
    }

    // MARK: State

    /// The configuration in force, with every name and string value in NFC.
    public var configuration: AuthorizationConfiguration { snapshot.configuration }

    /// The configuration generation: 1 at creation, incremented by every change.
    public var generation: UInt64 { snapshot.generation }

    private var snapshot: Snapshot { current.snapshot }

    // MARK: Checks

    /// Decides whether the user with id `user` may perform `action` on `resource`.
    ///
    /// Names, context keys and context strings are normalized to NFC first (ASCII text is
    /// already, and costs no copy), then compared by Unicode scalars: `cafe\u{301}` and `café`
    /// are one name. A context number that is not finite cannot be evaluated: conditions reading
    /// it are indeterminate.
    /// - Parameters:
    ///   - user: the user's id.
    ///   - resource: the resource asked for, such as `code` or `tools/shell`.
    ///   - action: the action asked for, such as `read`.
    ///   - context: facts about the request that `context.NAME` conditions read. They never
    ///     change what `user.NAME` reads.
    /// - Complexity: a few hash lookups plus the candidate policies and grants for this
    ///   resource/action pair; never a scan of every policy.
    public func check(
        user: String,
        resource: String,
        action: String,
        context: [String: AttributeValue] = [:]
    ) -> Decision {
        check(user, resource, action, RequestContext.normalized(context))
    }

    /// Decides like ``check(user:resource:action:context:)`` with a context normalized once,
    /// ahead of many checks.
    public func check(user: String, resource: String, action: String, normalizedContext: NormalizedContext) -> Decision
    {
        check(user, resource, action, normalizedContext.values)
    }

    /// Decides like ``check(user:resource:action:normalizedContext:)`` for a user and a
    /// resource/action pair normalized and hashed ahead of many checks.
    public func check(_ user: PreparedUser, _ access: PreparedAccess, normalizedContext: NormalizedContext) -> Decision
    {
        let start = beginCheck(count: 1)
        let (decision, generation) = current.read { snapshot in
            (decide(snapshot, user.key, access.key, normalizedContext.values), snapshot.generation)
        }
        endCheck(start, generation, user.key.text, access.key.resource.text, access.key.action.text, decision)
        return decision
    }

    @inline(__always)
    private func check(
        _ user: String,
        _ resource: String,
        _ action: String,
        _ context: [String: AttributeValue]
    )
        -> Decision
    {
        let start = beginCheck(count: 1)
        // ASCII names (already in NFC) are decided on their bytes in place, without a copy.
        let decided = ExactBytes.withBytes(of: user) { userBytes in
            ExactBytes.withBytes(of: resource) { resourceBytes in
                ExactBytes.withBytes(of: action) { actionBytes -> (Decision, UInt64)? in
                    let (userHash, userASCII) = FastHash.hashReportingASCII(userBytes, basis: hashBasis)
                    let (resourceHash, resourceASCII) = FastHash.hashReportingASCII(resourceBytes, basis: hashBasis)
                    let (actionHash, actionASCII) = FastHash.hashReportingASCII(actionBytes, basis: hashBasis)
                    guard userASCII, resourceASCII, actionASCII else { return nil }
                    let id = RawName(userBytes, hash: userHash)
                    let key = RawPair(
                        RawName(resourceBytes, hash: resourceHash),
                        RawName(actionBytes, hash: actionHash)
                    )
                    return current.read { snapshot in
                        let decision = decide(snapshot, id, key, context) {
                            DecisionCache.Key(
                                user: HashedKey(text: user, hash: userHash),
                                pair: PairKey(
                                    HashedKey(text: resource, hash: resourceHash),
                                    HashedKey(text: action, hash: actionHash)
                                )
                            )
                        }
                        return (decision, snapshot.generation)
                    }
                }
            }
        }
        guard let (decision, generation) = decided else {
            return checkNormalizing(start, user, resource, action, context)
        }
        endCheck(start, generation, user, resource, action, decision)
        return decision
    }

    /// ``check(_:_:_:_:)`` for names that are not all ASCII: normalized to NFC first.
    @inline(never)
    private func checkNormalizing(
        _ start: UInt64,
        _ user: String,
        _ resource: String,
        _ action: String,
        _ context: [String: AttributeValue]
    ) -> Decision {
        let id = HashedKey(normalizing: user)
        let key = PairKey(normalizingResource: resource, action: action)
        let (decision, generation) = current.read { snapshot in
            (decide(snapshot, id, key, context), snapshot.generation)
        }
        endCheck(start, generation, id.text, key.resource.text, key.action.text, decision)
        return decision
    }

    /// Decides for a `User` value: it counts only if it equals (in NFC) the registered user with
    /// its id; a forged, altered or deleted user is denied.
    public func check(
        _ user: User,
        resource: String,
        action: String,
        context: [String: AttributeValue] = [:]
    ) -> Decision {
        let start = beginCheck(count: 1)
        let snapshot = self.snapshot
        let user = user.normalized()
        let id = HashedKey(user.id)
        let key = PairKey(normalizingResource: resource, action: action)
        let decision: Decision
        // Both sides are in NFC, where canonical equivalence (`==` on strings) is scalar equality.
        if snapshot.enabled, let registered = snapshot.user(id), registered.user != user {
            decision = Decision(reason: .userMismatch, decidedBy: .user(user.id))
        } else {
            decision = decide(snapshot, id, key, RequestContext.normalized(context))
        }
        endCheck(start, snapshot.generation, user.id, key.resource.text, key.action.text, decision)
        return decision
    }

    /// Decides several resource/action pairs for one user against one snapshot, looking the
    /// user up once. Each pair is decided as a single check decides it: ASCII names on their
    /// bytes in place, others in NFC.
    /// - Returns: one decision per request, in order.
    public func check(
        user: String,
        requests: [AccessRequest],
        context: [String: AttributeValue] = [:]
    ) -> [Decision] {
        let start = beginCheck(count: requests.count)
        let id = HashedKey(normalizing: user)
        let context = RequestContext.normalized(context)
        let (decisions, denied, generation) = current.read { snapshot -> ([Decision], Int, UInt64) in
            guard snapshot.enabled, snapshot.user(id)?.user.enabled == true else {
                // No pair can change a disabled authorizer's or user's answer.
                let (decision, _) = snapshot.decide(id, PairKey(resource: "", action: ""), context, nil)
                return (
                    Array(repeating: decision, count: requests.count), decision.allowed ? 0 : requests.count,
                    snapshot.generation
                )
            }
            var decisions: [Decision] = []
            decisions.reserveCapacity(requests.count)
            var denied = 0
            id.withRaw { rawUser in
                for request in requests {
                    let decision = decidePair(snapshot, id, rawUser, request.resource, request.action, context)
                    if !decision.allowed { denied += 1 }
                    decisions.append(decision)
                }
            }
            return (decisions, denied, snapshot.generation)
        }
        if denied > 0 { deniedCount.add(denied) }
        if let bus, decisionInterest?.hasSubscribers == true {
            for (request, decision) in zip(requests, decisions) {
                let key = PairKey(normalizingResource: request.resource, action: request.action)
                bus.publish(
                    AuthorizationDecided(
                        user: id.text,
                        resource: key.resource.text,
                        action: key.action.text,
                        decision: decision,
                        generation: generation
                    )
                )
            }
        }
        if start > 0, !requests.isEmpty { recordLatency(start, count: requests.count) }
        return decisions
    }

    /// One pair of a bulk check for a user already found: ASCII names decided on their bytes in
    /// place (as ``check(_:_:_:_:)`` decides them), others normalized first.
    @inline(__always)
    private func decidePair(
        _ snapshot: Snapshot,
        _ user: HashedKey,
        _ rawUser: RawName,
        _ resource: String,
        _ action: String,
        _ context: [String: AttributeValue]
    ) -> Decision {
        let decided = ExactBytes.withBytes(of: resource) { resourceBytes in
            ExactBytes.withBytes(of: action) { actionBytes -> Decision? in
                let (resourceHash, resourceASCII) = FastHash.hashReportingASCII(resourceBytes, basis: hashBasis)
                let (actionHash, actionASCII) = FastHash.hashReportingASCII(actionBytes, basis: hashBasis)
                guard resourceASCII, actionASCII else { return nil }
                let pair = RawPair(RawName(resourceBytes, hash: resourceHash), RawName(actionBytes, hash: actionHash))
                return decide(snapshot, rawUser, pair, context) {
                    DecisionCache.Key(
                        user: user,
                        pair: PairKey(
                            HashedKey(text: resource, hash: resourceHash),
                            HashedKey(text: action, hash: actionHash)
                        )
                    )
                }
            }
        }
        if let decided { return decided }
        return decide(snapshot, user, PairKey(normalizingResource: resource, action: action), context)
    }

    /// Decides like ``check(user:resource:action:context:)`` (without the cache) and returns
    /// every step of the evaluation.
    public func explain(
        user: String,
        resource: String,
        action: String,
        context: [String: AttributeValue] = [:]
    ) -> Explanation {
        let snapshot = self.snapshot
        let trace = Trace()
        trace.add("configuration generation \(snapshot.generation)")
        let (decision, _) = snapshot.decide(
            HashedKey(normalizing: user),
            PairKey(normalizingResource: resource, action: action),
            RequestContext.normalized(context),
            trace
        )
        return Explanation(decision: decision, steps: trace.steps)
    }

    /// Whether the request could be allowed, or held for approval, for some values of the
    /// context keys starting with `undecidedPrefix` that `context` does not carry: what listing
    /// the tools a caller may use asks before any arguments exist.
    ///
    /// A condition reading such a key counts as whatever lets the request through: false in a
    /// deny or approve policy, true in an allow policy or a permission. The answer is `false`
    /// only when the request is refused whatever those values are: an unknown user, a deny
    /// policy that holds without them, or nothing that could allow it. It may be `true` for a
    /// request no values allow (two conditions on one key that contradict each other).
    public func couldAllow(
        user: String,
        resource: String,
        action: String,
        context: [String: AttributeValue] = [:],
        undecidedPrefix: String
    ) -> Bool {
        let snapshot = self.snapshot
        let trace = Trace(undecidedPrefix: ExactText.normalized(undecidedPrefix))
        let (decision, _) = snapshot.decide(
            HashedKey(normalizing: user),
            PairKey(normalizingResource: resource, action: action),
            RequestContext.normalized(context),
            trace
        )
        return decision.allowed || decision.reason == .approvalRequired
    }

    @inline(__always)
    private func decide(
        _ snapshot: Snapshot,
        _ user: HashedKey,
        _ key: PairKey,
        _ context: [String: AttributeValue]
    ) -> Decision {
        user.withRaw { id in
            key.withRaw { pair in decide(snapshot, id, pair, context) { DecisionCache.Key(user: user, pair: key) } }
        }
    }

    /// Decides a request; `cacheKey` makes the request's key in the decision cache, which only
    /// decisions that cost more than a cache lookup go through.
    @inline(__always)
    private func decide(
        _ snapshot: Snapshot,
        _ user: RawName,
        _ key: RawPair,
        _ context: [String: AttributeValue],
        _ cacheKey: () -> DecisionCache.Key
    ) -> Decision {
        if let direct = snapshot.decideDirectly(user, key, context) { return direct }
        guard let cache else { return snapshot.decide(user, key, context, nil).0 }
        let owned = cacheKey()
        if let hit = cache.lookup(owned, generation: snapshot.generation) {
            cacheHitCount.add(1)
            return hit
        }
        let (decision, dependent) = snapshot.decide(user, key, context, nil)
        if !dependent { cache.insert(owned, decision, generation: snapshot.generation) }
        return decision
    }

    /// Counts the checks, pushing the counts to swift-metrics every ``metricsBatch`` checks;
    /// returns a start time when this check's latency is sampled, else 0.
    @inline(__always)
    private func beginCheck(count: Int) -> UInt64 {
        // The thread's own stripe decides when to push and to sample: every `metricsBatch`-th
        // check and every `sampleMask + 1`-th check on that stripe.
        let before = checkCount.addReturningStripeValue(count)
        if (before ^ (before &+ count)) >= Self.metricsBatch { flushMetrics() }
        guard sampleMask >= 0, (before & sampleMask) == 0 || count > sampleMask else { return 0 }
        return MonotonicClock.nanoseconds()
    }

    /// How many checks accumulate in the authorizer's atomics between pushes to swift-metrics.
    static let metricsBatch = 1024

    @inline(__always)
    private func endCheck(
        _ start: UInt64,
        _ generation: UInt64,
        _ user: String,
        _ resource: String,
        _ action: String,
        _ decision: Decision
    ) {
        if !decision.allowed { deniedCount.add(1) }
        if let bus, decisionInterest?.hasSubscribers == true {
            bus.publish(
                AuthorizationDecided(
                    user: user,
                    resource: resource,
                    action: action,
                    decision: decision,
                    generation: generation
                )
            )
        }
        if start > 0 { recordLatency(start, count: 1) }
    }

    private func recordLatency(_ start: UInt64, count: Int) {
        let nanoseconds = MonotonicClock.nanoseconds(since: start) / UInt64(max(1, count))
        latencies.withLock { $0.record(nanoseconds) }
        metrics.duration.recordNanoseconds(nanoseconds)
    }

    // MARK: Observation

    /// A snapshot of the counters and sampled latency percentiles.
    public func statistics() -> AuthorizerStatistics {
        let (p50, p99, samples) = latencies.withLock {
            ($0.percentile(50), $0.percentile(99), $0.count)
        }
        return AuthorizerStatistics(
            checks: checkCount.total,
            denied: deniedCount.total,
            cacheHits: cacheHitCount.total,
            generation: generation,
            latencyP50Nanoseconds: p50,
            latencyP99Nanoseconds: p99,
            latencySamples: samples
        )
    }

    /// Pushes the counts not yet reported to swift-metrics.
    ///
    /// Checks count in the authorizer's own per-thread stripes and push every 1,024 checks on a
    /// stripe, so a single check never calls into the metrics backend; a scrape calls this first
    /// to report exact totals.
    public func flushMetrics() {
        let delta = metrics.reported.withLock { reported in
            // Read under the lock, so two flushes at once cannot report an older total last.
            let totals = (checkCount.total, deniedCount.total, cacheHitCount.total)
            let delta = (totals.0 &- reported.0, totals.1 &- reported.1, totals.2 &- reported.2)
            reported = totals
            return delta
        }
        if delta.0 > 0 { metrics.checks.increment(by: delta.0) }
        if delta.1 > 0 { metrics.denials.increment(by: delta.1) }
        if delta.2 > 0 { metrics.cacheHits.increment(by: delta.2) }
    }

    /// Records a new configuration generation on the generation gauge.
    func recordGeneration(_ generation: UInt64) {
        metrics.generation.record(generation)
    }
}

/// The swift-metrics instruments an authorizer reports to.
private final class AuthorizerMetrics: Sendable {
    let checks: Counter
    let denials: Counter
    let cacheHits: Counter
    let duration: Metrics.Timer
    let generation: Gauge
    /// The totals last pushed: checks, denials, cache hits.
    let reported = Locked((0, 0, 0))

    init(_ telemetry: Telemetry) {
        checks = telemetry.counter("authz_checks_total")
        denials = telemetry.counter("authz_denials_total")
        cacheHits = telemetry.counter("authz_cache_hits_total")
        duration = telemetry.timer("authz_check_duration")
        generation = telemetry.gauge("authz_configuration_generation")
    }
}
