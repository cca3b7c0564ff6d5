import Foundation
import Testing
import VictorAuthorization
import VictorRuntime
import VictorTestSupport

@Suite struct AuditRecordTests {
    @Test func argumentsAreDigestedCanonically() {
        // SHA-256 of the two bytes `{}`, which the runtime keeps as a literal.
        #expect(AgentRuntime.digest([:]) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        #expect(AgentRuntime.hexDigest(Array("{}".utf8)) == AgentRuntime.digest([:]))
        // Key order and Unicode spelling do not change the digest.
        let a: JSONValue = ["b": 1, "a": ["caf\u{E9}", 2.5]]
        let b: JSONValue = ["a": ["cafe\u{301}", 2.5], "b": 1]
        #expect(AgentRuntime.digest(a) == AgentRuntime.digest(b.normalized()))
        #expect(a.canonicalJSON == "{\"a\":[\"caf\u{E9}\",2.5],\"b\":1}")
    }

    @Test func everyPathProducesOneRecordWithItsDecision() async throws {
        let fixture = try GateFixture(options: RuntimeOptions(recordArguments: true))
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker", id: "s-9")
        _ = fixture.runtime.authorize(ToolCall(id: "c1", tool: "shell"), in: session)
        _ = await fixture.runtime.call(ToolCall(id: "c2", tool: "search", arguments: ["query": "x"]), in: session)
        let records = fixture.audit.records
        #expect(records.count == 2)
        #expect(records[0].event == .decision && records[0].step == .persona && records[0].verdict == .denied)
        #expect(records[0].outcome == nil)
        #expect(records[1].event == .call && records[1].outcome == .succeeded && records[1].verdict == .allowed)
        #expect(records[1].arguments == ["query": "x"])
        for record in records {
            #expect(record.session == "s-9" && record.user == "alice")
            #expect(record.persona == "worker" && record.personaVersion == 1)
        }
    }

