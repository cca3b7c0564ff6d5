import Prometheus
import Synchronization

/// The server's own instruments, in the Prometheus registry `/metrics` renders (beside the
/// runtime's, which report into the same registry through swift-metrics):
///
/// | metric | type | labels |
/// |---|---|---|
/// | `victor_http_requests_total` | counter | `route`, `method`, `status` |
/// | `victor_http_request_duration_seconds` | histogram | `route`, `method` |
/// | `victor_server_decisions_total` | counter | `endpoint`, `allowed` |
/// | `victor_server_decision_duration_seconds` | histogram | `endpoint` |
/// | `victor_server_reloads_total` | counter | `result` (`succeeded`, `failed`) |
/// | `victor_server_token_reloads_total` | counter | `result` (`succeeded`, `failed`) |
/// | `victor_server_configuration_writes_total` | counter | `result` |
/// | `victor_server_sessions` | gauge | — |
/// | `victor_server_configuration_generation` | gauge | — (the store's generation with a shared store) |
/// | `victor_server_persona_adaptation_hits` and `_misses` | gauge | — |
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    let reloadsSucceeded: Counter
    let reloadsFailed: Counter
    let tokenReloadsSucceeded: Counter
    let tokenReloadsFailed: Counter
    let sessions: Gauge
    let generation: Gauge
    let adaptationHits: Gauge
    let adaptationMisses: Gauge
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let requestHistograms = Mutex<[String: DurationHistogram]>([:])
    private let decisionCounters: [String: Counter]
    private let decisionHistograms: [String: DurationHistogram]

    static func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "victor",
            subsystem: subsystem,
            metricName: metric,
            unitName: unit,
            helpText: help
        )
    }
    static var requests: MetricNameDescriptor {
        name("http", "requests", "total", "HTTP requests answered, by route, method and status")
    }
    static var requestDuration: MetricNameDescriptor {
        name("http", "request_duration", "seconds", "HTTP request latency, by route and method")
    }
    static var decisions: MetricNameDescriptor {
        name("server", "decisions", "total", "Decisions made, by endpoint and verdict")
    }
    static var decisionDuration: MetricNameDescriptor {
        name("server", "decision_duration", "seconds", "Time spent deciding, by endpoint (a batch counts once)")
    }
    static var reloads: MetricNameDescriptor {
        name("server", "reloads", "total", "Authorization reloads from disk, by result")
    }
    static var tokenReloads: MetricNameDescriptor {
        name("server", "token_reloads", "total", "Tokens-file reloads, by result")
    }

    static let decisionEndpoints = ["check", "check_batch", "explain", "tool_call"]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        reloadsSucceeded = registry.makeCounter(descriptor: Self.reloads, labels: [("result", "succeeded")])
        reloadsFailed = registry.makeCounter(descriptor: Self.reloads, labels: [("result", "failed")])
        tokenReloadsSucceeded = registry.makeCounter(descriptor: Self.tokenReloads, labels: [("result", "succeeded")])
        tokenReloadsFailed = registry.makeCounter(descriptor: Self.tokenReloads, labels: [("result", "failed")])
        sessions = registry.makeGauge(
            descriptor: Self.name("server", "sessions", "", "Open sessions in the session table")
        )
        generation = registry.makeGauge(
            descriptor: Self.name(
                "server",
                "configuration_generation",
                "",
                "The authorization configuration's generation in force"
            )
        )
        adaptationHits = registry.makeGauge(
            descriptor: Self.name("server", "persona_adaptation", "hits", "Persona adaptations served from the cache")
        )
        adaptationMisses = registry.makeGauge(
            descriptor: Self.name("server", "persona_adaptation", "misses", "Persona adaptations computed")
        )
        var counters: [String: Counter] = [:]
        var histograms: [String: DurationHistogram] = [:]
        for endpoint in Self.decisionEndpoints {
            for allowed in ["true", "false"] {
                counters[endpoint + allowed] = registry.makeCounter(
                    descriptor: Self.decisions,
                    labels: [("endpoint", endpoint), ("allowed", allowed)]
                )
            }
            histograms[endpoint] = registry.makeDurationHistogram(
                descriptor: Self.decisionDuration,
                labels: [("endpoint", endpoint)],
                buckets: Self.buckets
            )
        }
        decisionCounters = counters
        decisionHistograms = histograms
    }

    /// Counts one answered request and its latency.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.requests,
                labels: [("route", route), ("method", method), ("status", String(status))]
            )
            counters[key] = counter
            return counter
        }
        counter.increment()
        let histogramKey = "\(method) \(route)"
        let histogram = requestHistograms.withLock { histograms in
            if let histogram = histograms[histogramKey] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: Self.requestDuration,
                labels: [("route", route), ("method", method)],
                buckets: Self.buckets
            )
            histograms[histogramKey] = histogram
            return histogram
        }
        histogram.record(duration)
    }

    /// Counts decisions made by `endpoint` (`check`, `check_batch`, `explain`, `tool_call`).
    func decisions(_ endpoint: String, allowed: Int, denied: Int, duration: Duration) {
        if allowed > 0 { decisionCounters[endpoint + "true"]?.increment(by: Int64(allowed)) }
        if denied > 0 { decisionCounters[endpoint + "false"]?.increment(by: Int64(denied)) }
        decisionHistograms[endpoint]?.record(duration)
    }
}
