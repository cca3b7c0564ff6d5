import Metrics
import VictorTelemetry

/// The runtime's swift-metrics instruments: one decision counter per verdict and step, one call
/// counter per outcome, all created up front so counting is an array read and an increment.
struct RuntimeInstruments: Sendable {
    private let decisions: [Counter]
    private let calls: [Counter]
    private let approvalWaits: Metrics.Timer

    init(_ telemetry: Telemetry) {
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

    func count(_ decision: GateDecision) {
        let verdict = GateVerdict.allCases.firstIndex(of: decision.verdict)!
        let step = GateStep.allCases.firstIndex(of: decision.step)!
        decisions[verdict * GateStep.allCases.count + step].increment()
    }

    func count(_ outcome: AuditRecord.Outcome) {
        calls[AuditRecord.Outcome.allCases.firstIndex(of: outcome)!].increment()
    }

    func recordApprovalWait(nanoseconds: UInt64) {
        approvalWaits.recordNanoseconds(nanoseconds)
    }
}
