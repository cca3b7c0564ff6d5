import MetricsTestKit
import Testing
import VictorLoading
import VictorTelemetry
import VictorTestSupport

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

@Suite struct LoaderLoggingTests {
    @Test func aFailedBackgroundPreloadIsLoggedAndRetriedOnAccess() async throws {
        let log = LogRecorder()
        let loader = ComponentLoader(
            configuration: LoaderConfiguration(strategy: .eager),
            telemetry: Telemetry(logger: log.logger)
        )
        let base = try loader.register("base") { Widget("base") }
        _ = try loader.register("flaky", dependencies: ["base"]) { () throws -> Widget in throw FactoryFailure() }
        // Loading `base` eagerly loads its dependent `flaky`, whose factory fails: nobody asked
        // for it, so the failure is logged instead of thrown.
        _ = try await loader.get(base)
        let warnings = log.entries.filter { $0.message == "background preload failed" }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["component"] == "flaky")
        #expect(!loader.isLoaded("flaky"))
        await #expect(throws: LoaderError.self) { _ = try await loader.get("flaky") }
    }
}