    /// A record whose reason is the authorizer's message reads back from its JSON line equal to
    /// itself, with the same hash, and its decision's reason is that message.
    @Test func aPolicyReasonReadsBackEqualFromItsLine() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let decision = fixture.runtime.authorize(
            ToolCall(id: "c1", tool: "search", arguments: ["query": "x"]),
            in: session
        )
        let authorization = try #require(decision.authorization)
        #expect(decision.step == .policy && decision.reason == authorization.message)
        let record = try #require(fixture.audit.records.last)
        #expect(record.reason == authorization.message)
        let read = try AuditRecord(jsonLine: record.jsonLine)
        #expect(read == record && read.hashValue == record.hashValue)
        var changed = read
        changed.reason += "."
        #expect(changed != record)
    }

    /// Records take their time of day from the monotonic reading that ends their duration; it
    /// lies between the wall-clock times read around the decisions, to the millisecond, also
    /// after the offset is taken again.
    @Test func recordTimesAreTheTimeOfDay() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000).rounded(.down)) }
        for round in 0..<3 {
            if round > 0 { try await Task.sleep(for: .milliseconds(15)) }
            let before = milliseconds(Date())
            _ = fixture.runtime.authorize(ToolCall(tool: "search", arguments: ["query": "x"]), in: session)
            let after = milliseconds(Date())
            let time = milliseconds(try #require(fixture.audit.records.last).time)
            // One millisecond of slack each way for the rounding of the offset's midpoint.
            #expect(time >= before - 1 && time <= after + 1, "round \(round): \(before) ≤ \(time) ≤ \(after)")
        }
    }

    @Test func argumentsStayOutOfRecordsUnlessConfigured() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        _ = fixture.runtime.authorize(ToolCall(tool: "search", arguments: ["query": "password=hunter2"]), in: session)
        let record = try #require(fixture.audit.records.first)
        #expect(record.arguments == nil)
        #expect(!record.jsonLine.contains("hunter2"))
        #expect(record.argumentsDigest == AgentRuntime.digest(["query": "password=hunter2"]))
    }

    @Test func linesRoundTripAndCannotBreakLines() throws {
        let record = AuditRecord(
            event: .call,
            time: Date(timeIntervalSince1970: 1_800_000_000.25),
            session: "s\nforged",
            user: "al\u{2028}ice",
            persona: "p",
            personaVersion: 2,
            callID: "c",
            tool: "t",
            argumentsDigest: "d",
            arguments: ["big": 9_007_199_254_740_993],
            verdict: .denied,
            step: .schema,
            reason: "r \"quoted\"",
            policy: nil,
            approver: "a",
            outcome: .notRun,
            error: "e",
            durationNanoseconds: 42
        )
        let line = record.jsonLine
        #expect(!line.contains("\n") && !line.contains("\u{2028}"))
        let read = try AuditRecord(jsonLine: line)
        var expected = record
        expected.user = "al\\u{2028}ice"
        #expect(read == expected, "a character the reader refuses is kept as visible text")
        #expect(read.session == "s\nforged", "a line break is escaped, not replaced")
    }

    /// Every printable ASCII character, in each position of a field, reads back as written:
    /// the writer copies such fields byte for byte unless they hold a quote or a backslash.
    @Test(arguments: Array(0x20..<0x7F))
    func everyPrintableCharacterRoundTrips(_ code: Int) throws {
        let character = String(UnicodeScalar(UInt8(code)))
        let text = character + "a" + character + "é" + character
        let record = AuditRecord(
            event: .decision,
            time: Date(timeIntervalSince1970: 1_800_000_000),
            session: character,
            user: text,
            persona: "p" + character,
            personaVersion: -3,
            callID: character + "c",
            tool: "t",
            argumentsDigest: "d",
            verdict: .allowed,
            step: .policy,
            reason: text,
            policy: character,
            durationNanoseconds: .max
        )
        #expect(try AuditRecord(jsonLine: record.jsonLine) == record)
    }

    /// A record of one-letter fields at `seconds` since 1970.
    static func plainRecord(seconds: Double) -> AuditRecord {
        AuditRecord(
            event: .decision,
            time: Date(timeIntervalSince1970: seconds),
            session: "s",
            user: "u",
            persona: "p",
            personaVersion: 1,
            callID: "c",
            tool: "t",
            argumentsDigest: "d",
            verdict: .allowed,
            step: .policy,
            reason: "r",
            durationNanoseconds: 1
        )
    }

    /// Records keep the millisecond precision they are written with, so a record read back from
    /// its line equals it; times before 1970 belong to the second below.
    @Test(arguments: [
        (1_800_000_000.123_456, "2027-01-15T08:00:00.123Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
        (-1.25, "1969-12-31T23:59:58.750Z"),
        (0, "1970-01-01T00:00:00.000Z"),
    ])
    func timesAreKeptToTheMillisecond(seconds: Double, written: String) throws {
        let record = Self.plainRecord(seconds: seconds)
        #expect(record.jsonLine.contains("\"time\":\"\(written)\""))
        #expect(abs(record.time.timeIntervalSince1970 - seconds) < 0.001)
        #expect(try AuditRecord(jsonLine: record.jsonLine) == record)
    }

    /// Every millisecond of a stretch of time reads back from its line as written: a parsed
    /// time that lands a hair below its millisecond still counts as that millisecond.
    @Test func everyMillisecondReadsBackAsWritten() throws {
        var record = Self.plainRecord(seconds: 0)
        var misread: [Double] = []
        for millisecond in 0..<3_000 {
            for base in [1_764_576_000.0, 1_800_000_000.0, -86_400.0] {
                record.time = Date(timeIntervalSince1970: base + Double(millisecond) / 1_000)
                if try AuditRecord(jsonLine: record.jsonLine) != record {
                    misread.append(record.time.timeIntervalSince1970)
                }
            }
        }
        #expect(misread.isEmpty, "\(misread.count) times read back a millisecond off, first \(misread.prefix(3))")
    }

    /// Times read from a line: without a fraction, with fewer or more than three digits (further
    /// digits are cut off, as the writer rounds down).
    @Test(arguments: [
        ("2026-11-28T19:56:18Z", Int64(1_795_895_778_000)),
        ("2026-11-28T19:56:18.5Z", 1_795_895_778_500),
        ("2026-11-28T19:56:18.123999Z", 1_795_895_778_123),
        ("1969-12-31T23:59:59.250Z", -750),
    ])
    func timesAreReadToTheMillisecond(written: String, milliseconds: Int64) throws {
        let line = Self.plainRecord(seconds: 0).jsonLine.replacingOccurrences(
            of: "1970-01-01T00:00:00.000Z",
            with: written
        )
        let read = try AuditRecord(jsonLine: line)
        #expect(read.time == Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        #expect(try AuditRecord(jsonLine: read.jsonLine) == read)
    }

    /// A time that is not ISO 8601 as records write it is refused, naming the field.
    @Test(arguments: [
        "", "yesterday", "2026-11-28T19:56:18.Z", "2026-11-28T19:56:18.12xZ", "2026-11-28T19:56:18,123Z",
        "2026-13-28T19:56:18.123Z", "2026-11-28T19:56:18.\u{0661}23Z",
    ])
    func malformedTimesNameTheField(written: String) {
        let line = Self.plainRecord(seconds: 0).jsonLine.replacingOccurrences(
            of: "1970-01-01T00:00:00.000Z",
            with: written
        )
        #expect {
            try AuditRecord(jsonLine: line)
        } throws: { error in
            (error as? RuntimeError)?.message.contains("'time'") == true
        }
    }

    @Test func malformedLinesNameTheField() {
        #expect(throws: RuntimeError.self) { try AuditRecord(jsonLine: "{\"event\": \"call\"}") }
        #expect {
            try AuditRecord(jsonLine: "{\"event\": \"maybe\"}")
        } throws: { error in
            "\(error)".contains("'event' has the unknown value 'maybe'")
        }
    }
}

