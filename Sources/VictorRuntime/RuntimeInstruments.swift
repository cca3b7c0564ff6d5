import Metrics
import VictorTelemetry

/// The runtime's swift-metrics instruments: one decision counter per verdict and step, one call
/// counter per outcome, all created up front so counting is an array read and an increment.
struct RuntimeInstruments: Sendable {
    private let decisions: [Counter]
    private let calls: [Counter]
    private let approvalWaits: Metrics.Timer

    init(_ telemetry: Telemetry) {
        precondition(GateStep.allCases.count == Self.stepCount, "a gate step without a counter")
        var decisions: [Counter] = []
        for verdict in GateVerdict.allCases {
            for step in GateStep.allCases {
                decisions.append(
                    telemetry.counter(
                        "runtime_decisions_total",
                        [("verdict", verdict.rawValue), ("step", step.rawValue)]
                    )
                )
            }
        }
        self.decisions = decisions
        calls = AuditRecord.Outcome.allCases.map {
            telemetry.counter("runtime_calls_total", [("outcome", $0.rawValue)])
        }
        approvalWaits = telemetry.timer("runtime_approval_wait")
    }

    // Positions in `allCases`, found without hashing and without building `allCases`; the
    // initializer checks the count against `allCases`.
    private static var stepCount: Int { 7 }

    private static func index(_ verdict: GateVerdict) -> Int {
        switch verdict {
        case .allowed: 0
        case .denied: 1
        case .approvalRequired: 2
        }
    }

    private static func index(_ step: GateStep) -> Int {
        switch step {
        case .call: 0
        case .registry: 1
        case .schema: 2
        case .persona: 3
        case .budget: 4
        case .policy: 5
        case .approval: 6
        }
    }

    private static func index(_ outcome: AuditRecord.Outcome) -> Int {
        switch outcome {
        case .succeeded: 0
        case .failed: 1
        case .timedOut: 2
        case .cancelled: 3
        case .notRun: 4
        }
    }

    func count(_ decision: GateDecision) {
        Self.increment(decisions, Self.index(decision.verdict) * Self.stepCount + Self.index(decision.step))
    }

    func count(_ outcome: AuditRecord.Outcome) {
        Self.increment(calls, Self.index(outcome))
    }

    /// Increments `counters[index]` without retaining it: the array owns its counters for as long
    /// as these instruments live, and a counter taken out of an array by value would cost a
    /// retain and a release, two atomic operations on every decision.
    @inline(__always)
    private static func increment(_ counters: [Counter], _ index: Int) {
        counters.withUnsafeBufferPointer { buffer in
            Unmanaged.passUnretained(buffer[index])._withUnsafeGuaranteedRef { $0.increment() }
        }
    }

    func recordApprovalWait(nanoseconds: UInt64) {
        approvalWaits.recordNanoseconds(nanoseconds)
    }
}
