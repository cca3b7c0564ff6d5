import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus
import Synchronization
import VictorAuthorization
import VictorPersonas
import VictorPostgres
import VictorRuntime

/// Health and metrics.
extension VictorServer {
    func live() throws -> Response {
        try JSONResponses.response(["status": "live"])
    }

    /// Ready while serving; 503 once shutdown has begun, so load balancers stop sending.
    func ready() throws -> Response {
        guard !draining.load(ordering: .relaxed) else {
            throw ServerError(.unavailable, "the server is shutting down")
        }
        if let shared {
            let generation = String(shared.installer.generation.load(ordering: .relaxed))
            let freshness = shared.listener.freshness
            guard freshness.isReady else {
                throw ServerError(
                    .unavailable,
                    "not current with the store (\(freshness.phase.rawValue)); running generation \(generation)"
                )
            }
            return try JSONResponses.response(["status": "ready", "generation": generation])
        }
        return try JSONResponses.response(
            ["status": "ready", "generation": String(runtime.authorizer.generation)]
        )
    }

    /// The Prometheus text exposition of the server's registry.
    func metricsText() -> Response {
        runtime.authorizer.flushMetrics()
        runtime.personas.flushMetrics()
        metrics.sessions.set(Int64(sessions.count))
        metrics.generation.set(
            Int64(shared.map { $0.installer.generation.load(ordering: .relaxed) } ?? Int(runtime.authorizer.generation))
        )
        let statistics = runtime.personas.statistics
        metrics.adaptationHits.set(Int64(statistics.adaptationHits))
        metrics.adaptationMisses.set(Int64(statistics.adaptationMisses))
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer()))
        )
    }
}
