import Crypto
import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `victor serve` under load: the server runs as a child process on loopback and is driven by
/// keep-alive HTTP/1.1 connections (``LoopbackLoad``), each sending its next request as soon as
/// the previous response arrived.
enum ServeBenchmarks {
    static var all: [Benchmark] { [checksPerSecond, checkP50, checkP99, batchDecisions] }

    static let connections = 64
    static let batchConnections = 8
    static let batchPairs = 1_000

    /// The check every single-check connection sends: a permitted read.
    static let checkBody = #"{"user": "bench", "resource": "docs/readme", "action": "read"}"#

    /// One user, `batchPairs` pairs: reads are permitted, every fourth pair is a denied write.
    static var batchBody: String {
        let pairs = (0..<batchPairs).map { index in
            #"{"resource": "docs/d\#(index)", "action": "\#(index % 4 == 3 ? "write" : "read")"}"#
        }
        return #"{"user": "bench", "requests": ["# + pairs.joined(separator: ", ") + "]}"
    }

    /// Warm-up and measured window of one load run.
    static func window(_ context: BenchmarkContext) -> (warmUp: Duration, measured: Duration) {
        context.quick ? (.milliseconds(500), .seconds(1)) : (.seconds(1), .seconds(5))
    }

    /// Runs 64 connections of single checks against a fresh server.
    static func checkLoad(_ context: BenchmarkContext) async throws -> (LoopbackLoad.Outcome, ServedVictor.Memory) {
        try await ServedVictor.withServer { port, token in
            let (warmUp, measured) = window(context)
            let load = LoopbackLoad(
                port: port,
                path: "/v1/authz/check",
                body: checkBody,
                token: token,
                connections: connections,
                warmUp: warmUp,
                measured: measured
            )
            let outcome = try await load.run()
            guard outcome.firstBody.contains(#""allowed":true"#) else {
                throw BenchmarkError("the permitted check was not allowed: \(outcome.firstBody.prefix(300))")
            }
            return outcome
        }
    }

    static func describe(_ outcome: LoopbackLoad.Outcome, _ memory: ServedVictor.Memory, what: String) -> String {
        "\(connections) keep-alive connections on loopback over \(LoopbackLoad.threads) client threads, "
            + "closed loop, \(formatNumber(outcome.seconds)) s measured after a warm-up: "
            + "\(outcome.latencies.count) \(what), \(formatNumber(outcome.perSecond)) /s, "
            + "p50 \(formatNumber(outcome.milliseconds(50))) ms, p99 \(formatNumber(outcome.milliseconds(99))) ms; "
            + memory.description
    }

    static let checksPerSecond = Benchmark(
        id: "serve.checks_per_s",
        category: .service,
        name: "Checks over HTTP",
        metric: "POST /v1/authz/check per second",
        unit: .perSecond,
        target: 25_000,
        direction: .higher
    ) { context in
        let (outcome, memory) = try await checkLoad(context)
        return BenchmarkMeasurement(
            value: outcome.perSecond,
            details: describe(outcome, memory, what: "checks")
        )
    }

    static let checkP50 = Benchmark(
        id: "serve.check_p50_ms",
        category: .service,
        name: "Check Latency p50",
        metric: "Median check round trip",
        unit: .milliseconds,
        target: nil,
        direction: .lower
    ) { context in
        let (outcome, memory) = try await checkLoad(context)
        return BenchmarkMeasurement(
            value: outcome.milliseconds(50),
            details: describe(outcome, memory, what: "checks")
        )
    }

    static let checkP99 = Benchmark(
        id: "serve.check_p99_ms",
        category: .service,
        name: "Check Latency p99",
        metric: "p99 check round trip",
        unit: .milliseconds,
        target: 5,
        direction: .lower
    ) { context in
        let (outcome, memory) = try await checkLoad(context)
        return BenchmarkMeasurement(
            value: outcome.milliseconds(99),
            details: describe(outcome, memory, what: "checks")
        )
    }

