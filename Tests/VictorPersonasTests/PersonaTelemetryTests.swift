import MetricsTestKit
import Testing
import VictorPersonas
import VictorTelemetry

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
        #expect(try hits("a") == 1 && misses("a") == 1)
        #expect(try hits("b") == 0 && misses("b") == 1)
    }
}