@Suite struct JSONLinesAuditSinkTests {
    let directories = TemporaryDirectories()

    func record(_ index: Int) -> AuditRecord {
        AuditRecord(
            event: .decision,
            time: Date(),
            session: "s",
            user: "u",
            persona: "p",
            personaVersion: 1,
            callID: "call-" + String(1_000 + index),
            tool: "t",
            argumentsDigest: AgentRuntime.digest([:]),
            verdict: .allowed,
            step: .policy,
            reason: "allowed",
            durationNanoseconds: 1
        )
    }

    @Test func aCleanShutdownLosesNothing() async throws {
        let path = directories.make() + "/audit.jsonl"
        let sink = try JSONLinesAuditSink(path: path, options: .init(batchRecords: 7))
        for index in 0..<1_000 { sink.record(record(index)) }
        try await sink.close()
        let (records, problems) = try AuditLog.read(contentsOf: path)
        #expect(problems.isEmpty)
        let expected = (0..<1_000).map { index in "call-" + String(1_000 + index) }
        #expect(records.map(\.callID) == expected)
        sink.record(record(1_000))
        #expect(sink.droppedRecords == 1, "a closed sink drops and counts")
        await #expect(throws: RuntimeError.self) { try await sink.flush() }
    }

    /// A batch is written under a shared lock on PATH.lock, which a failed write's take-back
    /// holds exclusively: while another process holds it exclusively, nothing is appended.
    @Test func batchesWaitWhileAnotherWriterHoldsTheLockExclusively() async throws {
        let path = directories.make() + "/audit.jsonl"
        let sink = try JSONLinesAuditSink(path: path, options: .init(batchRecords: 10_000, flushInterval: .seconds(60)))
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0)
        sink.record(record(0))
        let flushed = Task { try await sink.flush() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try AuditLog.read(contentsOf: path).records.isEmpty, "appended under another writer's exclusive lock")
        #expect(flock(lock, LOCK_UN) == 0)
        try await flushed.value
        #expect(try AuditLog.read(contentsOf: path).records.map(\.callID) == ["call-1000"])
        try await sink.close()
    }

    /// A writer that cannot open PATH.lock (here a directory stands there) writes nothing, says
    /// why, and keeps the records; once it can, they are written whole.
    @Test func aLockFileThatCannotBeOpenedFailsTheWriteAndKeepsTheRecords() async throws {
        let path = directories.make() + "/audit.jsonl"
        try FileManager.default.createDirectory(atPath: path + ".lock", withIntermediateDirectories: false)
        let sink = try JSONLinesAuditSink(path: path, options: .init(batchRecords: 10_000, flushInterval: .seconds(60)))
        sink.record(record(0))
        await #expect {
            try await sink.flush()
        } throws: { error in
            (error as? RuntimeError)?.message.contains("cannot open the audit lock file") == true
        }
        #expect(try AuditLog.read(contentsOf: path).records.isEmpty)
        try FileManager.default.removeItem(atPath: path + ".lock")
        try await sink.close()
        #expect(try AuditLog.read(contentsOf: path).records.map(\.callID) == ["call-1000"])
    }

    @Test func flushMakesEveryEarlierRecordDurable() async throws {
        let path = directories.make() + "/audit.jsonl"
        let sink = try JSONLinesAuditSink(path: path, options: .init(batchRecords: 10_000, flushInterval: .seconds(60)))
        for index in 0..<3 { sink.record(record(index)) }
        try await sink.flush()
        #expect(try AuditLog.read(contentsOf: path).records.count == 3)
        try await sink.close()
    }

    @Test func filesRotateBySizeKeepingTheNewest() async throws {
        let path = directories.make() + "/audit.jsonl"
        let lineBytes = record(0).jsonLine.utf8.count + 1
        let sink = try JSONLinesAuditSink(
            path: path,
            options: .init(batchRecords: 1, maxFileBytes: lineBytes * 10, keepFiles: 2)
        )
        for index in 0..<25 {
            sink.record(record(index))
            try await sink.flush()
        }
        try await sink.close()
        let current = try AuditLog.read(contentsOf: path).records
        let first = try AuditLog.read(contentsOf: path + ".1").records
        let second = try AuditLog.read(contentsOf: path + ".2").records
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        let counts: [Int] = [second.count, first.count, current.count]
        #expect(counts == [10, 10, 5] as [Int])
        let expected = (0..<25).map { index in "call-" + String(1_000 + index) }
        #expect((second + first + current).map(\.callID) == expected)
    }

    /// Two writers on one file, as two processes started with one `victor.yaml` are (two sinks
    /// hold two open file descriptions, as two processes do): every record lands whole in
    /// exactly one file, and the files shift once per rotation, not once per writer.
    @Test func twoWritersOnOneFileLoseNothingAndRotateOnce() async throws {
        let path = directories.make() + "/audit.jsonl"
        let lineBytes = record(0).jsonLine.utf8.count + 1
        let options = JSONLinesAuditSink.Options(batchRecords: 5, maxFileBytes: lineBytes * 40, keepFiles: 1_000)
        let writers = [
            try JSONLinesAuditSink(path: path, options: options), try JSONLinesAuditSink(path: path, options: options),
        ]
        let perWriter = 400
        await withTaskGroup(of: Void.self) { group in
            for (number, sink) in writers.enumerated() {
                group.addTask {
                    for index in 0..<perWriter {
                        sink.record(self.record(number * 10_000 + index))
                        if index % 7 == 0 { try? await sink.flush() }
                    }
                }
            }
        }
        for sink in writers { try await sink.close() }
        var seen: [String] = []
        var files = 0
        let suffixes: [String] = [""] + (1...1_000).map { ".\($0)" }
        for suffix in suffixes where FileManager.default.fileExists(atPath: path + suffix) {
            let (records, problems) = try AuditLog.read(contentsOf: path + suffix)
            #expect(problems.isEmpty, "\(suffix): \(problems)")
            seen += records.map(\.callID)
            files += 1
            // A rotated file was filled to its limit by both writers, give or take a batch each:
            // never twice the limit (each writer counting only its own lines) nor a sliver (the
            // second of two writers rotating the file the first had just started).
            if !suffix.isEmpty {
                #expect(records.count >= 30 && records.count <= 50, "\(suffix) holds \(records.count) lines")
            }
        }
        var expected: [String] = []
        for number in 0..<2 {
            for index in 0..<perWriter { expected.append("call-" + String(1_000 + number * 10_000 + index)) }
        }
        let missing = Set(expected).subtracting(seen).sorted()
        #expect(missing.isEmpty, "\(missing.count) records missing, first \(missing.prefix(5))")
        #expect(seen.count == expected.count, "\(seen.count) records read, \(expected.count) written")
        // 800 lines of 40 per file: 20 files, give or take the batches that overran the limit;
        // a rotation by each writer on its own would have made about twice as many.
        #expect(files >= 19 && files <= 26, "\(files) files")
    }

    /// A file moved away under a running sink (by logrotate, say) is followed by a new one at the
    /// path: no record goes to the moved file after the move.
    @Test func aFileMovedAwayIsFollowedByANewOne() async throws {
        let path = directories.make() + "/audit.jsonl"
        let sink = try JSONLinesAuditSink(path: path, options: .init(batchRecords: 1))
        sink.record(record(0))
        try await sink.flush()
        #expect(rename(path, path + ".moved") == 0)
        sink.record(record(1))
        try await sink.close()
        #expect(try AuditLog.read(contentsOf: path + ".moved").records.map(\.callID) == ["call-1000"])
        #expect(try AuditLog.read(contentsOf: path).records.map(\.callID) == ["call-1001"])
    }

    @Test func theFileIsPrivateAndNeverALink() async throws {
        let directory = directories.make()
        let path = directory + "/audit.jsonl"
        let sink = try JSONLinesAuditSink(path: path)
        try await sink.close()
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.jsonl", withDestinationPath: path)
        #expect {
            _ = try JSONLinesAuditSink(path: directory + "/link.jsonl")
        } throws: { error in
            "\(error)".contains("symbolic link")
        }
    }

    @Test func aCutShortLastLineIsReportedNotRead() throws {
        let path = directories.make() + "/audit.jsonl"
        let whole = record(0).jsonLine + "\n"
        let cut = String(record(1).jsonLine.prefix(40))
        try (whole + cut).write(toFile: path, atomically: false, encoding: .utf8)
        let (records, problems) = try AuditLog.read(contentsOf: path)
        #expect(records.count == 1)
        #expect(problems.count == 1 && problems[0].contains("the last line is incomplete"))
    }

    @Test func badOptionsAreRefused() {
        #expect(throws: RuntimeError.self) {
            _ = try JSONLinesAuditSink(path: "/tmp/never.jsonl", options: .init(batchRecords: 0))
        }
    }
}
