import Foundation
import VictorAuthorization
import VictorExecution
import VictorPersonas
import VictorRuntime

/// The tool-call gate: a decision, a call's whole overhead, the audit file's throughput, and the
/// strict JSON reading every request body and tool call goes through.
enum RuntimeBenchmarks {
    static var all: [Benchmark] { [authorize, callOverhead, auditThroughput, jsonRead] }

    static let batch = 20_000

    /// An audit sink that keeps nothing: the decision's own cost, without a sink's.
    final class DiscardingSink: AuditSink {
        func record(_ record: AuditRecord) { blackHole(record) }
    }

    /// The seed's developer, whose one role may execute every tool, and a runtime deciding for
    /// them under the built-in `code_reviewer` persona.
    static func runtime(audit: any AuditSink) async throws -> (AgentRuntime, AgentSession) {
        let tools = ToolRegistry()
        try tools.register(ToolDefinition(name: "noop"), handler: ClosureToolHandler { _, _ in .bool(true) })
        try tools.register(ToolDefinition(name: "search"), handler: ClosureToolHandler { _, _ in .bool(true) })
        let authorizer = try Authorizer(
            configuration: AuthorizationConfiguration(
                roles: [Role("developer", permissions: [Permission(resource: "tools/*", action: "execute")])],
                users: [User("dev-1", roles: ["developer"])]
            ),
            options: AuthorizerOptions(cacheEnabled: false)
        )
        let runtime = AgentRuntime(
            tools: tools,
            personas: PersonaManager(),
            authorizer: authorizer,
            executor: try ParallelExecutor(configuration: ExecutorConfiguration(maxWorkers: 2)),
            audit: audit
        )
        let session = try await runtime.openSession(user: "dev-1", persona: "code_reviewer")
        return (runtime, session)
    }

    static let authorize = Benchmark(
        id: "runtime.authorize_ns",
        category: .runtime,
        name: "Gate Decision",
        metric: "Median authorize",
        unit: .nanoseconds,
        target: 400,
        direction: .lower
    ) { context in
        let (runtime, session) = try await runtime(audit: DiscardingSink())
        let call = ToolCall(id: "call-1", tool: "search")
        let ns = try Measure.nanosecondsPerOperation(samples: context.iterations(31, minimum: 5), batch: batch) {
            count in
            var allowed = 0
            for _ in 0..<count where runtime.authorize(call, in: session).allowed { allowed &+= 1 }
            if allowed != count { throw BenchmarkError("a permitted call was not allowed") }
        }
        // The same user's uncached check of the same resource, in this process: the gate's own cost
        // is judged against the authorizer's.
        let check = Measure.nanosecondsPerOperation(samples: context.iterations(31, minimum: 5), batch: batch) {
            count in
            var allowed = 0
            for _ in 0..<count
            where runtime.authorizer.check(user: "dev-1", resource: "tools/search", action: "execute").allowed {
                allowed &+= 1
            }
            blackHole(allowed)
        }
        return BenchmarkMeasurement(
            value: ns,
            details: "a permitted call (no arguments, no budget limit) in an open session: name, registry, "
                + "schema, persona, budget and policy steps, an audit record built (SHA-256 of the arguments) "
                + "and handed to a sink that keeps nothing; the authorizer's own uncached check measures "
                + "\(Int(check.rounded())) ns here, target min(400 ns, 4 × that)",
            target: min(400, 4 * check)
        )
    }

    static let callOverhead = Benchmark(
        id: "runtime.call_overhead_ns",
        category: .runtime,
        name: "Call Overhead",
        metric: "Median call",
        unit: .nanoseconds,
        target: 3_000,
        direction: .lower
    ) { context in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "victor-bench-audit-\(UUID().uuidString).jsonl"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try JSONLinesAuditSink(path: path)
        let (runtime, session) = try await runtime(audit: sink)
        let call = ToolCall(id: "call-1", tool: "noop")
        let count = 2_000
        let ns = try await Measure.nanosecondsPerOperation(samples: context.iterations(21, minimum: 3), batch: count) {
            count in
            for _ in 0..<count where await runtime.call(call, in: session).outcome != .succeeded {
                throw BenchmarkError("the no-op tool did not succeed")
            }
        }
        try await sink.close()
        return BenchmarkMeasurement(
            value: ns,
            details: "one call at a time: the gate's decision, the no-op tool run through the executor, and "
                + "the audit record taken by the durable JSON Lines sink (written and synced in batches by its "
                + "own thread)"
        )
    }

    static let jsonRead = Benchmark(
        id: "runtime.json_read_ns",
        category: .runtime,
        name: "Strict JSON Read",
        metric: "Median JSONValue.parse, per value",
        unit: .nanoseconds,
        target: nil,
        direction: .lower
    ) { context in
        // The service's batch body: 1,000 two-member objects in a list, 3,003 values in all.
        let bytes = Array(ServeBenchmarks.batchBody.utf8)
        let values = 3 + 3 * ServeBenchmarks.batchPairs
        let perBody = try Measure.nanosecondsPerOperation(samples: context.iterations(21, minimum: 3), batch: 20) {
            count in
            for _ in 0..<count {
                guard case .object(let members) = try JSONValue.parse(bytes: bytes, source: "request body"),
                    case .array(let requests) = members["requests"], requests.count == ServeBenchmarks.batchPairs
                else {
                    throw BenchmarkError("the batch body did not read back as \(ServeBenchmarks.batchPairs) requests")
                }
            }
        }
        return BenchmarkMeasurement(
            value: perBody / Double(values),
            details: "the \(formatNumber(Double(bytes.count))) bytes of the service's check-batch body "
                + "(\(ServeBenchmarks.batchPairs) pairs, \(values) values) read under the document reader's rules: "
                + "\(formatNumber(perBody / 1_000)) µs per body, median of samples"
        )
    }

    static let auditThroughput = Benchmark(
        id: "runtime.audit_records_per_s",
        category: .runtime,
        name: "Audit File Throughput",
        metric: "Records per second, synced",
        unit: .perSecond,
        target: 200_000,
        direction: .higher
    ) { context in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "victor-bench-audit-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let count = context.quick ? 50_000 : 200_000
        var rates: [Double] = []
        for round in 0..<context.iterations(5, minimum: 2) {
            let sink = try JSONLinesAuditSink(path: "\(directory)/audit-\(round).jsonl")
            let record = AuditRecord(
                event: .call,
                time: Date(),
                session: "7f1c2a9e-0b5d-4c1e-9a57-3d2f1e0c9b8a",
                user: "dev-1",
                persona: "code_reviewer",
                personaVersion: 1,
                callID: "call-1",
                tool: "search",
                argumentsDigest: AgentRuntime.digest(["query": "flaky test"]),
                verdict: .allowed,
                step: .policy,
                reason: "allowed: role 'developer' grants execute on tools/*",
                policy: nil,
                outcome: .succeeded,
                durationNanoseconds: 1_500
            )
            let start = Measure.now()
            for _ in 0..<count { sink.record(record) }
            try await sink.close()
            let seconds = Double(Measure.now() - start) / 1e9
            rates.append(Double(count) / seconds)
        }
        return BenchmarkMeasurement(
            value: Measure.median(rates),
            details: "\(count) records of about 330 bytes taken one at a time, then close(): every record "
                + "encoded, written and synced (fsync per batch of 512) before the clock stops; median of "
                + "\(rates.count) rounds"
        )
    }
}
