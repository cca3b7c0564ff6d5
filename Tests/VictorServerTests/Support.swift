import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing
import VictorRuntime
import VictorServer
import VictorTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Documents the server tests share.
enum Samples {
    static let authorization = """
        roles:
          agent:
            permissions:
              - {resource: "tools/*", action: execute}
              - {resource: code, action: read}
        users:
          alice: {roles: [agent]}
          bob: {roles: []}
        policies:
          - {name: no-secrets, effect: deny, resource: tools/read_file, action: execute, conditions: {context.args.path: {contains: secret}}}
          - {name: confirm-deploys, effect: approve, resource: tools/deploy, action: execute}
        """

    static let victor = """
        authorization: authz.yaml
        personas:
          store: personas
        audit:
          file: audit.jsonl
          flush_interval_ms: 5
        tools:
          - name: read_file
            input_schema: {type: object, properties: {path: {type: string}}, required: [path], additionalProperties: false}
            policy_arguments: [path]
          - name: deploy
          - name: shell
        server:
          host: 127.0.0.1
          port: 0
          access_log: false
        """

    /// The tokens the tests present, and their file.
    static let decideToken = "decide-token-0123456789"
    static let adminToken = "admin-token-0123456789"
    static let bothToken = "both-token-0123456789"
    static var tokens: String {
        """
        tokens:
          - {name: decider, sha256: \(AccessTokens.digest(of: decideToken)), scopes: [decide]}
          - {name: administrator, sha256: \(AccessTokens.digest(of: adminToken)), scopes: [admin]}
          - {name: operator, sha256: \(AccessTokens.digest(of: bothToken)), scopes: [decide, admin]}
        """
    }
}

/// A directory holding `victor.yaml`, `authz.yaml` and (optionally) `tokens.yaml`.
func makeSetup(_ directories: TemporaryDirectories, tokens: Bool = false, extraServer: String = "") throws -> String {
    let root = directories.make("serve")
    try Samples.authorization.write(toFile: root + "/authz.yaml", atomically: true, encoding: .utf8)
    var victor = Samples.victor + extraServer
    if tokens {
        try Samples.tokens.write(toFile: root + "/tokens.yaml", atomically: true, encoding: .utf8)
        victor += "\n  tokens: tokens.yaml"
    }
    try victor.write(toFile: root + "/victor.yaml", atomically: true, encoding: .utf8)
    return root
}

/// A reply as the tests read it.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    /// The body as JSON (`null` when it is not JSON).
    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
    /// The error code of an error body.
    var errorCode: String? {
        if case .string(let code)? = json["error"]?["code"] { return code }
        return nil
    }
    subscript(key: String) -> JSONValue? { json[key] }
}

/// A client for one running server: a connection per request.
struct Client: Sendable {
    let port: Int
    var token: String?
    /// The `Host` the requests name; `nil` sends none.
    var authority: String?

    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ body: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        if body != nil { fields[.contentType] = "application/json" }
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let request = TestClient.Request(
            path,
            method: method,
            authority: authority,
            headers: fields,
            body: body.map { ByteBuffer(string: $0) }
        )
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.execute(request)
        }
        return Reply(
            status: response.status.code,
            headers: response.headers,
            text: response.body.map { String(buffer: $0) } ?? ""
        )
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send(.get, path, headers: headers)
    }

    func post(_ path: String, _ body: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send(.post, path, body, headers: headers)
    }

    func put(_ path: String, _ body: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send(.put, path, body, headers: headers)
    }

    func with(token: String?) -> Client { Client(port: port, token: token, authority: authority) }

    func with(authority: String?) -> Client { Client(port: port, token: token, authority: authority) }
}

struct ServerDidNotStart: Error {}

/// Runs `body` against a real server on an ephemeral loopback port, then shuts it down
/// gracefully (which closes its audit file).
func withServer<T: Sendable>(
    _ configuration: ServerConfiguration,
    sessionClock: (@Sendable () -> Duration)? = nil,
    _ body: @Sendable (VictorServer, Client) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.listener = ServerConfiguration.Listener(host: "127.0.0.1", port: 0)
    configuration.accessLog = false
    let (addresses, continuation) = AsyncStream.makeStream(of: ServerAddress.self)
    let server = try await VictorServer.make(
        configuration,
        accessLog: nil,
        sessionClock: sessionClock,
        onListening: { address in continuation.yield(address) }
    )
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test"))
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = addresses.makeAsyncIterator()
        guard let address = await iterator.next() else { throw ServerDidNotStart() }
        do {
            let result = try await body(server, Client(port: address.port))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Runs `body` against a server configured by the sample `victor.yaml` in a new directory.
func withSampleServer<T: Sendable>(
    _ directories: TemporaryDirectories,
    tokens: Bool = false,
    extraServer: String = "",
    sessionClock: (@Sendable () -> Duration)? = nil,
    _ body: @Sendable (VictorServer, Client, String) async throws -> T
) async throws -> T {
    let root = try makeSetup(directories, tokens: tokens, extraServer: extraServer)
    let configuration = try ServerConfiguration.load(contentsOf: root + "/victor.yaml")
    return try await withServer(configuration, sessionClock: sessionClock) { server, client in
        try await body(server, client, root)
    }
}

/// Runs blocking work (a socket read) on a thread of its own, so it never holds one of the
/// few threads the server in the same process needs to answer.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A connected loopback TCP socket, for what an HTTP client would not send.
func connectSocket(port: Int) throws -> Int32 {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    try #require(result == 0, "connect failed")
    return descriptor
}

/// Writes all of `text` to the socket, or stops at the first failed write.
func send(_ descriptor: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

/// Everything the peer sends until it closes the connection (or a read fails or times out).
func readAll(_ descriptor: Int32) -> String {
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        output += buffer[0..<count]
    }
    return String(decoding: output, as: UTF8.self)
}
