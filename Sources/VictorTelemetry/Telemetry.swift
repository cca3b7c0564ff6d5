public import CoreMetrics
public import Logging

/// Where a component reports: the logger it writes to and how its swift-metrics instruments
/// are named.
///
/// Every Victor component (loader, executor, persona manager, authorizer, event bus) accepts a
/// `Telemetry` and never constructs a logger or a fixed-label instrument of its own. Instrument
/// labels are `PREFIX_NAME` (`victor_authz_checks_total` with the default prefix), and every
/// instrument carries ``dimensions``, so two authorizers in one process report two series when
/// they are given different dimensions (for example `[("instance", "tenant-a")]`).
///
/// Metrics are pushed: a component updates its instruments when the thing they count happens,
/// and a backend (Prometheus, OpenTelemetry) aggregates them. Paths measured in nanoseconds
/// (authorization checks, cached reads) count in their own atomics and push the accumulated
/// counts in batches, so a single check never calls into the metrics backend; call the
/// component's `flushMetrics()` before reading exact totals, as a scrape does.
public struct Telemetry: Sendable {
    /// Where components log: swallowed errors, failing event handlers, reload failures.
    public var logger: Logger
    /// The first part of every instrument label; a valid Prometheus name (`[a-zA-Z_][a-zA-Z0-9_]*`).
    public let labelPrefix: String
    /// Dimensions added to every instrument, such as `[("instance", "a")]`.
    public var dimensions: [(String, String)]
    /// The metrics backend; `nil` uses the one bootstrapped in `MetricsSystem`.
    public var metricsFactory: (any MetricsFactory)?

    /// Creates a telemetry configuration.
    /// - Precondition: `labelPrefix` is a valid Prometheus metric name.
    public init(
        logger: Logger = Telemetry.silent,
        labelPrefix: String = "victor",
        dimensions: [(String, String)] = [],
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        precondition(
            Self.isValidLabel(labelPrefix),
            "Telemetry.labelPrefix '\(labelPrefix)' is not a valid metric name"
        )
        self.logger = logger
        self.labelPrefix = labelPrefix
        self.dimensions = dimensions
        self.metricsFactory = metricsFactory
    }

    /// The default: a logger that writes nothing (a host that wants Victor's logs passes its
    /// own) and the `victor` prefix with no dimensions.
    public static var standard: Telemetry { Telemetry() }

    /// A logger that discards everything: the default of every component's `logger`.
    public static let silent = Logger(label: "victor", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Whether `label` is a valid Prometheus metric name.
    public static func isValidLabel(_ label: String) -> Bool {
        guard let first = label.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return label.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }

    /// The full label of the instrument `name`.
    package func label(_ name: String) -> String { "\(labelPrefix)_\(name)" }

    /// A counter named `PREFIX_NAME` with this telemetry's dimensions and `extra` ones.
    package func counter(_ name: String, _ extra: [(String, String)] = []) -> Counter {
        Counter(label: label(name), dimensions: dimensions + extra, factory: factory)
    }

    /// A gauge named `PREFIX_NAME` with this telemetry's dimensions and `extra` ones.
    package func gauge(_ name: String, _ extra: [(String, String)] = []) -> Gauge {
        Gauge(label: label(name), dimensions: dimensions + extra, factory: factory)
    }

    /// A recorder (a distribution) named `PREFIX_NAME` with this telemetry's dimensions.
    package func recorder(_ name: String, _ extra: [(String, String)] = []) -> Recorder {
        Recorder(label: label(name), dimensions: dimensions + extra, factory: factory)
    }

    /// A timer named `PREFIX_NAME` with this telemetry's dimensions and `extra` ones.
    package func timer(_ name: String, _ extra: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: label(name), dimensions: dimensions + extra, factory: factory)
    }

    private var factory: any MetricsFactory { metricsFactory ?? MetricsSystem.factory }
}