    static let batchDecisions = Benchmark(
        id: "serve.batch_decisions_per_s",
        category: .service,
        name: "Batch Decisions over HTTP",
        metric: "Decisions per second through /v1/authz/check-batch",
        unit: .perSecond,
        target: 1_000_000,
        direction: .higher
    ) { context in
        let (outcome, memory) = try await ServedVictor.withServer { port, token in
            let (warmUp, measured) = window(context)
            let load = LoopbackLoad(
                port: port,
                path: "/v1/authz/check-batch",
                body: batchBody,
                token: token,
                connections: batchConnections,
                warmUp: warmUp,
                measured: measured
            )
            let outcome = try await load.run()
            let decided = outcome.firstBody.components(separatedBy: #""allowed":"#).count - 1
            guard decided == batchPairs else {
                throw BenchmarkError("a batch of \(batchPairs) pairs was answered with \(decided) decisions")
            }
            return outcome
        }
        let decisions = outcome.perSecond * Double(batchPairs)
        return BenchmarkMeasurement(
            value: decisions,
            details: "\(outcome.latencies.count) batches of \(batchPairs) pairs (one user, a quarter denied) "
                + "on \(batchConnections) keep-alive connections, closed loop, \(formatNumber(outcome.seconds)) s "
                + "measured: \(formatNumber(outcome.perSecond)) batches/s, p50 "
                + "\(formatNumber(outcome.milliseconds(50))) ms, p99 \(formatNumber(outcome.milliseconds(99))) ms "
                + "per batch; \(memory.description)"
        )
    }
}

/// `victor serve` started from this executable on an ephemeral loopback port, with a bearer token
/// and an authorization configuration under which the benchmark's user may read `docs/*`.
enum ServedVictor {
    /// The server's resident memory before and after the load, when the system reports it.
    struct Memory: Sendable, CustomStringConvertible {
        var before: Int?
        var after: Int?

        var description: String {
            guard let before, let after else { return "server RSS not available" }
            return "server RSS \(formatNumber(Double(before) / 1_048_576)) MiB before, "
                + "\(formatNumber(Double(after) / 1_048_576)) MiB after"
        }
    }

    static let token = "bench-token-0123456789abcdef"

    static let authorization = """
        roles:
          reader:
            permissions:
              - {resource: "docs/*", action: read}
        users:
          bench: {roles: [reader]}
        """

    static var tokens: String {
        let digest = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        return "tokens:\n  - {name: bench, sha256: \(digest), scopes: [decide, admin]}\n"
    }

    static let configuration = """
        authorization: authz.yaml
        personas:
          store: personas
        server:
          host: 127.0.0.1
          port: 0
          access_log: false
          tokens: tokens.yaml
        """

    /// Starts the server, runs `body` with its port and token, and stops the server: SIGTERM,
    /// then SIGKILL if it has not exited within five seconds, whether `body` succeeded or not.
    /// - Parameters:
    ///   - arguments: more arguments for `victor serve`, such as `--store URL`.
    ///   - body: the work, given the port and the token.
    static func withServer<Value: Sendable>(
        arguments: [String] = [],
        _ body: (_ port: Int, _ token: String) async throws -> Value
    ) async throws -> (Value, Memory) {
        guard let executable = BenchmarkProcessIsolation.currentExecutable(named: "victor") else {
            throw BenchmarkError("the serve benchmarks start `victor serve` and run only in the victor executable")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "victor-serve-bench-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in [("authz.yaml", authorization), ("tokens.yaml", tokens), ("victor.yaml", configuration)] {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        let errorLog = directory + "/stderr.log"
        let errorFile = try FileDescriptor.open(
            FilePath(errorLog),
            .writeOnly,
            options: [.create, .truncate],
            permissions: [.ownerReadWrite]
        )
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        let outcome = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(["serve", "--config", directory + "/victor.yaml", "--port", "0"] + arguments),
            workingDirectory: FilePath(directory),
            platformOptions: options,
            input: .none,
            output: .sequence,
            error: .fileDescriptor(errorFile, closeAfterSpawningProcess: true)
        ) { execution in
            // The body's errors stop the server through the teardown sequence above.
            var port: Int?
            for try await line in execution.standardOutput.strings() {
                if let range = line.range(of: "listening on http://127.0.0.1:") {
                    port = Int(line[range.upperBound...].prefix { $0.isNumber })
                    break
                }
            }
            guard let port else {
                let lastLines = ((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "")
                    .split(separator: "\n").suffix(3).joined(separator: " | ")
                throw BenchmarkError("victor serve did not start listening: \(lastLines)")
            }
            let pid = Int(execution.processIdentifier.value)
            var memory = Memory(before: residentBytes(pid))
            let result = try await body(port, token)
            memory.after = residentBytes(pid)
            await execution.teardown(using: options.teardownSequence)
            return (result, memory)
        }
        return outcome.closureResult
    }

    /// The resident set of process `pid` in bytes, from `/proc` (Linux only).
    static func residentBytes(_ pid: Int) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1_024
    }
}
