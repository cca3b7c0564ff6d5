import Foundation
import Logging
import MCP

/// Wraps the transport the gateway serves on and writes each `tools/call` request's JSON-RPC
/// id into its `_meta` (as ``key``), so the handler — which the MCP SDK gives only the
/// parameters — can put the id into the call's audit records. A value the client put under the
/// same key is replaced.
actor RequestTaggingTransport: Transport {
    /// The `_meta` key holding the request id.
    static let key = "victor/request-id"

    nonisolated let logger: Logger
    private let inner: any Transport
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var pump: Task<Void, Never>?

    init(_ inner: any Transport, logger: Logger) {
        self.inner = inner
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        try await inner.connect()
        let source = await inner.receive()
        let continuation = self.continuation
        pump = Task {
            do {
                for try await data in source { continuation.yield(Self.tagged(data)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    func disconnect() async {
        pump?.cancel()
        await inner.disconnect()
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        stream
    }

    private static let marker = Array("call".utf8)  // JSON may write the slash as `\/`

    /// The message with its id in `params._meta`, when it is a `tools/call` request.
    static func tagged(_ data: Data) -> Data {
        guard data.containsBytes(marker),
            var message = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            message["method"] as? String == "tools/call", let id = message["id"]
        else { return data }
        let text: String
        switch id {
        case let string as String: text = string
        case let number as NSNumber: text = number.stringValue
        default: return data
        }
        var params = message["params"] as? [String: Any] ?? [:]
        var meta = params["_meta"] as? [String: Any] ?? [:]
        meta[key] = text
        params["_meta"] = meta
        message["params"] = params
        return (try? JSONSerialization.data(withJSONObject: message)) ?? data
    }
}
