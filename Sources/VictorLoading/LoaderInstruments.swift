import Metrics
import VictorTelemetry

/// The loader's swift-metrics instruments. Cache hits are deliberately not a metric: they stay
/// in ``LoaderStatistics`` so the cached path makes no call into a metrics backend.
struct LoaderInstruments: Sendable {
    let loads: Counter
    let failures: Counter
    let evictions: Counter
    let loadDuration: Metrics.Timer

    init(_ telemetry: Telemetry) {
        loads = telemetry.counter("loader_loads_total")
        failures = telemetry.counter("loader_load_failures_total")
        evictions = telemetry.counter("loader_evictions_total")
        loadDuration = telemetry.timer("loader_load_duration")
    }
}
