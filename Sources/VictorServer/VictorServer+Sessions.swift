import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import VictorAuthorization
import VictorPersonas
import VictorPostgres
import VictorRuntime

/// `POST /v1/sessions`, and a session's tools, call decisions and outcomes.
extension VictorServer {
    static let sessionKeys: AllowedKeys = ["user", "persona", "context"]
    static let authorizeKeys: AllowedKeys = ["tool", "arguments", "call_id", "explain"]
    static let outcomeKeys: AllowedKeys = ["call_id", "outcome", "error", "duration_ms", "receipt"]

    /// A session as the service returns it.
    struct SessionRecord: Encodable {
        var session: String
        var user: String
        var persona: String
        var personaVersion: Int
        var maxToolCalls: Int?
        var remainingCalls: Int?

        init(_ session: AgentSession) {
            self.session = session.id
            user = session.facts.user
            persona = session.facts.personaID
            personaVersion = session.facts.personaVersion
            maxToolCalls = session.maxToolCalls
            remainingCalls = session.remainingCalls
        }

        enum CodingKeys: String, CodingKey {
            case session, user, persona
            case personaVersion = "persona_version"
            case maxToolCalls = "max_tool_calls"
            case remainingCalls = "remaining_calls"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(session, forKey: .session)
            try container.encode(user, forKey: .user)
            try container.encode(persona, forKey: .persona)
            try container.encode(personaVersion, forKey: .personaVersion)
            try container.encode(maxToolCalls, forKey: .maxToolCalls)
            try container.encode(remainingCalls, forKey: .remainingCalls)
        }
    }

    func openSession(_ request: Request) async throws -> Response {
        let fields = try await bodies.fields(request, allowed: Self.sessionKeys)
        let user = try fields.name("user")
        let persona = try fields.name("persona")
        let context = try fields.context()
        let session: AgentSession
        do {
            session = try await runtime.openSession(user: user, persona: persona, context: context)
        } catch {
            throw Self.serverError(error)
        }
        if let shared {
            // Recorded before it is answered, so any instance can serve it from the first call.
            try await shared.record(session, context: .object(try fields.object("context")))
        }
        try sessions.insert(session)
        metrics.sessions.set(Int64(sessions.count))
        var headers = HTTPFields()
        headers[.location] = "/v1/sessions/\(session.id)"
        return try JSONResponses.response(SessionRecord(session), status: .created, headers: headers)
    }

    /// The session the path names: held here, or with a shared store, opened by any instance
    /// and used by one within the idle timeout.
    func session(_ context: ServerRequestContext) async throws(ServerError) -> AgentSession {
        let id = try pathID(context)
        let idle = configuration.sessions.idleTimeout
        if let session = sessions.session(id) {
            if let shared, sessions.storeTouchDue(id, every: idle / 4) {
                // Off the request's path: a lost mark only lets the session expire a little early.
                let logger = self.logger
                Task {
                    do {
                        try await shared.sessions.touch(id)
                    } catch {
                        logger.warning("a session's use could not be recorded", metadata: ["error": "\(error)"])
                    }
                }
            }
            return session
        }
        if let shared, let session = try await shared.restore(id, idleTimeout: idle, runtime: runtime) {
            return try sessions.adopt(session)
        }
        throw ServerError(.notFound, "no open session \(id); it may have expired")
    }

    func sessionTools(_ context: ServerRequestContext) async throws -> Response {
        try failClosed()
        let session = try await session(context)
        let tools = runtime.tools(for: session).map { definition -> JSONValue in
            [
                "name": .string(definition.name),
                "description": .string(definition.description),
                "input_schema": definition.inputSchema.json,
            ]
        }
        return JSONResponses.raw(Array(JSONValue.object(["tools": .array(tools)]).canonicalJSON.utf8))
    }

    /// A gate decision with the call's id, and for an allowed call its sealed receipt: what
    /// `authorize` returns.
    struct CallDecisionRecord: Encodable {
        var callID: String
        var record: GateDecisionRecord
        var receipt: String?

