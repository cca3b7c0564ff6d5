import Foundation
import Logging
import MCP
import VictorRuntime

/// Wraps the stdio transport the gateway serves on and answers `tools/call` requests itself,
/// beside the MCP SDK's server: a call's arguments are read once with the project's strict JSON
/// reader, decided by the gate, forwarded as raw JSON (``UpstreamTransport``), and the
/// upstream's result is written back as it came. Everything else — the handshake, listing,
/// prompts, malformed messages — goes to the SDK's server unchanged.
///
/// The SDK decodes each message as several candidate types and compiles a regular expression
/// for every string value it reads; on the path every call takes, that cost more than the
/// gateway's own work. Calls are served this way only after the client's
/// `notifications/initialized`; a client's `notifications/cancelled` for a call in flight here
/// cancels it (and the upstream's request), and no answer is sent for it. A call whose id is
/// that of a call still in flight is answered with JSON-RPC's invalid-request error and never
/// decided or run.
actor FastCallTransport: Transport {
    /// Answers a call: the request id (as text, for the audit), tool name and arguments; `nil`
    /// when it was cancelled.
    typealias Handler = @Sendable (_ requestID: String, _ name: String, _ arguments: JSONValue) async -> JSONValue?

    nonisolated let logger: Logger
    private let inner: any Transport
    private let handler: Handler
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var pump: Task<Void, Never>?
    private var initialized = false
    /// The calls being served, by request id; the serial tells a call from a later one that
    /// reuses its id after it was cancelled.
    private var inFlight: [JSONValue: (serial: UInt64, task: Task<Void, Never>)] = [:]
    private var served: UInt64 = 0

    init(_ inner: any Transport, logger: Logger, handler: @escaping Handler) {
        self.inner = inner
        self.logger = logger
        self.handler = handler
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        try await inner.connect()
        let source = await inner.receive()
        let continuation = self.continuation
        pump = Task { [weak self] in
            do {
                for try await data in source {
                    guard let self else { return }
                    await self.route(data)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    func disconnect() async {
        pump?.cancel()
        for call in inFlight.values { call.task.cancel() }
        inFlight = [:]
        await inner.disconnect()
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        stream
    }

    // Cheap filters before a message is parsed: without the slash, which JSON may write as `\/`.
    private static let callMarker = Array("call".utf8)
    private static let cancelMarker = Array("cancelled".utf8)
    private static let initializedMarker = Array("initialized".utf8)

    private func route(_ data: Data) {
        if initialized, data.containsBytes(Self.callMarker) {
            switch Self.reading(data) {
            case .call(let id, let name, let arguments):
                guard inFlight[id] == nil else {
                    // MCP forbids reusing an id; answered, never run, so that one answer cannot
                    // be taken for the other and a cancellation names one call.
                    refuse(id, code: -32600, "request id \(id.canonicalJSON) is already in use by a call in flight")
                    return
                }
                serve((id, name, arguments))
                return
            case .refused(let id, let message):
                refuse(id, code: -32700, "the request is not strict JSON: \(message)")
                return
            case .other:
                break
            }
        }
        if data.containsBytes(Self.cancelMarker),
            case .object(let members)? = try? JSONValue.parse(bytes: Array(data)),
            let id = members["params"]?["requestId"], let call = inFlight.removeValue(forKey: id)
        {
            call.task.cancel()
        }
        if !initialized, data.containsBytes(Self.initializedMarker),
            case .object(let members)? = try? JSONValue.parse(bytes: Array(data)),
            members["method"] == .string("notifications/initialized")
        {
            initialized = true
        }
        continuation.yield(data)
    }

    /// What a message that may be a `tools/call` request is to the fast path.
    enum Reading: Equatable {
        /// A well-formed call.
        case call(id: JSONValue, name: String, arguments: JSONValue)
        /// A `tools/call` request that is not strict JSON (a duplicate key, an unpaired
        /// surrogate…): answered with a parse error, so that no call is decided on a reading
        /// another parser would make differently.
        case refused(id: JSONValue, message: String)
        /// Anything else, left to the SDK, which answers malformed requests with the
        /// protocol's errors.
        case other
    }

    static func reading(_ data: Data) -> Reading {
        let members: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONValue.parse(bytes: Array(data), source: "the request") else {
                return .other
            }
            members = object
        } catch {
            guard let id = lenientID(data, method: "tools/call") else { return .other }
            return .refused(id: id, message: error.message)
        }
        guard members["jsonrpc"] == .string("2.0"), members["method"] == .string("tools/call"),
            let id = members["id"], case .object(let params)? = members["params"],
            case .string(let name)? = params["name"]
        else { return .other }
        switch id {
        case .string, .integer: break
        default: return .other
        }
        let arguments = params["arguments"] ?? .object([:])
        guard case .object = arguments else { return .other }
        return .call(id: id, name: name, arguments: arguments)
    }

    /// The id of a JSON-RPC message (with `method` when given) as a lenient parser reads it, for
    /// answering a message the strict reader refuses; `nil` when it has none or another method.
    static func lenientID(_ data: Data, method: String? = nil) -> JSONValue? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            method == nil || object["method"] as? String == method
        else { return nil }
        switch object["id"] {
        case let text as String: return .string(text)
        case let number as NSNumber:
            guard let integer = Int(exactly: number.doubleValue) else { return nil }
            return .integer(integer)
        default: return nil
        }
    }

    /// Answers a refused request with a JSON-RPC error: `-32700` (parse error) or `-32600`
    /// (invalid request).
    private func refuse(_ id: JSONValue, code: Int, _ message: String) {
        let response = JSONValue.object([
            "jsonrpc": "2.0", "id": id, "error": ["code": .integer(code), "message": .string(message)],
        ]).canonicalJSON
        let inner = self.inner
        let logger = self.logger
        Task {
            do {
                try await inner.send(Data(response.utf8))
            } catch {
                logger.warning("the answer to a refused tool call could not be written: \(error)")
            }
        }
    }

    private func serve(_ call: (id: JSONValue, name: String, arguments: JSONValue)) {
        let requestID: String =
            switch call.id {
            case .string(let text): text
            case .integer(let number): String(number)
            default: call.id.canonicalJSON
            }
        let handler = self.handler
        let inner = self.inner
        let logger = self.logger
        served += 1
        let serial = served
        let task = Task {
            let result = await handler(requestID, call.name, call.arguments)
            self.finished(call.id, serial)
            guard let result, !Task.isCancelled else { return }
            let response = JSONValue.object(["jsonrpc": "2.0", "id": call.id, "result": result]).canonicalJSON
            do {
                try await inner.send(Data(response.utf8))
            } catch {
                logger.warning("the answer to a tool call could not be written: \(error)")
            }
        }
        inFlight[call.id] = (serial, task)
    }

    private func finished(_ id: JSONValue, _ serial: UInt64) {
        if inFlight[id]?.serial == serial { inFlight[id] = nil }
    }
}
