import MetricsTestKit
import Testing
import VictorLoading
import VictorTelemetry

@Suite struct LoaderTelemetryTests {
    @Test func loadersReportUnderTheirOwnDimensions() async throws {
        let metrics = TestMetrics()
        let first = ComponentLoader(telemetry: Telemetry(dimensions: [("loader", "1")], metricsFactory: metrics))
        let second = ComponentLoader(telemetry: Telemetry(dimensions: [("loader", "2")], metricsFactory: metrics))
        let a = try first.register("a") { Widget("a") }
        let broken = try second.register("broken") { () throws -> Widget in throw FactoryFailure() }
        _ = try await first.get(a)
        _ = try await first.get(a)
        _ = try? await second.get(broken)
        #expect(try metrics.expectCounter("victor_loader_loads_total", [("loader", "1")]).totalValue == 1)
        #expect(try metrics.expectTimer("victor_loader_load_duration", [("loader", "1")]).values.count == 1)
        #expect(try metrics.expectCounter("victor_loader_load_failures_total", [("loader", "2")]).totalValue == 1)
        #expect(try metrics.expectCounter("victor_loader_loads_total", [("loader", "2")]).totalValue == 0)
    }

    @Test func evictionsAreCounted() async throws {
        let metrics = TestMetrics()
        let loader = ComponentLoader(
            configuration: LoaderConfiguration(maxCacheSize: 1),
            telemetry: Telemetry(metricsFactory: metrics)
        )
        let a = try loader.register("a") { Widget("a") }
        let b = try loader.register("b") { Widget("b") }
        _ = try await loader.get(a)
        _ = try await loader.get(b)
        #expect(try metrics.expectCounter("victor_loader_evictions_total").totalValue == 1)
    }
}
