import Foundation
public import Hummingbird
import Synchronization
import VictorDocuments

/// What a route needs from the caller's bearer token.
public enum RouteAccess: String, Sendable, Hashable {
    /// Nothing: health and metrics.
    case open
    /// A token with the `decide` scope.
    case decide
    /// A token with the `admin` scope.
    case admin
}

/// One route of the service: its method, its path (parameters as `{name}`) and the scope it
/// needs. ``VictorServer/routes`` lists them all; `openapi.yaml` describes the same set.
public struct ServerRoute: Sendable {
    /// The HTTP method.
    public let method: HTTPRequest.Method
    /// The path, such as `/v1/sessions/{id}/tools`.
    public let path: String
    /// What the caller's token needs.
    public let access: RouteAccess
    let handler: @Sendable (VictorServer, Request, ServerRequestContext) async throws -> Response

    init(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ access: RouteAccess,
        _ handler: @escaping @Sendable (VictorServer, Request, ServerRequestContext) async throws -> Response
    ) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }
}

extension VictorServer {
    /// Every route the server answers.
    public var routes: [ServerRoute] { Self.routeTable }
    /// Every route the server answers, without a server.
    public static var routeList: [ServerRoute] { routeTable }

    static let routeTable: [ServerRoute] = [
        ServerRoute(.get, "/health/live", .open) { server, _, _ in try server.live() },
        ServerRoute(.get, "/health/ready", .open) { server, _, _ in try server.ready() },
        ServerRoute(.get, "/metrics", .open) { server, _, _ in server.metricsText() },
        ServerRoute(.post, "/v1/authz/check", .decide) { server, request, _ in try await server.check(request) },
        ServerRoute(.post, "/v1/authz/check-batch", .decide) { server, request, _ in
            try await server.checkBatch(request)
        },
        ServerRoute(.post, "/v1/authz/explain", .decide) { server, request, _ in try await server.explain(request) },
        ServerRoute(.get, "/v1/authz/configuration", .decide) { server, _, _ in try server.getConfiguration() },
        ServerRoute(.put, "/v1/authz/configuration", .admin) { server, request, _ in
            try await server.putConfiguration(request)
        },
        ServerRoute(.post, "/v1/sessions", .decide) { server, request, _ in try await server.openSession(request) },
        ServerRoute(.get, "/v1/sessions/{id}/tools", .decide) { server, _, context in
            try await server.sessionTools(context)
        },
        ServerRoute(.post, "/v1/sessions/{id}/authorize", .decide) { server, request, context in
            try await server.authorizeCall(request, context)
        },
        ServerRoute(.post, "/v1/sessions/{id}/outcomes", .decide) { server, request, context in
            try await server.recordOutcome(request, context)
        },
        ServerRoute(.get, "/v1/personas", .decide) { server, _, _ in try await server.listPersonas() },
        ServerRoute(.post, "/v1/personas/merge", .admin) { server, request, _ in try await server.mergePersonas(request)
        },
        ServerRoute(.post, "/v1/personas/suggest", .decide) { server, request, _ in
            try await server.suggestPersonas(request)
        },
        ServerRoute(.get, "/v1/personas/{id}", .decide) { server, request, context in
            try await server.getPersona(request, context)
        },
        ServerRoute(.put, "/v1/personas/{id}", .admin) { server, request, context in
            try await server.putPersona(request, context)
        },
        ServerRoute(.get, "/v1/personas/{id}/history", .decide) { server, _, context in
            try await server.personaHistory(context)
        },
        ServerRoute(.post, "/v1/personas/{id}/adapt", .decide) { server, request, context in
            try await server.adaptPersona(request, context)
        },
        ServerRoute(.post, "/v1/personas/{id}/prompt", .decide) { server, request, context in
            try await server.personaPrompt(request, context)
        },
        ServerRoute(.post, "/mcp", .decide) { server, request, _ in try await server.mcp(request) },
        ServerRoute(.get, "/mcp", .decide) { server, request, _ in try await server.mcp(request) },
        ServerRoute(.delete, "/mcp", .decide) { server, request, _ in try await server.mcp(request) },
    ]

    /// Checks the request's origin and host (``RequestOrigins``), then the caller's token against
    /// the route's access, then runs the route.
    func respond(_ route: ServerRoute, _ request: Request, _ context: ServerRequestContext) async throws -> Response {
        try origins.check(host: request.head.authority, origin: request.headers.value(.origin))
        try authenticate(request, route.access)
        return try await route.handler(self, request, context)
    }

    /// Without a tokens file every request is let through (the server is on loopback then).
    static let bearerScheme = Array("bearer ".utf8)

    /// - Returns: the token's entry; `nil` for an open route or without a tokens file.
    @discardableResult
    func authenticate(_ request: Request, _ access: RouteAccess) throws(ServerError) -> AccessTokens.Entry? {
        guard access != .open, let tokens = tokens.withLock({ $0 }) else { return nil }
        guard let header = request.headers.value(.authorization) else {
            throw ServerError(.unauthorized, "this route needs a bearer token (Authorization: Bearer TOKEN)")
        }
        // `Bearer ` in any case, compared byte by byte: this runs on every request.
        let scheme = Self.bearerScheme
        guard header.utf8.count > scheme.count,
            zip(header.utf8, scheme).allSatisfy({ byte, expected in byte | 0x20 == expected })
        else {
            throw ServerError(.unauthorized, "the Authorization header must be Bearer TOKEN")
        }
        var rest = header.dropFirst(scheme.count)
        while rest.first?.isWhitespace == true { rest = rest.dropFirst() }
        while rest.last?.isWhitespace == true { rest = rest.dropLast() }
        let token = String(rest)
        guard let entry = tokens.entry(for: token) else {
            throw ServerError(.unauthorized, "the bearer token is not known")
        }
        let needed: TokenScopes = access == .admin ? .admin : .decide
        guard entry.scopes.contains(needed) else {
            throw ServerError(.forbidden, "token \(entry.name) lacks the \(access.rawValue) scope this route needs")
        }
        return entry
    }

    /// The path parameter `id`, percent-decoded, by the exact-name rule: `%1C` is the control
    /// character it spells, refused like one in a body.
    func pathID(_ context: ServerRequestContext) throws(ServerError) -> String {
        guard let raw = context.parameters.get("id") else { throw ServerError(.notFound, "no id in the path") }
        guard let id = raw.removingPercentEncoding else {
            throw ServerError(.invalidName, "id \(ExactText.quotedForDisplay(raw)) is not valid percent-encoded UTF-8")
        }
        return try RequestFields.name(id, "id")
    }
}
