import Foundation
import Logging
import MCP
import VictorRuntime

/// The transport to one upstream: the MCP SDK's client speaks through it, and the gateway's
/// ``request(_:params:)`` sends `tools/call` requests beside the client, as raw JSON lines.
///
/// A forwarded call never goes through the SDK's `Codable` types: its arguments and the
/// upstream's result stay the JSON text they are (read once with the project's strict reader),
/// which keeps the gateway's own cost per call small. Responses to those requests are taken
/// out of the stream (their ids start with ``idPrefix``); every other message goes on to the
/// SDK's client unchanged.
actor UpstreamTransport: Transport {
    /// Raw requests' ids start with this; the SDK's client numbers its own otherwise.
    static let idPrefix = "victor-raw-"

    nonisolated let logger: Logger
    private let inner: any Transport
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var pump: Task<Void, Never>?
    private var pending: [String: CheckedContinuation<JSONValue, any Error>] = [:]
    /// Answers that arrived while their request was still being written.
    private var early: [String: Result<JSONValue, any Error>] = [:]
    private var sending: Set<String> = []
    private var nextID = 0
    private var ended: (any Error)?

    init(_ inner: any Transport, logger: Logger) {
        self.inner = inner
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        try await inner.connect()
        let source = await inner.receive()
        pump = Task { [weak self] in
            do {
                for try await data in source {
                    guard let self else { return }
                    await self.route(data)
                }
                await self?.end(MCPGatewayError(.upstreamFailed, "the upstream closed its output"))
            } catch {
                await self?.end(error)
            }
        }
    }

    func disconnect() async {
        pump?.cancel()
        await inner.disconnect()
        end(MCPGatewayError(.upstreamFailed, "the connection to the upstream was closed"))
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        stream
    }

    private static let marker = Array(idPrefix.utf8)

    /// Hands a response to a raw request to its waiter; passes everything else to the client.
    private func route(_ data: Data) {
        guard data.containsBytes(Self.marker) else {
            continuation.yield(data)
            return
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(bytes: Array(data), source: "the upstream's answer")
        } catch {
            // An answer the strict reader refuses fails its request now, rather than reaching the
            // client as an answer to nothing while the call waits for its timeout.
            if case .string(let id)? = FastCallTransport.lenientID(data), pending[id] != nil || sending.contains(id) {
                answer(
                    id,
                    .failure(MCPGatewayError(.upstreamFailed, "its answer is not strict JSON: \(error.message)"))
                )
                return
            }
            continuation.yield(data)
            return
        }
        if case .object(let members) = parsed, case .string(let id)? = members["id"],
            pending[id] != nil || sending.contains(id)
        {
            let answer: Result<JSONValue, any Error>
            if let result = members["result"] {
                answer = .success(result)
            } else {
                let message: String =
                    if case .string(let text)? = members["error"]?["message"] { text } else {
                        "an error without a message"
                    }
                answer = .failure(MCPGatewayError(.upstreamFailed, message))
            }
            self.answer(id, answer)
            return
        }
        continuation.yield(data)
    }

    /// Resumes the request `id`, or keeps the answer until it waits.
    private func answer(_ id: String, _ answer: Result<JSONValue, any Error>) {
        if let waiter = pending.removeValue(forKey: id) {
            waiter.resume(with: answer)
        } else {
            early[id] = answer
        }
    }

    /// Fails every waiting request and ends the client's stream.
    private func end(_ error: any Error) {
        if ended == nil { ended = error }
        let waiting = pending
        pending = [:]
        for waiter in waiting.values { waiter.resume(throwing: error) }
        continuation.finish(throwing: error)
    }

    /// Sends a JSON-RPC request and waits for its result; cancelling the calling task sends
    /// `notifications/cancelled` for it upstream and throws `CancellationError`.
    /// - Throws: ``MCPGatewayError/Code/upstreamFailed`` with the upstream's error message, or
    ///   the transport's error when the upstream goes away first.
    func request(_ method: String, params: JSONValue) async throws -> JSONValue {
        if let ended { throw ended }
        nextID += 1
        let id = Self.idPrefix + String(nextID)
        let line = JSONValue.object([
            "jsonrpc": "2.0", "id": .string(id), "method": .string(method), "params": params,
        ]).canonicalJSON
        // Written first, then waited for; an answer arriving while the write is suspended is
        // kept in `early` for it.
        sending.insert(id)
        do {
            try await inner.send(Data(line.utf8))
        } catch {
            sending.remove(id)
            early[id] = nil
            throw error
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<JSONValue, any Error>) in
                // Still in `sending` until now, so an answer is never passed on to the client.
                sending.remove(id)
                if let answer = early.removeValue(forKey: id) {
                    waiter.resume(with: answer)
                } else if let ended {
                    waiter.resume(throwing: ended)
                } else if Task.isCancelled {
                    waiter.resume(throwing: CancellationError())
                    Task { await self.sendCancellation(id) }
                } else {
                    pending[id] = waiter
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: String) async {
        guard let waiter = pending.removeValue(forKey: id) else { return }
        waiter.resume(throwing: CancellationError())
        await sendCancellation(id)
    }

    private func sendCancellation(_ id: String) async {
        let notice = JSONValue.object([
            "jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": ["requestId": .string(id), "reason": "cancelled by the gateway"],
        ]).canonicalJSON
        try? await inner.send(Data(notice.utf8))
    }
}
