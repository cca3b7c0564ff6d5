import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import VictorPersonas
import VictorRuntime

/// The persona routes: list, get (optionally a version), history, put with `If-Match` on the
/// version, adapt, merge, suggest and prompt.
extension VictorServer {
    var personas: PersonaManager { runtime.personas }

    /// Runs a persona operation, its errors as the server's. With a shared store, a store that
    /// cannot be read or written is the database being away: 503, so that a client or a load
    /// balancer tries again or elsewhere, rather than 500.
    func persona<T>(_ body: () async throws(PersonaError) -> T) async throws(ServerError) -> T {
        do {
            return try await body()
        } catch {
            if shared != nil, error.code == .io {
                throw ServerError(.unavailable, "the shared store is unavailable: \(error.message)")
            }
            throw Self.serverError(error)
        }
    }

    /// One persona as a JSON object in Victor's persona format.
    static func personaJSON(_ persona: Persona) throws(ServerError) -> JSONValue {
        let text: String
        do {
            text = try PersonaDocument.encode([persona], as: .json)
        } catch {
            throw ServerError(.internal, error.message)
        }
        do {
            guard let value = try JSONValue.parse(text, source: "persona")["personas"]?[persona.id] else {
                throw ServerError(.internal, "the persona document has no entry for \(persona.id)")
            }
            return value
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.internal, "\(error)")
        }
    }

    static func personaResponse(_ persona: Persona, status: HTTPResponse.Status = .ok) throws(ServerError) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = entityTag(UInt64(max(0, persona.version)))
        return JSONResponses.raw(Array(try personaJSON(persona).canonicalJSON.utf8), status: status, headers: headers)
    }

    func listPersonas() async throws -> Response {
        let listing = try await persona { () async throws(PersonaError) in try await personas.listing() }
        return try JSONResponses.response(["personas": listing.personas.map(PersonaSummary.init)])
    }

    func getPersona(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let id = try pathID(context)
        let found: Persona
        if let text = request.uri.queryParameters.get("version") {
            guard let version = Int(text), version >= 1 else {
                throw ServerError(
                    .invalidRequest,
                    "version must be a positive integer",
                    location: .init(path: "version")
                )
            }
            found = try await persona { () async throws(PersonaError) in try await personas.load(id, version: version) }
        } else {
            found = try await persona { () async throws(PersonaError) in try await personas.load(id) }
        }
        return try Self.personaResponse(found)
    }

    func personaHistory(_ context: ServerRequestContext) async throws -> Response {
        let id = try pathID(context)
        let versions = try await persona { () async throws(PersonaError) in try await personas.history(id) }
        return try JSONResponses.response(["versions": versions.map(PersonaSummary.init)])
    }

    /// Creates the persona when it does not exist (no `If-Match`, or `If-None-Match: *`);
    /// otherwise `If-Match` must carry the current version's tag, and the stored persona becomes
    /// the next version.
    func putPersona(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let id = try pathID(context)
        let bytes = try await bodies.bytes(request)
        _ = try RequestBodyReader.json(bytes, maxDepth: configuration.limits.maxDepth)
        let decoded = try await persona { () async throws(PersonaError) in
            try PersonaDocument.decode(String(decoding: bytes, as: UTF8.self), file: RequestBodyReader.source)
        }
        guard decoded.count == 1, var replacement = decoded.first else {
            throw ServerError(.invalidDocument, "the body must hold exactly one persona, not \(decoded.count)")
        }
        guard replacement.id == id else {
            throw ServerError(
                .invalidDocument,
                "the persona's id \(replacement.id) differs from the path's \(id)",
                location: .init(path: "id")
            )
        }
        let current =
            try await persona { () async throws(PersonaError) in try await personas.isStored(id) }
            ? try await persona { () async throws(PersonaError) in try await personas.load(id) } : nil
        if let current {
            guard let condition = request.headers.value(.ifMatch) else {
                throw ServerError(
                    .preconditionRequired,
                    "persona \(id) exists: a write needs If-Match with the ETag of the version it replaces"
                )
            }
            guard Self.matches(condition, Self.entityTag(UInt64(current.version))) else {
                throw ServerError(
                    .preconditionFailed,
                    "persona \(id) is at version \(current.version), not \(condition); read it again"
                )
            }
            replacement.version = current.version
            let stored = try await persona { () async throws(PersonaError) in try await personas.update(replacement) }
            return try Self.personaResponse(stored)
        }
        if let condition = request.headers.value(.ifMatch), condition != "*" {
            // A version was expected, and there is none stored (a built-in has never been saved).
            if let builtIn = try? await personas.load(id),
                Self.matches(condition, Self.entityTag(UInt64(builtIn.version)))
            {
                replacement.version = builtIn.version
                let stored = try await persona { () async throws(PersonaError) in try await personas.update(replacement)
                }
                return try Self.personaResponse(stored)
            }
            throw ServerError(.preconditionFailed, "persona \(id) is not stored at \(condition)")
        }
        let stored = try await persona { () async throws(PersonaError) in try await personas.create(replacement) }
        return try Self.personaResponse(stored, status: .created)
    }

    func adaptPersona(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let id = try pathID(context)
        let fields = try await bodies.fields(request, allowed: ["context"])
        let adaptation = PersonaContext(try fields.stringContext())
        let adapted = try await persona { () async throws(PersonaError) in try await personas.adapt(id, to: adaptation)
        }
        metrics.adaptationHits.set(Int64(personas.statistics.adaptationHits))
        metrics.adaptationMisses.set(Int64(personas.statistics.adaptationMisses))
        return try JSONResponses.response(AdaptedPersonaRecord(adapted))
    }

    func personaPrompt(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let id = try pathID(context)
        let fields = try await bodies.fields(request, allowed: ["context"])
        let adaptation = PersonaContext(try fields.stringContext())
        let prompt = try await persona { () async throws(PersonaError) in
            try await personas.systemPrompt(id, context: adaptation)
        }
        return try JSONResponses.response(["prompt": prompt])
    }

    func mergePersonas(_ request: Request) async throws -> Response {
        let fields = try await bodies.fields(request, allowed: ["ids", "name", "id"])
        var ids: [String] = []
        for (index, item) in try fields.array("ids").enumerated() {
            guard case .string(let text) = item else {
                throw ServerError(
                    .invalidRequest,
                    "ids[\(index)] must be a string",
                    location: .init(path: "ids[\(index)]")
                )
            }
            ids.append(try RequestFields.name(text, "ids[\(index)]"))
        }
        let name = try fields.name("name")
        let id = try fields.optionalName("id")
        let merged = try await persona { () async throws(PersonaError) in
            try await personas.merge(ids: ids, name: name, id: id)
        }
        return try Self.personaResponse(merged, status: .created)
    }

    func suggestPersonas(_ request: Request) async throws -> Response {
        let fields = try await bodies.fields(request, allowed: ["task", "limit"])
        let task = try fields.string("task")
        let limit = try fields.integer("limit", in: 1...1_000)
        let suggestions = try await persona { () async throws(PersonaError) in
            try await personas.suggest(for: task, limit: limit)
        }
        return try JSONResponses.response(["suggestions": suggestions.map(PersonaSuggestionRecord.init)])
    }
}
