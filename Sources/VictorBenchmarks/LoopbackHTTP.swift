import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to a server on 127.0.0.1, one request at a time: for
/// benchmarks that need each response before deciding the next request.
final class LoopbackHTTP {
    /// A response.
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let port: Int
    private let token: String

    private init(
        inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        port: Int,
        token: String
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.port = port
        self.token = token
    }

    /// Connects to `port`, runs `body` with the connection, and closes it.
    static func withConnection<Value>(
        port: Int,
        token: String,
        _ body: (LoopbackHTTP) async throws -> Value
    ) async throws -> Value {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(
                LoopbackHTTP(inbound: inbound.makeAsyncIterator(), outbound: outbound, port: port, token: token)
            )
        }
    }

    /// Sends one request and reads its whole response.
    /// - Throws: when the connection closes before the response ends.
    func send(
        _ method: HTTPMethod,
        _ path: String,
        body: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        }
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
        var reply = Reply(status: 0, headers: HTTPHeaders(), body: "")
        while let part = try await inbound.next() {
            switch part {
            case .head(let response):
                reply.status = Int(response.status.code)
                reply.headers = response.headers
            case .body(let buffer):
                reply.body += String(buffer: buffer)
            case .end:
                return reply
            }
        }
        throw BenchmarkError("the server closed the connection before answering \(method) \(path)")
    }
}
