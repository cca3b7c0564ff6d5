import HTTPTypes
import Hummingbird
import Prometheus
import VictorAuthorization
import VictorRuntime

/// `POST /v1/authz/check`, `/v1/authz/check-batch` and `/v1/authz/explain`.
extension VictorServer {
    static let checkKeys: AllowedKeys = ["user", "resource", "action", "context"]
    static let batchKeys: AllowedKeys = ["user", "requests", "context"]
    static let pairKeys: AllowedKeys = ["resource", "action"]

    struct CheckRequest {
        var user: String
        var resource: String
        var action: String
        var context: [String: AttributeValue]
    }

    func checkRequest(_ request: Request) async throws(ServerError) -> CheckRequest {
        let fields = try await bodies.fields(request, allowed: Self.checkKeys)
        return CheckRequest(
            user: try fields.name("user"),
            resource: try fields.name("resource"),
            action: try fields.name("action"),
            context: try fields.context()
        )
    }

    func check(_ request: Request) async throws -> Response {
        try failClosed()
        let body = try await checkRequest(request)
        let start = ContinuousClock.now
        let decision = runtime.authorizer.check(
            user: body.user,
            resource: body.resource,
            action: body.action,
            context: body.context
        )
        let allowed = decision.allowed ? 1 : 0
        metrics.decisions("check", allowed: allowed, denied: 1 - allowed, duration: start.duration(to: .now))
        return JSONResponses.raw(DecisionJSON.object(DecisionRecord(decision)))
    }

    func explain(_ request: Request) async throws -> Response {
        try failClosed()
        let body = try await checkRequest(request)
        let start = ContinuousClock.now
        let explanation = runtime.authorizer.explain(
            user: body.user,
            resource: body.resource,
            action: body.action,
            context: body.context
        )
        let allowed = explanation.decision.allowed ? 1 : 0
        metrics.decisions("explain", allowed: allowed, denied: 1 - allowed, duration: start.duration(to: .now))
        return JSONResponses.raw(DecisionJSON.object(DecisionRecord(explanation)))
    }

    func checkBatch(_ request: Request) async throws -> Response {
        try failClosed()
        let fields = try await bodies.fields(request, allowed: Self.batchKeys)
        let user = try fields.name("user")
        let context = try fields.context()
        let items = try fields.items("requests")
        guard items.count <= configuration.limits.maxBatch else {
            throw ServerError(
                .invalidRequest,
                "at most \(configuration.limits.maxBatch) requests are decided in one batch, not \(items.count)",
                location: ServerError.Location(path: "requests")
            )
        }
        var requests: [AccessRequest] = []
        requests.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            // The path is spelled only for an error: a batch's pairs are read by the thousand.
            let pair: RequestFields
            do {
                pair = try RequestFields(fields.tape, at: item, allowed: Self.pairKeys)
            } catch {
                let path = "requests[\(index)]"
                throw ServerError(error.code, "\(path): \(error.message)", location: ServerError.Location(path: path))
            }
            do {
                requests.append(AccessRequest(resource: try pair.name("resource"), action: try pair.name("action")))
            } catch {
                let path = "requests[\(index)]"
                throw ServerError(
                    error.code,
                    "\(path).\(error.message)",
                    location: ServerError.Location(path: "\(path).\(error.location?.path ?? "")")
                )
            }
        }
        let start = ContinuousClock.now
        let decisions = runtime.authorizer.check(user: user, requests: requests, context: context)
        let allowed = decisions.count { $0.allowed }
        metrics.decisions(
            "check_batch",
            allowed: allowed,
            denied: decisions.count - allowed,
            duration: start.duration(to: .now)
        )
        return JSONResponses.raw(DecisionJSON.batch(decisions))
    }
}
