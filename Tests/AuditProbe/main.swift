// Writes audit records until it is killed, for the crash tests of the audit file: after every
// flush it prints how many records are stored, so the test knows what must survive a kill.
import Foundation
import VictorRuntime

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: AuditProbe FILE\n".utf8))
    exit(2)
}
let sink = try JSONLinesAuditSink(
    path: arguments[1],
    options: .init(batchRecords: 100, flushInterval: .milliseconds(5), maxFileBytes: 1 << 20, keepFiles: 3)
)
var index = 0
while true {
    for _ in 0..<250 {
        index += 1
        sink.record(
            AuditRecord(
                event: .call,
                time: Date(),
                session: "probe",
                user: "probe",
                persona: "probe",
                personaVersion: 1,
                callID: "call-\(index)",
                tool: "noop",
                argumentsDigest: AgentRuntime.digest([:]),
                verdict: .allowed,
                step: .policy,
                reason: "probe",
                outcome: .succeeded,
                durationNanoseconds: 1
            )
        )
    }
    try await sink.flush()
    FileHandle.standardOutput.write(Data("stored \(index)\n".utf8))
}
