import Foundation
import NIOHTTP1
import VictorRuntime
import VictorScratchPostgres

/// `victor serve` instances sharing one PostgreSQL database (a throwaway cluster made with
/// `initdb`, without fsync): how fast a change made through one instance is served by another,
/// how many persona writes the database takes, and that decisions do not slow down with a store
/// (they never touch it). Without PostgreSQL's server binaries these are skipped, with the reason.
enum StoreBenchmarks {
    static var all: [Benchmark] { [propagationP50, propagationP99, personaWrites, checksWithStore] }

    static let writers = 8

    /// Why the benchmarks cannot run here, or `nil`.
    static var skipped: String? {
        ScratchPostgresCluster.unavailableReason.map { "skipped: no PostgreSQL cluster can be made here: \($0)" }
    }

    /// A fresh database on the process's throwaway cluster, as `victor serve --store` arguments.
    static func storeArguments() throws -> [String] {
        let cluster = try ScratchPostgresCluster.shared()
        return ["--store", cluster.url(database: try cluster.makeDatabase())]
    }

    /// Waits until the instance on `port` is ready (current with the database).
    static func waitUntilReady(_ connection: LoopbackHTTP) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(20) {
            if try await connection.send(.GET, "/health/ready").status == 200 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchmarkError("a victor serve instance on the store never became ready")
    }

    /// The built-in `code_reviewer` persona's document under `id` and `name`.
    static func personaDocument(_ connection: LoopbackHTTP, id: String, name: String) async throws -> String {
        let reply = try await connection.send(.GET, "/v1/personas/code_reviewer")
        guard reply.status == 200, case .object(var members) = try JSONValue.parse(reply.body) else {
            throw BenchmarkError("cannot read the code_reviewer persona: HTTP \(reply.status)")
        }
        members["id"] = .string(id)
        members["name"] = .string(name)
        return JSONValue.object(members).canonicalJSON
    }

    /// Propagation delays in milliseconds: a persona updated through one instance, then the
    /// other instance polled over one keep-alive connection until it serves the new version.
    static func propagation(_ context: BenchmarkContext) async throws -> [Double] {
        let store = try storeArguments()
        let rounds = context.quick ? 20 : 200
        let ((delays, _), _) = try await ServedVictor.withServer(arguments: store) { writerPort, token in
            try await ServedVictor.withServer(arguments: store) { readerPort, _ in
                try await LoopbackHTTP.withConnection(port: writerPort, token: token) { writer in
                    try await LoopbackHTTP.withConnection(port: readerPort, token: token) { reader in
                        try await waitUntilReady(writer)
                        try await waitUntilReady(reader)
                        let created = try await writer.send(
                            .PUT,
                            "/v1/personas/propagation",
                            body: try await personaDocument(writer, id: "propagation", name: "Propagation 0")
                        )
                        guard created.status == 201 else {
                            throw BenchmarkError(
                                "creating the persona answered HTTP \(created.status): \(created.body)"
                            )
                        }
                        var delays: [Double] = []
                        for round in 0...rounds {
                            let body = try await personaDocument(
                                writer,
                                id: "propagation",
                                name: "Propagation \(round)"
                            )
                            let version = round + 1
                            if round > 0 {
                                let updated = try await writer.send(
                                    .PUT,
                                    "/v1/personas/propagation",
                                    body: body,
                                    headers: [("If-Match", "\"\(round)\"")]
                                )
                                guard updated.status == 200 else {
                                    throw BenchmarkError("an update answered HTTP \(updated.status): \(updated.body)")
                                }
                            }
                            // From the writer's acknowledgement to the other instance serving it.
                            let acknowledged = Measure.now()
                            while true {
                                let served = try await reader.send(.GET, "/v1/personas/propagation")
                                if served.headers.first(name: "ETag") == "\"\(version)\"" { break }
                                guard Measure.now() - acknowledged < 5_000_000_000 else {
                                    throw BenchmarkError(
                                        "version \(version) was not served by the other instance in 5 s"
                                    )
                                }
                            }
                            // Round 0 measures creation, which a cold cache serves at once.
                            if round > 0 { delays.append(Double(Measure.now() - acknowledged) / 1_000_000) }
                        }
                        return delays
                    }
                }
            }
        }
        return delays
    }

