// The audit file's probe for tests that need a process of their own:
// - `AuditProbe FILE` writes records until it is killed, for the crash tests: after every flush
//   it prints how many records are stored, so the test knows what must survive a kill.
// - `AuditProbe full-disk FILE` writes while the file cannot grow (RLIMIT_FSIZE stands in for a
//   full disk), then lets it grow again, and prints what the sink reported.
import Foundation
import VictorRuntime

func record(_ index: Int) -> AuditRecord {
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
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
switch arguments.count {
case 2:
    let sink = try JSONLinesAuditSink(
        path: arguments[1],
        options: .init(batchRecords: 100, flushInterval: .milliseconds(5), maxFileBytes: 1 << 20, keepFiles: 3)
    )
    var index = 0
    while true {
        for _ in 0..<250 {
            index += 1
            sink.record(record(index))
        }
        try await sink.flush()
        say("stored \(index)")
    }
case 3 where arguments[1] == "full-disk":
    let path = arguments[2]
    // Past the limit, write(2) fails with EFBIG instead of the process being killed.
    signal(SIGXFSZ, SIG_IGN)
    let sink = try JSONLinesAuditSink(
        path: path,
        options: .init(batchRecords: 10, flushInterval: .milliseconds(5), maxPendingRecords: 100)
    )
    for index in 0..<20 { sink.record(record(index)) }
    try await sink.flush()
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    // Glibc imports the resource as an enum case; the functions take its raw value.
    let fileSize = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    var original = rlimit()
    getrlimit(fileSize, &original)
    // Room for about three lines: the first batch is written in part, then the disk is "full".
    var limited = original
    limited.rlim_cur = rlim_t(size + 1_000)
    setrlimit(fileSize, &limited)
    for index in 20..<170 { sink.record(record(index)) }
    do {
        try await sink.flush()
        say("flushed while full")
    } catch {
        say("flush failed: \(error)")
    }
    setrlimit(fileSize, &original)
    try await sink.flush()
    try await sink.close()
    say("dropped \(sink.droppedRecords)")
default:
    FileHandle.standardError.write(Data("usage: AuditProbe FILE | AuditProbe full-disk FILE\n".utf8))
    exit(2)
}
