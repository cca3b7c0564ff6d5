public import Foundation
public import Logging
public import MCP
import NIOCore
import NIOExtras
import NIOPosix
import VictorFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP over a pair of file descriptors, one JSON-RPC message per line, as MCP's stdio transport
/// frames them: the gateway's side toward its client on standard input and output, and toward
/// each upstream's pipes.
///
/// The input is read on SwiftNIO's shared event loop (`MultiThreadedEventLoopGroup.singleton`),
/// which hands each line on as it arrives: no thread waits per descriptor, and a process that
/// runs Swift Concurrency on that loop (as `victor mcp` does) reads and answers a message on one
/// thread. Input the loop cannot watch (a regular file, `/dev/null`) is read by a thread of its
/// own that blocks in `read(2)`. The MCP SDK's `StdioTransport` polls a non-blocking descriptor
/// and sleeps 10 ms whenever it is empty, which puts up to 10 ms on every message the gateway
/// waits for.
///
/// A write never blocks a thread of Swift's cooperative pool: a message of at most one page
/// (`PIPE_BUF`, which a pipe takes whole once `poll(2)` reports it writable) is written at once;
/// any other, or any while an earlier one is still waiting, goes to a serial dispatch queue of
/// the transport's own, in order, and `send` suspends until it is written. A reader that stops
/// reading therefore holds up only its own transport, never the gateway's other work. The
/// descriptors stay their owner's to close: the transport reads a duplicate of the input
/// descriptor, closed when the input ends or on ``disconnect()``, so closing the original never
/// leaves it reading a reused descriptor number.
public actor PipeTransport: Transport {
    /// Where the transport logs.
    public nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var connected = false
    /// The event loop's channel reading the input; `nil` before ``connect()`` and when a thread
    /// reads it instead.
    private var channel: (any Channel)?
    private var disconnected = false
    /// Messages handed to ``writer`` and not yet written: while any is, later ones queue behind.
    private var queuedWrites = 0
    /// Where writes that may block wait, one at a time, in order.
    private let writer = DispatchQueue(label: "victor-mcp-pipe-writer")

    private let maxMessageBytes: Int

    /// The longest message read by default: 16 MiB, the document reader's bound.
    public static let defaultMaxMessageBytes = 16 << 20

    /// Creates a transport that reads messages from `input` and writes them to `output`.
    /// - Parameters:
    ///   - input: the descriptor messages arrive on; standard input (0) by default.
    ///   - output: the descriptor messages are written to; standard output (1) by default.
    ///   - maxMessageBytes: the longest line accepted; a longer one ends the stream with an
    ///     error instead of growing without bound.
    ///   - logger: where the transport logs.
    public init(
        input: Int32 = 0,
        output: Int32 = 1,
        maxMessageBytes: Int = PipeTransport.defaultMaxMessageBytes,
        logger: Logger
    ) {
        self.input = input
        self.output = output
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    /// Starts reading the input; reading ends at the end of input or on a read error.
    /// - Throws: `MCPError.transportError` when the input descriptor cannot be duplicated.
    public func connect() async throws {
        guard !connected else { return }
        let descriptor = dup(input)
        guard descriptor >= 0 else {
            throw MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EBADF))
        }
        connected = true
        let continuation = self.continuation
        let limit = maxMessageBytes
        if let channel = await Self.readOnEventLoop(descriptor, limit: limit, into: continuation) {
            // Disconnected while the channel was being set up: nobody reads its lines.
            if disconnected {
                try? await channel.close()
            } else {
                self.channel = channel
            }
            return
        }
        // The thread blocks in `read(2)`; a failed bootstrap may have left the (shared) file
        // description non-blocking.
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0, flags & O_NONBLOCK != 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        let thread = Thread {
            Self.readLines(descriptor, limit: limit, into: continuation)
            close(descriptor)
        }
        thread.name = "victor-mcp-pipe-reader"
        thread.start()
    }

    /// A channel on the shared event loop that reads `descriptor` and yields its lines; `nil`,
    /// with `descriptor` still open, when the loop cannot watch it.
    private static func readOnEventLoop(
        _ descriptor: Int32,
        limit: Int,
        into continuation: AsyncThrowingStream<Data, any Error>.Continuation
    ) async -> (any Channel)? {
        // Only pipes and sockets: SwiftNIO refuses regular files, and traps on a device that
        // cannot be polled (`/dev/null`).
        var status = stat()
        guard fstat(descriptor, &status) == 0,
            status.st_mode & S_IFMT == S_IFIFO || status.st_mode & S_IFMT == S_IFSOCK
        else { return nil }
        // The bootstrap takes the descriptor it is given, and closes it when it fails.
        let watched = dup(descriptor)
        guard watched >= 0 else { return nil }
        let bootstrap = NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        // One byte over the bound, for a carriage return before the line feed.
                        ByteToMessageHandler(
                            LineBasedFrameDecoder(),
                            maximumBufferSize: limit < .max ? max(limit, 0) + 1 : limit
                        ),
                        LineForwarder(limit: limit, continuation: continuation)
                    )
                }
            }
        do {
            let channel = try await bootstrap.takingOwnershipOfDescriptor(input: watched).get()
            close(descriptor)
            return channel
        } catch {
            return nil
        }
    }

    /// Ends the stream of received messages and stops reading the input.
    public func disconnect() async {
        disconnected = true
        continuation.finish()
        if let channel {
            self.channel = nil
            try? await channel.close()
        }
    }

    /// Writes `data` and a line feed; suspends, without holding a thread, while the pipe is full.
    /// - Throws: `MCPError.connectionClosed` when the other end is gone.
    public func send(_ data: Data) async throws {
        var message = data
        message.append(0x0A)
        let failure: Int32?
        if queuedWrites == 0, message.count <= Int(PIPE_BUF), Self.isWritable(output) {
            failure = Self.write(message, to: output)
        } else {
            queuedWrites += 1
            defer { queuedWrites -= 1 }
            let (output, line) = (self.output, message)
            failure = await withCheckedContinuation { continuation in
                writer.async { continuation.resume(returning: Self.write(line, to: output)) }
            }
        }
        if let failure {
            throw failure == EPIPE
                ? MCPError.connectionClosed
                : MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
        }
    }

    /// Whether `descriptor` takes a write of `PIPE_BUF` bytes now without blocking.
    private static func isWritable(_ descriptor: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&request, 1, 0) == 1 && request.revents & Int16(POLLOUT) != 0
    }

    /// Writes all of `message`; the `errno` of a failed write, or `nil`.
    private static func write(_ message: Data, to descriptor: Int32) -> Int32? {
        let error = writeAll(Array(message), to: descriptor)
        return error == 0 ? nil : error
    }

    /// The messages received, one per line, without the line feed.
    public func receive() -> AsyncThrowingStream<Data, any Error> {
        stream
    }

    /// Reads `descriptor` until its end, yielding every non-empty line of at most `limit` bytes.
    private static func readLines(
        _ descriptor: Int32,
        limit: Int,
        into continuation: AsyncThrowingStream<Data, any Error>.Continuation
    ) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1_024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = POSIXErrorCode(rawValue: errno) ?? .EIO
                continuation.finish(throwing: MCPError.transportError(POSIXError(code)))
                return
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where buffer[index] == 0x0A {
                pending.append(contentsOf: buffer[start..<index])
                start = index + 1
                if pending.last == 0x0D { pending.removeLast() }
                if pending.count > limit { break }
                if !pending.isEmpty { continuation.yield(Data(pending)) }
                pending.removeAll(keepingCapacity: true)
            }
            if pending.count <= limit { pending.append(contentsOf: buffer[start..<count]) }
            if pending.count > limit {
                continuation.finish(throwing: overlongMessage(limit))
                return
            }
        }
        continuation.finish()
    }
}

/// Yields each line the decoder cuts (without its line feed and a carriage return before it)
/// and ends the stream with the input.
private final class LineForwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let limit: Int
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    init(limit: Int, continuation: AsyncThrowingStream<Data, any Error>.Continuation) {
        self.limit = limit
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        guard line.readableBytes <= limit else {
            fail(context, overlongMessage(limit))
            return
        }
        if line.readableBytes > 0 { continuation.yield(Data(line.readableBytesView)) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            continuation.finish()
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is NIOExtrasErrors.LeftOverBytesError:
            // A last line without a line feed, cut short by the end of input: not a message.
            return
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            fail(context, overlongMessage(limit))
        case let error as IOError:
            let code = POSIXErrorCode(rawValue: error.errnoCode) ?? .EIO
            fail(context, MCPError.transportError(POSIXError(code)))
        default:
            fail(context, MCPError.transportError(error))
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}

/// What ends a stream whose message is longer than `limit` bytes.
private func overlongMessage(_ limit: Int) -> MCPError {
    MCPError.parseError("a message is longer than \(limit) bytes; the stream is closed")
}
