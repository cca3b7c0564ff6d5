import NIOCore
import NIOPosix

/// A closed-loop HTTP/1.1 load on `127.0.0.1`: ``connections`` keep-alive connections spread
/// over an event-loop group, each posting the same JSON body again as soon as the previous
/// response arrived, until the measured window ends.
///
/// The client shares the machine's cores with the server, so it does as little as wrk does: the
/// request is encoded once and written as one buffer, and a response is cut out of the bytes by
/// its status line and `Content-Length` (``ResponseFraming``). Through SwiftNIO's HTTP codec the
/// client's own work left the server less of the machine: `serve.checks_per_s` read a sixth to a
/// quarter lower in runs alternating the two clients.
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
        let request = ByteBuffer(
            string: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
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
                                        try channel.pipeline.syncOperations.addHandler(
                                            ClosedLoopConnection(
                                                request: request,
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
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What one connection measured.
    struct Tally: Sendable {
        var latencies: [UInt64] = []
        var firstBody = ""
    }

    let request: ByteBuffer
    let windowStart: UInt64
    let windowEnd: UInt64
    let finished: EventLoopPromise<Tally>
    var tally = Tally()
    var sentAt: UInt64 = 0
    var framing = ResponseFraming()
    var first = true
    var done = false
    var timeout: Scheduled<Void>?

    init(request: ByteBuffer, windowStart: UInt64, windowEnd: UInt64, finished: EventLoopPromise<Tally>) {
        self.request = request
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
        let response: ResponseFraming.Response?
        do {
            response = try unwrapInboundIn(data).withUnsafeReadableBytes { try framing.take($0) }
        } catch {
            return finish(context, error)
        }
        guard let response else { return }
        let now = Measure.now()
        guard response.status == 200 else {
            let body = String(decoding: response.body.prefix(300), as: UTF8.self)
            return finish(context, BenchmarkError("HTTP \(response.status): \(body)"))
        }
        if first {
            tally.firstBody = String(decoding: response.body, as: UTF8.self)
            first = false
        }
        if now >= windowEnd { return finish(context, nil) }
        if now >= windowStart { tally.latencies.append(now - sentAt) }
        send(context)
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
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func finish(_ context: ChannelHandlerContext, _ error: (any Error)?) {
        guard !done else { return }
        done = true
        timeout?.cancel()
        if let error { finished.fail(error) } else { finished.succeed(tally) }
        context.close(promise: nil)
    }
}

/// Cuts HTTP/1.1 responses out of a connection's bytes, as the load client needs them: the
/// status code and a body of `Content-Length` bytes. A response framed any other way (chunked,
/// or without a length), or bytes that are not a status line, is an error: the server's routes
/// under load all answer with a length.
struct ResponseFraming {
    /// One response.
    struct Response: Equatable {
        var status: Int
        var body: [UInt8]
    }

    /// Bytes received and not yet part of a whole response.
    private(set) var pending: [UInt8] = []
    /// The first position not yet tried as the start of the head's blank line.
    private var searched = 0
    /// The head's length (up to the blank line) and the body's, once the head is complete.
    private var framed: (head: Int, body: Int, status: Int)?

    /// The longest head accepted.
    static let maximumHead = 16 * 1_024

    /// Takes `bytes` from the connection; returns the response they complete, if any. Bytes past
    /// it stay for the next one.
    mutating func take(_ bytes: UnsafeRawBufferPointer) throws -> Response? {
        pending.append(contentsOf: bytes)
        if framed == nil {
            guard let end = headEnd() else {
                guard pending.count <= Self.maximumHead else {
                    throw BenchmarkError("a response head longer than \(Self.maximumHead) bytes")
                }
                return nil
            }
            framed = try Self.frame(pending[..<end])
        }
        guard let (head, body, status) = framed, pending.count >= head + body else { return nil }
        let response = Response(status: status, body: Array(pending[head..<head + body]))
        pending.removeFirst(head + body)
        (searched, framed) = (0, nil)
        return response
    }

    /// The index just past the head's blank line (`\r\n\r\n`), or `nil` before it arrived.
    private mutating func headEnd() -> Int? {
        let blank: [UInt8] = [13, 10, 13, 10]
        var index = searched
        while index + 4 <= pending.count {
            if pending[index] == 13, pending[index..<index + 4].elementsEqual(blank) { return index + 4 }
            index += 1
        }
        searched = index
        return nil
    }

    /// The status code and body length of a head, read byte by byte: the client's cost per
    /// response counts against the server's share of the cores.
    static func frame(_ head: ArraySlice<UInt8>) throws -> (head: Int, body: Int, status: Int) {
        let bytes = Array(head)
        func text(_ range: Range<Int>) -> String {
            String(decoding: bytes[range.clamped(to: 0..<bytes.count)].prefix(80), as: UTF8.self).debugDescription
        }
        let digits = bytes.count >= 12 ? bytes[9..<12] : []
        guard bytes.starts(with: "HTTP/1.".utf8), bytes.count >= 12, bytes[8] == 0x20,
            digits.allSatisfy({ (0x30...0x39).contains($0) })
        else { throw BenchmarkError("not an HTTP/1 status line: \(text(0..<bytes.count))") }
        let status = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        var length: Int?
        // Each header line, from the one after the status line to the blank line that ends the head.
        var start = (bytes.firstIndex(of: 10) ?? bytes.count - 1) + 1
        while start < bytes.count - 2 {
            let end = bytes[start...].firstIndex(of: 13) ?? bytes.count
            guard let colon = bytes[start..<end].firstIndex(of: UInt8(ascii: ":")) else {
                throw BenchmarkError("a response header without a colon: \(text(start..<end))")
            }
            let value = bytes[(colon + 1)..<end].drop { $0 == 0x20 || $0 == 0x09 }
            if asciiLowercased(bytes[start..<colon], equals: "transfer-encoding") {
                throw BenchmarkError("a response with Transfer-Encoding: the load client reads lengths only")
            }
            if asciiLowercased(bytes[start..<colon], equals: "content-length") {
                guard length == nil, !value.isEmpty, value.count <= 18,
                    value.allSatisfy({ (0x30...0x39).contains($0) })
                else { throw BenchmarkError("a response with a bad or repeated Content-Length: \(text(start..<end))") }
                length = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
            start = end + 2
        }
        guard let length else { throw BenchmarkError("a response without Content-Length (HTTP \(status))") }
        return (bytes.count, length, status)
    }

    /// Whether `name` is `lowercase` in any case (ASCII letters only).
    static func asciiLowercased(_ name: ArraySlice<UInt8>, equals lowercase: String) -> Bool {
        name.count == lowercase.utf8.count
            && zip(name, lowercase.utf8).allSatisfy { byte, expected in
                (0x41...0x5A).contains(byte) ? byte | 0x20 == expected : byte == expected
            }
    }
}