        enum CodingKeys: String, CodingKey {
            case callID = "call_id"
            case receipt
        }

        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(callID, forKey: .callID)
            try container.encodeIfPresent(receipt, forKey: .receipt)
        }
    }

    func authorizeCall(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        try failClosed()
        let session = try await session(context)
        let fields = try await bodies.fields(request, allowed: Self.authorizeKeys)
        let tool = try fields.name("tool")
        let callID = try fields.optionalName("call_id") ?? UUID().uuidString.lowercased()
        let explain = try fields.flag("explain") ?? false
        let call = ToolCall(id: callID, tool: tool, arguments: fields.value("arguments"))
        let start = ContinuousClock.now
        let steps = explain ? runtime.explain(call, in: session).steps : nil
        let decision =
            if let shared {
                await runtime.authorize(call, in: session, budget: shared.budget)
            } else {
                runtime.authorize(call, in: session)
            }
        let allowed = decision.allowed ? 1 : 0
        metrics.decisions("tool_call", allowed: allowed, denied: 1 - allowed, duration: start.duration(to: .now))
        if decision.allowed { sessions.remember(call, decision, in: session.id) }
        let receipt = OutcomeReceipt(call: call, decision: decision, session: session)?.sealed(with: receiptKey)
        return try JSONResponses.response(
            CallDecisionRecord(callID: callID, record: GateDecisionRecord(decision, steps: steps), receipt: receipt)
        )
    }

    func recordOutcome(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let session = try await session(context)
        let fields = try await bodies.fields(request, allowed: Self.outcomeKeys)
        let callID = try fields.name("call_id")
        let name = try fields.string("outcome")
        guard let outcome = AuditRecord.Outcome(rawValue: name), outcome != .notRun else {
            throw ServerError(
                .invalidRequest,
                "outcome must be succeeded, failed, timed_out or cancelled",
                location: .init(path: "outcome")
            )
        }
        let error = try fields.optionalString("error")
        let milliseconds = try fields.integer("duration_ms", in: 0...86_400_000) ?? 0
        // The receipt is checked even when this instance remembers the call: a request that
        // carries a bad one is refused the same way everywhere.
        var receipt: OutcomeReceipt?
        if let sealed = try fields.optionalString("receipt") {
            let opened: OutcomeReceipt
            do throws(RuntimeError) {
                opened = try OutcomeReceipt(sealed: sealed, key: receiptKey)
            } catch {
                throw ServerError(.invalidRequest, error.message, location: .init(path: "receipt"))
            }
            guard opened.session == session.id, opened.callID == callID else {
                throw ServerError(
                    .invalidRequest,
                    "the receipt is for another call: it names call \(opened.callID) in session \(opened.session)",
                    location: .init(path: "receipt")
                )
            }
            receipt = opened
        }
        if let pending = sessions.takePending(callID, in: session.id) {
            runtime.recordOutcome(
                outcome,
                of: pending.call,
                decision: pending.decision,
                in: session,
                error: error,
                duration: .milliseconds(milliseconds)
            )
        } else if let receipt {
            // Decided by another instance, or forgotten here (max_pending_outcomes).
            do throws(RuntimeError) {
                try runtime.recordOutcome(
                    outcome,
                    receipt: receipt,
                    in: session,
                    error: error,
                    duration: .milliseconds(milliseconds)
                )
            } catch {
                throw ServerError(.invalidRequest, error.message, location: .init(path: "receipt"))
            }
        } else {
            throw ServerError(
                .notFound,
                "no allowed call \(callID) awaits an outcome in session \(session.id); an outcome reported to "
                    + "another instance than the one that decided needs the call's receipt",
                location: .init(path: "call_id")
            )
        }
        return try JSONResponses.response(["recorded": callID], status: .accepted)
    }

    /// A runtime error as the server's: a persona's own code, bad input otherwise.
    static func serverError(_ error: RuntimeError) -> ServerError {
        if error.code == .persona, let cause = error.cause as? PersonaError { return serverError(cause) }
        if error.code == .invalidName { return ServerError(.invalidName, error.message) }
        if error.code == .io { return ServerError(.io, error.message) }
        return ServerError(.invalidRequest, error.message)
    }

    /// A persona error as the server's.
    static func serverError(_ error: PersonaError) -> ServerError {
        let location = error.location.map { ServerError.Location(line: $0.line, column: $0.column, path: $0.keyPath) }
        switch error.code {
        case .notFound: return ServerError(.notFound, error.message)
        case .conflict, .alreadyExists, .incompatible: return ServerError(.conflict, error.message)
        case .io, .damaged: return ServerError(.io, error.message)
        case .invalidArgument: return ServerError(.invalidRequest, error.message, location: location)
        default:
            return ServerError(
                .invalidDocument,
                error.message,
                location: location,
                issues: [ServerError.Issue(location: location, message: error.message)]
            )
        }
    }
}