    static func describe(_ delays: [Double]) -> String {
        "\(delays.count) persona updates through one instance, each polled on a second instance over a "
            + "keep-alive connection until served: p50 \(formatNumber(Measure.percentile(delays, 50))) ms, "
            + "p99 \(formatNumber(Measure.percentile(delays, 99))) ms, max \(formatNumber(delays.max() ?? 0)) ms "
            + "(LISTEN/NOTIFY, a throwaway cluster without fsync on this machine)"
    }

    static let propagationP50 = propagationBenchmark(percentile: 50, id: "store.propagation_p50_ms", name: "p50")
    static let propagationP99 = propagationBenchmark(percentile: 99, id: "store.propagation_p99_ms", name: "p99")

    /// The propagation delay's `percentile`-th percentile, against the 100 ms the instances
    /// promise.
    static func propagationBenchmark(percentile: Double, id: String, name: String) -> Benchmark {
        Benchmark(
            id: id,
            category: .service,
            name: "Change Propagation \(name)",
            metric: "\(name == "p50" ? "Median" : name) delay until another instance serves a committed persona change",
            unit: .milliseconds,
            target: nil,
            direction: .lower
        ) { context in
            if let skipped { return BenchmarkMeasurement(value: 0, details: skipped) }
            let delays = try await propagation(context)
            return BenchmarkMeasurement(
                value: Measure.percentile(delays, percentile),
                details: describe(delays),
                target: 100
            )
        }
    }

    static let personaWrites = Benchmark(
        id: "store.persona_writes_per_s",
        category: .service,
        name: "Persona Writes on the Store",
        metric: "New personas per second through one instance",
        unit: .perSecond,
        target: nil,
        direction: .higher
    ) { context in
        if let skipped { return BenchmarkMeasurement(value: 0, details: skipped) }
        let store = try storeArguments()
        let window: Duration = context.quick ? .seconds(1) : .seconds(5)
        let (counts, _) = try await ServedVictor.withServer(arguments: store) { port, token in
            let template = try await LoopbackHTTP.withConnection(port: port, token: token) { connection in
                try await waitUntilReady(connection)
                return try await personaDocument(connection, id: "template", name: "Template")
            }
            let end = ContinuousClock.now + window
            return try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        try await LoopbackHTTP.withConnection(port: port, token: token) { connection in
                            var written = 0
                            while ContinuousClock.now < end {
                                let id = "w\(writer)-\(written)"
                                let body = template.replacingOccurrences(of: "\"template\"", with: "\"\(id)\"")
                                let reply = try await connection.send(.PUT, "/v1/personas/\(id)", body: body)
                                guard reply.status == 201 else {
                                    throw BenchmarkError("a persona write answered HTTP \(reply.status): \(reply.body)")
                                }
                                written += 1
                            }
                            return written
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        let seconds = Double(window.components.seconds)
        let total = counts.reduce(0, +)
        return BenchmarkMeasurement(
            value: Double(total) / seconds,
            details: "\(writers) keep-alive connections creating personas through one instance for "
                + "\(formatNumber(seconds)) s: \(total) writes, each a transaction (current row, history row, "
                + "NOTIFY) acknowledged only once committed"
        )
    }

    static let checksWithStore = Benchmark(
        id: "store.checks_per_s",
        category: .service,
        name: "Checks over HTTP with a Store",
        metric: "POST /v1/authz/check per second on an instance using PostgreSQL",
        unit: .perSecond,
        target: nil,
        direction: .higher
    ) { context in
        if let skipped { return BenchmarkMeasurement(value: 0, details: skipped) }
        let store = try storeArguments()
        let (outcome, memory) = try await ServedVictor.withServer(arguments: store) { port, token in
            try await LoopbackHTTP.withConnection(port: port, token: token) { try await waitUntilReady($0) }
            let (warmUp, measured) = ServeBenchmarks.window(context)
            let load = LoopbackLoad(
                port: port,
                path: "/v1/authz/check",
                body: ServeBenchmarks.checkBody,
                token: token,
                connections: ServeBenchmarks.connections,
                warmUp: warmUp,
                measured: measured
            )
            let outcome = try await load.run()
            guard outcome.firstBody.contains(#""allowed":true"#) else {
                throw BenchmarkError("the permitted check was not allowed: \(outcome.firstBody.prefix(300))")
            }
            return outcome
        }
        return BenchmarkMeasurement(
            value: outcome.perSecond,
            details: ServeBenchmarks.describe(outcome, memory, what: "checks")
                + "; decisions read the configuration in memory, so this matches serve.checks_per_s within noise"
        )
    }
}
