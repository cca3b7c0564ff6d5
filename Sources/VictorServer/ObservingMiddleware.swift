import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import Synchronization
import VictorRuntime
import VictorTelemetry

/// The outermost middleware: gives each request its id, turns every error into the one JSON
/// error shape, counts the request by route and status, and writes its access-log line.
struct ObservingMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let server: VictorServer

    func handle(
        _ request: Request,
        context: ServerRequestContext,
        next: (Request, ServerRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.requestID(request.headers.value(Self.requestIDField))
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = Self.serverError(error)
            if failure.code == .internal {
                server.logger.error(
                    "request failed",
                    metadata: ["request_id": "\(context.requestID)", "error": "\(error)"]
                )
            }
            response = JSONResponses.error(failure, requestID: context.requestID)
        }
        response.headers[Self.requestIDField] = context.requestID
        let duration = start.duration(to: .now)
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        server.metrics.request(route: route, method: method, status: response.status.code, duration: duration)
        if let log = server.accessLog {
            var line: [String: JSONValue] = [
                "time": .string(Date().formatted(.iso8601)),
                "request_id": .string(context.requestID),
                "method": .string(method),
                "path": .string(request.uri.path),
                "route": .string(route),
                "status": .integer(response.status.code),
                "duration_ms": .number(Double(duration.totalNanoseconds) / 1_000_000),
            ]
            if let remote = context.remoteAddress { line["remote"] = .string(remote) }
            log(JSONValue.object(line).canonicalJSON)
        }
        return response
    }

    static let requestIDField = HTTPField.Name("X-Request-ID")!

    /// The client's request id when it is 1 to 128 printable ASCII characters, a new one otherwise.
    static func requestID(_ given: String?) -> String {
        if let given, !given.isEmpty, given.utf8.count <= 128, given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return randomUUID()
    }

    /// A version 4 UUID in lowercase, made without a system call (a `getrandom` call per
    /// request showed in load profiles): a counter mixed with two per-process random keys
    /// through a bijective 64-bit mixer, so ids look random, differ between processes, and two
    /// requests of one process share one only if 122 mixed bits collide. They name requests;
    /// they are not secrets.
    static func randomUUID() -> String {
        let count = requestCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let high = (mixed(count ^ requestKeys.0) & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (mixed(count ^ requestKeys.1) & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for nibble in 0..<32 {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                let digit = UInt8(truncatingIfNeeded: (word >> UInt64(60 - 4 * (nibble & 15))) & 0xF)
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                index += 1
            }
            return index
        }
    }

    private static let requestCounter = Atomic<UInt64>(0)
    private static let requestKeys = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    /// SplitMix64's finalizer: a bijection on 64-bit words that spreads every input bit.
    private static func mixed(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Any error as the server's error: its own, Hummingbird's HTTP errors by status, or internal.
    static func serverError(_ error: any Error) -> ServerError {
        if let error = error as? ServerError { return error }
        if let error = error as? any HTTPResponseError {
            switch error.status {
            case .notFound: return ServerError(.notFound, "no such route")
            case .methodNotAllowed: return ServerError(.methodNotAllowed, "the route does not take this method")
            case .contentTooLarge: return ServerError(.bodyTooLarge, "the body is too large")
            case .badRequest: return ServerError(.invalidRequest, "bad request")
            default: return ServerError(.internal, "the request failed (\(error.status.code))")
            }
        }
        return ServerError(.internal, "the request failed")
    }
}
