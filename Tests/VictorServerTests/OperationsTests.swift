import Foundation
import HTTPTypes
import Synchronization
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

@Suite struct OperationsTests {
    let directories = TemporaryDirectories()

    @Test func healthAndReadiness() async throws {
        try await withSampleServer(directories) { _, client, _ in
            let live = try await client.get("/health/live")
            #expect(live.status == 200)
            #expect(live["status"] == .string("live"))
            let ready = try await client.get("/health/ready")
            #expect(ready.status == 200)
            #expect(ready["status"] == .string("ready"))
        }
    }

    @Test func metricsCountRequestsDecisionsAndGeneration() async throws {
        try await withSampleServer(directories) { _, client, _ in
            _ = try await client.post("/v1/authz/check", #"{"user": "alice", "resource": "code", "action": "read"}"#)
            _ = try await client.post("/v1/authz/check", "{bad")
            let reply = try await client.get("/metrics")
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = reply.text
            #expect(text.contains(#"victor_http_requests_total{route="/v1/authz/check",method="POST",status="200"} 1"#))
            #expect(text.contains(#"victor_http_requests_total{route="/v1/authz/check",method="POST",status="400"} 1"#))
            #expect(text.contains(#"victor_server_decisions_total{endpoint="check",allowed="true"} 1"#))
            #expect(text.contains("victor_http_request_duration_seconds_bucket"))
            #expect(text.contains("victor_authz_configuration_generation"))
        }
    }

    @Test func accessLogLinesAreJSONWithTheRequestID() async throws {
        let root = try makeSetup(directories)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        configuration.listener.port = 0
        let lines = Mutex<[String]>([])
        let (addresses, continuation) = AsyncStream.makeStream(of: ServerAddress.self)
        configuration.accessLog = true
        let server = try await VictorServer.make(
            configuration,
            accessLog: { line in lines.withLock { $0.append(line) } },
            onListening: { continuation.yield($0) }
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            var iterator = addresses.makeAsyncIterator()
            let address = try #require(await iterator.next())
            let reply = try await Client(port: address.port).send(
                .get,
                "/health/live",
                headers: ["X-Request-ID": "req-42"]
            )
            #expect(reply.headers[.init("X-Request-ID")!] == "req-42")
            tasks.cancelAll()
        }
        let logged = lines.withLock { $0 }
        let entry = try #require(logged.first.map { try JSONValue.parse($0) })
        #expect(entry["request_id"] == .string("req-42"))
        #expect(entry["status"] == .integer(200))
        #expect(entry["route"] == .string("/health/live"))
        // Read from the connection after the response was written.
        #expect(entry["remote"] == .string("127.0.0.1"))
    }

    @Test func requestsWithoutAUsableIDGetDistinctVersion4UUIDs() async throws {
        let root = try makeSetup(directories)
        var configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
        configuration.listener.port = 0
        let (addresses, continuation) = AsyncStream.makeStream(of: ServerAddress.self)
        let server = try await VictorServer.make(configuration, accessLog: nil, onListening: { continuation.yield($0) })
        var ids: [String] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            var iterator = addresses.makeAsyncIterator()
            let address = try #require(await iterator.next())
            let client = Client(port: address.port)
            // No id, an id with a space, an id of 129 characters: each replaced by a new one.
            for given in [nil, "two words", String(repeating: "x", count: 129)] {
                let reply = try await client.send(
                    .get,
                    "/health/live",
                    headers: given.map { ["X-Request-ID": $0] } ?? [:]
                )
                ids.append(try #require(reply.headers[.init("X-Request-ID")!]))
            }
            tasks.cancelAll()
        }
        let shape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        for id in ids { #expect(id.wholeMatch(of: shape) != nil, "\(id)") }
        #expect(Set(ids).count == ids.count)
    }
}
