import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
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
        context.requestID = Self.requestID(request.headers[Self.requestIDField])
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

    /// A random (version 4) UUID in lowercase. Foundation's `UUID()` opens `/dev/urandom` on
    /// every call on Linux; the system generator asks the kernel without a file descriptor.
    static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for (word, shifts) in [(high, 0..<16), (low, 0..<16)] {
                for nibble in shifts {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = digits[Int((word >> UInt64(60 - 4 * nibble)) & 0xF)]
                    index += 1
                }
            }
            return index
        }
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
