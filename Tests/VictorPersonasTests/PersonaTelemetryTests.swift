import MetricsTestKit
import Testing
import VictorTelemetry

@testable import VictorPersonas

@Suite struct PersonaTelemetryTests {
    @Test func managersReportUnderTheirOwnDimensions() async throws {
        let metrics = TestMetrics()
        let first = PersonaManager(telemetry: Telemetry(dimensions: [("tenant", "a")], metricsFactory: metrics))
        let second = PersonaManager(telemetry: Telemetry(dimensions: [("tenant", "b")], metricsFactory: metrics))
        _ = try await first.adapt("debugger", to: ["task_type": "debugging"])
        _ = try await first.adapt("debugger", to: ["task_type": "debugging"])
        _ = try await second.adapt("debugger", to: ["task_type": "debugging"])
        let hits = { (tenant: String) throws -> Int64 in
            try metrics.expectCounter("victor_persona_adaptation_cache_hits_total", [("tenant", tenant)]).totalValue
        }
        let misses = { (tenant: String) throws -> Int64 in
            try metrics.expectCounter("victor_persona_adaptation_cache_misses_total", [("tenant", tenant)]).totalValue
        }
        first.flushMetrics()
        second.flushMetrics()
        #expect(try hits("a") == 1 && misses("a") == 1)
        #expect(try hits("b") == 0 && misses("b") == 1)
    }

    @Test func cachedAdaptationsReachTheCounterInBatchesAndExactlyOnAFlush() async throws {
        let metrics = TestMetrics()
        let manager = PersonaManager(telemetry: Telemetry(metricsFactory: metrics))
        let context: PersonaContext = ["task_type": "debugging"]
        _ = try await manager.adapt("debugger", to: context)
        let batches = 3
        let hitCount = batches * PersonaManager.metricsBatch + 5
        // Synchronous, so every hit counts on this thread's stripe.
        for _ in 0..<hitCount { #expect(manager.cachedAdaptation("debugger", to: context) != nil) }
        let counter = try metrics.expectCounter("victor_persona_adaptation_cache_hits_total")
        // Each full batch was pushed once; the last 5 hits wait for a flush.
        #expect(counter.totalValue == Int64(batches * PersonaManager.metricsBatch))
        manager.flushMetrics()
        #expect(counter.totalValue == Int64(hitCount))
        #expect(manager.statistics.adaptationHits == hitCount)
        manager.flushMetrics()
        #expect(counter.totalValue == Int64(hitCount))
    }
}
