import Histogram
import VictorAuthorization

/// The authorization benchmarks: the seed's `security.check` and `security.bulk`, and the
/// extended nanosecond `security.*_ns` figures.
enum SecurityBenchmarks {
    static var all: [Benchmark] {
        [
            check, bulk, checkRBAC, cachedCheck, checkLarge, checkPolicies, checkP99,
            ContentionBenchmarks.securityCheck,
        ]
    }

    /// Checks per timed sample for the nanosecond figures: enough that the clock's cost vanishes.
    static let batch = 20_000

    // MARK: Workloads

    /// The seed's developer: one role with 3 permissions; the checks cycle through the 3.
    static func developer(cacheEnabled: Bool) throws -> (Authorizer, [AccessRequest]) {
        let permissions = [
            Permission(resource: "code", action: "read"),
            Permission(resource: "code", action: "write"),
            Permission(resource: "tools", action: "execute"),
        ]
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("developer", permissions: permissions)],
                users: [User("dev-1", roles: ["developer"]), User("viewer-1")]
            ),
            options: AuthorizerOptions(cacheEnabled: cacheEnabled)
        )
        return (authorizer, permissions.map { AccessRequest(resource: $0.resource, action: $0.action) })
    }

    struct Request {
        let user: String
        let resource: String
        let action: String
    }

    /// 10,000 users, 1,000 roles in 3 levels of inheritance (each role of level 1 and 2 inherits
    /// one of the level below), 2 roles per user, 2 permissions per role; requests cycle through
    /// users and pairs, about half of them allowed.
    static func large() throws -> (Authorizer, [Request]) {
        var rng = BenchmarkRandom(seed: 42)
        var roles: [Role] = []
        for index in 0..<1_000 {
            let level = index % 3
            let parent = level == 0 ? [] : ["role-\(index - 1)"]
            roles.append(
                Role(
                    "role-\(index)",
                    permissions: [
                        Permission(resource: "resource-\(index % 100)", action: "action-\(index % 7)"),
                        Permission(resource: "resource-\((index * 7) % 100)", action: "read"),
                    ],
                    inherits: parent
                )
            )
        }
        var users: [User] = []
        users.reserveCapacity(10_000)
        for index in 0..<10_000 {
            let first = Int(rng.next() % 1_000)
            let second = (first + 1 + Int(rng.next() % 998)) % 1_000
            users.append(User("user-\(index)", roles: ["role-\(first)", "role-\(second)"]))
        }
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(roles: roles, users: users),
            options: AuthorizerOptions(cacheEnabled: false)
        )
        var requests: [Request] = []
        requests.reserveCapacity(10_000)
        for index in 0..<10_000 {
            let user = users[(index * 7_919) % users.count]
            // Half the requests ask for a permission one of the user's roles (or its parents) grants.
            if index.isMultiple(of: 2), let role = roles.first(where: { $0.name == user.roles[index % 4 / 2] }) {
                let permission = role.permissions[index % 2]
                requests.append(Request(user: user.id, resource: permission.resource, action: permission.action))
            } else {
                requests.append(
                    Request(user: user.id, resource: "resource-\(rng.next() % 100)", action: "action-\(rng.next() % 7)")
                )
            }
        }
        return (authorizer, requests)
    }

    /// 1,000 policies over 100 resource/action pairs (20 resources × 5 actions): per pair one
    /// deny policy on `context.env == prod` and nine allow policies for roles or users with a
    /// condition on the user's level. The developer's checks (in `dev`) cycle through the pairs.
    static func policies() throws -> (Authorizer, [AccessRequest]) {
        var policies: [Policy] = []
        for index in 0..<1_000 {
            let pair = index % 100
            let resource = "resource-\(pair / 5)"
            let action = "action-\(pair % 5)"
            if index < 100 {
                policies.append(
                    Policy(
                        "deny-\(index)",
                        effect: .deny,
                        resource: resource,
                        action: action,
                        subjects: ["role:developer"],
                        conditions: [Condition(.context("env"), .eq, "prod")],
                        priority: 100
                    )
                )
            } else {
                policies.append(
                    Policy(
                        "allow-\(index)",
                        effect: .allow,
                        resource: resource,
                        action: action,
                        subjects: index.isMultiple(of: 3) ? ["user-\(index % 50)"] : ["role:developer"],
                        conditions: [Condition(.user("level"), .gte, .integer(index % 5))],
                        priority: index % 10
                    )
                )
            }
        }
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("developer")],
                // The users the allow policies name (a subject naming no user is a configuration
                // error), and the developer whose checks are measured.
                users: [User("dev-1", roles: ["developer"], attributes: ["level": 3])]
                    + (0..<50).map { User("user-\($0)", attributes: ["level": .integer($0 % 5)]) },
                policies: policies
            ),
            options: AuthorizerOptions(cacheEnabled: false)
        )
        let requests = (0..<100).map { AccessRequest(resource: "resource-\($0 / 5)", action: "action-\($0 % 5)") }
        return (authorizer, requests)
    }

    static func nanosecondsPerCheck(
        _ authorizer: Authorizer,
        user: String,
        _ requests: [AccessRequest],
        context: [String: AttributeValue] = [:],
        _ benchmarkContext: BenchmarkContext
    ) throws -> Double {
        try Measure.nanosecondsPerOperation(samples: benchmarkContext.iterations(31, minimum: 5), batch: batch) {
            try checks(authorizer, user: user, requests, context: context, count: $0)
        }
    }

    /// `count` single checks of `user`, cycling through `requests`.
    /// - Throws: when every check was denied: the workload is broken.
    static func checks(
        _ authorizer: Authorizer,
        user: String,
        _ requests: [AccessRequest],
        context: [String: AttributeValue] = [:],
        count: Int
    ) throws {
        var index = 0
        var allowed = 0
        for _ in 0..<count {
            let request = requests[index]
            if authorizer.check(user: user, resource: request.resource, action: request.action, context: context)
                .allowed
            {
                allowed &+= 1
            }
            index = index + 1 == requests.count ? 0 : index + 1
        }
        if allowed == 0 { throw BenchmarkError("the workload's checks were all denied") }
        blackHole(allowed)
    }

    // MARK: Seed benchmarks

    static let check = Benchmark(
        id: "security.check",
        category: .security,
        name: "Authorization Check",
        metric: "Avg Check Time",
        unit: .milliseconds,
        target: 5,
        direction: .lower
    ) { context in
        let (authorizer, requests) = try developer(cacheEnabled: true)
        let samples = context.iterations(51, minimum: 5)
        let milliseconds =
            try Measure.nanosecondsPerOperation(samples: samples, batch: 1) { _ in
                var allowed = 0
                for index in 0..<1_000 {
                    let request = requests[index % 3]
                    if authorizer.check(user: "dev-1", resource: request.resource, action: request.action).allowed {
                        allowed += 1
                    }
                }
                if allowed != 1_000 { throw BenchmarkError("expected 1,000 allowed checks, got \(allowed)") }
            } / 1e6
        return BenchmarkMeasurement(
            value: milliseconds,
            details: "total time of 1,000 checks (not the average of one, as the seed's 5 ms target implies) "
                + "of a developer with 3 permissions, default options (decision cache on); median of "
                + "\(samples) runs: \(formatNumber(milliseconds * 1e6 / 1_000)) ns per check"
        )
    }

    static let bulk = Benchmark(
        id: "security.bulk",
        category: .security,
        name: "Bulk Authorization",
        metric: "Scaling Factor",
        unit: .factor,
        target: 2.0,
        direction: .lower
    ) { context in
        let (authorizer, permissions) = try developer(cacheEnabled: true)
        let requests =
            permissions + [
                AccessRequest(resource: "code", action: "delete"), AccessRequest(resource: "docs", action: "read"),
            ]
        // Bulk and single checks alternate, sample by sample, so a change in the machine's speed
        // during the run cannot put one on a fast processor and the other on a slow one.
        let pairs = requests.count
        // A whole number of bulk checks per sample, so both halves divide by the checks they made.
        let perSample = batch / pairs * pairs
        let (bulk, single, ratio) = try Measure.alternating(
            samples: context.iterations(31, minimum: 5),
            batch: perSample
        ) {
            count in
            for _ in 0..<(count / pairs) { blackHole(authorizer.check(user: "dev-1", requests: requests)) }
        } _: {
            try checks(authorizer, user: "dev-1", requests, count: $0)
        }
        return BenchmarkMeasurement(
            value: ratio,
            details: "per-check time of a bulk check of \(pairs) pairs (\(formatNumber(bulk)) ns) ÷ a single check of "
                + "the same pairs (\(formatNumber(single)) ns), timed in alternation, median of the samples' ratios; "
                + "developer with 3 permissions, decision cache on"
        )
    }

    // MARK: Extended benchmarks

    static let checkRBAC = Benchmark(
        id: "security.check_rbac_ns",
        category: .security,
        name: "RBAC Check (uncached)",
        metric: "Median Check",
        unit: .nanoseconds,
        target: 80,
        direction: .lower,
        calibration: .init(.dictionaryLookup, ratio: 5, cap: 80)
    ) { context in
        let (authorizer, permissions) = try developer(cacheEnabled: false)
        let ns = try nanosecondsPerCheck(authorizer, user: "dev-1", permissions, context)
        return BenchmarkMeasurement(
            value: ns,
            details: "the seed's developer (1 role, 3 permissions), decision cache off; \(batch) checks cycling "
                + "through the 3 permissions per sample, median of samples"
        )
    }

    static let cachedCheck = Benchmark(
        id: "security.cached_check_ns",
        category: .security,
        name: "Cached Check",
        metric: "Median Check",
        unit: .nanoseconds,
        target: 150,
        direction: .lower,
        calibration: .init(.dictionaryLookup, ratio: 8, cap: 150)
    ) { context in
        let (authorizer, permissions) = try developer(cacheEnabled: true)
        let ns = try nanosecondsPerCheck(authorizer, user: "dev-1", permissions, context)
        let statistics = authorizer.statistics()
        return BenchmarkMeasurement(
            value: ns,
            details: "the seed's developer, decision cache on (\(statistics.cacheHits) of \(statistics.checks) "
                + "checks answered from the cache: a decision the role index makes alone costs less than a "
                + "cache lookup and skips it); \(batch) checks per sample, median of samples"
        )
    }

    static let checkLarge = Benchmark(
        id: "security.check_large_ns",
        category: .security,
        name: "Large RBAC Check",
        metric: "Median Check",
        unit: .nanoseconds,
        target: 120,
        direction: .lower,
        calibration: .init(.dictionaryLookup, ratio: 8, cap: 120)
    ) { context in
        let (authorizer, requests) = try large()
        let ns = Measure.nanosecondsPerOperation(samples: context.iterations(31, minimum: 5), batch: batch) {
            count in
            var index = 0
            var allowed = 0
            for _ in 0..<count {
                let request = requests[index]
                if authorizer.check(user: request.user, resource: request.resource, action: request.action).allowed {
                    allowed &+= 1
                }
                index = index + 1 == requests.count ? 0 : index + 1
            }
            blackHole(allowed)
        }
        return BenchmarkMeasurement(
            value: ns,
            details: "10,000 users, 1,000 roles in 3 levels of inheritance, 2 roles per user, decision cache off; "
                + "\(batch) checks per sample cycling through 10,000 precomputed requests (users cycled, about "
                + "half allowed), median of samples"
        )
    }

    static let checkPolicies = Benchmark(
        id: "security.check_policies_ns",
        category: .security,
        name: "Policy Check",
        metric: "Median Check",
        unit: .nanoseconds,
        target: 1_000,
        direction: .lower,
        calibration: .init(.dictionaryLookup, ratio: 50, cap: 1_000)
    ) { context in
        let (authorizer, requests) = try policies()
        let ns = try nanosecondsPerCheck(authorizer, user: "dev-1", requests, context: ["env": "dev"], context)
        return BenchmarkMeasurement(
            value: ns,
            details: "1,000 policies over 100 resource/action pairs (10 per pair: a deny on context.env and 9 "
                + "allows with subjects and a user.level condition), decision cache off; \(batch) checks per "
                + "sample cycling through the 100 pairs, median of samples"
        )
    }

    static let checkP99 = Benchmark(
        id: "security.check_p99_ns",
        category: .security,
        name: "Large RBAC Check p99",
        metric: "p99 Check",
        unit: .nanoseconds,
        target: 2_000,
        direction: .lower
    ) { context in
        let (authorizer, requests) = try large()
        // Each check timed on its own; the clock's own cost (the median of timing nothing) is
        // subtracted from every sample.
        let count = context.iterations(200_000, minimum: 20_000)
        var overheads: [Double] = []
        overheads.reserveCapacity(10_000)
        for _ in 0..<10_000 {
            let start = Measure.now()
            overheads.append(Double(Measure.now() - start))
        }
        let overhead = UInt64(Measure.median(overheads))
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for index in 0..<(count + 10_000) {
            let request = requests[index % requests.count]
            let start = Measure.now()
            let decision = authorizer.check(user: request.user, resource: request.resource, action: request.action)
            let elapsed = Measure.now() - start
            blackHole(decision)
            if index >= 10_000 { histogram.record(elapsed > overhead ? elapsed - overhead : 0) }
        }
        let p99 = Double(histogram.valueAtPercentile(99))
        return BenchmarkMeasurement(
            value: p99,
            details: "the large case (cache off), \(count) checks each timed individually after 10,000 warm-up "
                + "checks; the clock's own cost (\(overhead) ns, median of timing nothing) subtracted from each; "
                + "p50 \(histogram.valueAtPercentile(50)) ns, p99.9 \(histogram.valueAtPercentile(99.9)) ns, "
                + "max \(histogram.max) ns (hdrhistogram, 3 significant digits)"
        )
    }
}

/// A small deterministic generator for building benchmark workloads.
struct BenchmarkRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
