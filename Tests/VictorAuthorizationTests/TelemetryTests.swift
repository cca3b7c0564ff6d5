import MetricsTestKit
import Synchronization
import Testing
import VictorAuthorization
import VictorEvents
import VictorTelemetry

@Suite struct AuthorizerTelemetryTests {
    @Test func twoAuthorizersReportSeparateSeries() throws {
        let metrics = TestMetrics()
        let tenantA = try Authorizer(
            configuration: sampleConfiguration(),
            telemetry: Telemetry(dimensions: [("instance", "a")], metricsFactory: metrics)
        )
        let tenantB = try Authorizer(
            configuration: sampleConfiguration(),
            telemetry: Telemetry(dimensions: [("instance", "b")], metricsFactory: metrics)
        )
        for _ in 0..<3 { _ = tenantA.check(user: "alice", resource: "code", action: "read") }
        _ = tenantB.check(user: "bob", resource: "code", action: "write")
        tenantA.flushMetrics()
        tenantB.flushMetrics()
        #expect(try metrics.expectCounter("victor_authz_checks_total", [("instance", "a")]).totalValue == 3)
        #expect(try metrics.expectCounter("victor_authz_checks_total", [("instance", "b")]).totalValue == 1)
        #expect(try metrics.expectCounter("victor_authz_denials_total", [("instance", "a")]).totalValue == 0)
        #expect(try metrics.expectCounter("victor_authz_denials_total", [("instance", "b")]).totalValue == 1)
    }

    @Test func countsArePushedInBatchesWithoutAFlush() throws {
        let metrics = TestMetrics()
        let authorizer = try Authorizer(
            configuration: sampleConfiguration(),
            telemetry: Telemetry(labelPrefix: "edge", metricsFactory: metrics)
        )
        let batch = 1024
        _ = authorizer.check(user: "bob", resource: "code", action: "write")
        for _ in 0..<(batch - 2) { _ = authorizer.check(user: "alice", resource: "code", action: "read") }
        // Nothing pushed yet: checks count in the authorizer's atomics.
        #expect(metrics.counters(label: "edge_authz_checks_total").allSatisfy { $0.totalValue == 0 })
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        #expect(try metrics.expectCounter("edge_authz_checks_total").totalValue == Int64(batch))
        #expect(try metrics.expectCounter("edge_authz_denials_total").totalValue == 1)
        // A flush pushes only what is new; a second flush pushes nothing.
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        authorizer.flushMetrics()
        authorizer.flushMetrics()
        #expect(try metrics.expectCounter("edge_authz_checks_total").totalValue == Int64(batch + 1))
    }

    @Test func generationGaugeFollowsChanges() throws {
        let metrics = TestMetrics()
        let authorizer = try Authorizer(
            configuration: sampleConfiguration(),
            telemetry: Telemetry(metricsFactory: metrics)
        )
        #expect(try metrics.expectGauge("victor_authz_configuration_generation").lastValue == 1)
        try authorizer.setEnabled(false)
        #expect(try metrics.expectGauge("victor_authz_configuration_generation").lastValue == 2)
    }

    @Test func decisionsReachSubscribersOfTheirTypeOnly() throws {
        let bus = EventBus()
        let authorizer = try Authorizer(configuration: sampleConfiguration(), eventBus: bus)
        let changes = EventCount()
        bus.subscribe(to: AuthorizationConfigurationChanged.self) { _ in changes.add() }
        #expect(!bus.interest(in: AuthorizationDecided.self).hasSubscribers)
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        let decisions = EventCount()
        let subscription = bus.subscribe(to: AuthorizationDecided.self) { _ in decisions.add() }
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        bus.unsubscribe(subscription)
        _ = authorizer.check(user: "alice", resource: "code", action: "read")
        #expect(decisions.value == 1)
        #expect(changes.value == 0)
    }
}

/// Counts events delivered to a handler.
final class EventCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
