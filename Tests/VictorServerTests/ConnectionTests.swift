import Foundation
import Testing
import VictorServer
import VictorTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Connections that go quiet: the server closes them after `server.connection_idle_timeout_ms`,
/// between requests and in the middle of one, so idle clients cannot hold its descriptors.
@Suite struct ConnectionTests {
    let directories = TemporaryDirectories()
    static let quick = "\n  connection_idle_timeout_ms: 1000"

    /// What the server sends until it closes the connection; `closed` is false when the socket's
    /// 20-second read timeout ran out first, far beyond the configured idle timeout. Reads on a
    /// thread of its own: the server answering runs in this process.
    func readUntilClosed(_ descriptor: Int32) async -> (text: String, closed: Bool) {
        await onThread { Self.readBlocking(descriptor) }
    }

    static func readBlocking(_ descriptor: Int32) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return (String(decoding: output, as: UTF8.self), true) }
            if count < 0 { return (String(decoding: output, as: UTF8.self), false) }
            output += buffer[0..<count]
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterItsResponse() async throws {
        try await withSampleServer(directories, extraServer: Self.quick) { server, client, _ in
            #expect(server.configuration.connectionIdleTimeout == .seconds(1))
            let descriptor = try connectSocket(port: client.port)
            defer { close(descriptor) }
            send(descriptor, "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let (text, closed) = await readUntilClosed(descriptor)
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            #expect(closed, "the server kept an idle keep-alive connection open")
        }
    }

    @Test func aRequestThatStopsHalfwayIsClosedWithoutAnAnswer() async throws {
        try await withSampleServer(directories, extraServer: Self.quick) { _, client, _ in
            let descriptor = try connectSocket(port: client.port)
            defer { close(descriptor) }
            send(descriptor, "POST /v1/authz/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60\r\n\r\n{\"user\"")
            let (text, closed) = await readUntilClosed(descriptor)
            #expect(closed, "the server kept a connection open that stopped sending in the middle of a request")
            #expect(!text.contains("200 OK"), "\(text)")
        }
    }

    @Test(arguments: ["0", "3600001", "'soon'"])
    func theIdleTimeoutIsBounded(value: String) throws {
        #expect(throws: ServerError.self) {
            try ServerConfiguration.parse("server:\n  connection_idle_timeout_ms: \(value)\n")
        }
        #expect(ServerConfiguration().connectionIdleTimeout == .seconds(60))
    }
}
