import NIOCore
import NIOHTTP1
import NIOPosix

/// A closed-loop HTTP/1.1 load on `127.0.0.1`: ``connections`` keep-alive connections spread
/// over an event-loop group, each posting the same JSON body again as soon as the previous
/// response arrived, until the measured window ends.
///
/// Responses completing during the warm-up are not counted; every response in the measured
/// window contributes its round trip. Any status but 200, a closed connection, or ten seconds
/// without a response fails the run.
struct LoopbackLoad: Sendable {
    /// The client's event-loop threads.
    static let threads = 2
    /// How long a connection may wait for a response before the run fails.
    static let responseTimeout: Int64 = 10_000_000_000

    var port: Int
    var path: String
    var body: String
    var token: String
    var connections: Int
    var warmUp: Duration
    var measured: Duration

    /// What a run measured.
    struct Outcome: Sendable {
        /// Round trips in the measured window, in nanoseconds.
        var latencies: [UInt64]
        /// The measured window, in seconds.
        var seconds: Double
        /// The body of one connection's first response.
        var firstBody: String

        /// Responses per second in the measured window.
        var perSecond: Double { Double(latencies.count) / seconds }

        /// The `p`-th percentile round trip, in milliseconds.
        func milliseconds(_ p: Double) -> Double {
            Measure.percentile(latencies.map { Double($0) / 1_000_000 }, p)
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    func run() async throws -> Outcome {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        let request = head
        let payload = ByteBuffer(string: body)
        let windowStart = Measure.now() + Self.nanoseconds(warmUp)
        let windowEnd = windowStart + Self.nanoseconds(measured)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: Self.threads)
        do {
            let tallies = try await withThrowingTaskGroup(of: ClosedLoopConnection.Tally.self) { tasks in
                for _ in 0..<connections {
                    let loop = group.next()
                    tasks.addTask { [port] in
                        let finished = loop.makePromise(of: ClosedLoopConnection.Tally.self)
                        do {
                            _ = try await ClientBootstrap(group: loop)
                                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                                .channelInitializer { channel in
                                    channel.eventLoop.makeCompletedFuture {
                                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                                        try channel.pipeline.syncOperations.addHandler(
                                            ClosedLoopConnection(
                                                head: request,
                                                body: payload,
                                                windowStart: windowStart,
                                                windowEnd: windowEnd,
                                                finished: finished
                                            )
                                        )
                                    }
                                }
                                .connect(host: "127.0.0.1", port: port).get()
                        } catch {
                            finished.fail(error)
                            throw error
                        }
                        return try await finished.futureResult.get()
                    }
                }
                return try await tasks.reduce(into: []) { $0.append($1) }
            }
            try await group.shutdownGracefully()
            return Outcome(
                latencies: tallies.flatMap(\.latencies),
                seconds: Double(Self.nanoseconds(measured)) / 1e9,
                firstBody: tallies.first?.firstBody ?? ""
            )
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

/// One connection of a ``LoopbackLoad``: sends the request, waits for the whole response,
/// records the round trip and sends it again, until the window ends.
final class ClosedLoopConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// What one connection measured.
    struct Tally: Sendable {
        var latencies: [UInt64] = []
        var firstBody = ""
    }

    let head: HTTPRequestHead
    let body: ByteBuffer
    let windowStart: UInt64
    let windowEnd: UInt64
    let finished: EventLoopPromise<Tally>
    var tally = Tally()
    var sentAt: UInt64 = 0
    var status = HTTPResponseStatus.ok
    var responseBody = ""
    var keepBody = true
    var done = false
    var timeout: Scheduled<Void>?

    init(
        head: HTTPRequestHead,
        body: ByteBuffer,
        windowStart: UInt64,
        windowEnd: UInt64,
        finished: EventLoopPromise<Tally>
    ) {
        self.head = head
        self.body = body
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.finished = finished
    }

    func channelActive(context: ChannelHandlerContext) {
        let wait = Int64(windowEnd - min(windowEnd, Measure.now())) + LoopbackLoad.responseTimeout
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(wait)) {
            self.finish(context, BenchmarkError("no response within 10 s of the window's end"))
        }
        send(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = response.status
            keepBody = keepBody || status != .ok
        case .body(let buffer):
            if keepBody { responseBody += String(buffer: buffer) }
        case .end:
            let now = Measure.now()
            guard status == .ok else {
                return finish(context, BenchmarkError("HTTP \(status.code): \(responseBody.prefix(300))"))
            }
            if keepBody {
                tally.firstBody = responseBody
                keepBody = false
            }
            if now >= windowEnd { return finish(context, nil) }
            if now >= windowStart { tally.latencies.append(now - sentAt) }
            send(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context, BenchmarkError("the server closed the connection"))
        context.fireChannelInactive()
    }

    func send(_ context: ChannelHandlerContext) {
        sentAt = Measure.now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func finish(_ context: ChannelHandlerContext, _ error: (any Error)?) {
        guard !done else { return }
        done = true
        timeout?.cancel()
        if let error { finished.fail(error) } else { finished.succeed(tally) }
        context.close(promise: nil)
    }
}
