import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import Synchronization
import VictorAuthorization
import VictorPostgres
import VictorRuntime

/// `GET` and `PUT /v1/authz/configuration`, and reloading from disk.
extension VictorServer {
    /// The `ETag` of a generation: the generation in quotes.
    static func entityTag(_ generation: UInt64) -> String { "\"\(generation)\"" }

    func getConfiguration() throws -> Response {
        // The configuration and its generation come from one snapshot only under the writer lock.
        let (text, generation) =
            shared.map { shared in
                let (text, generation) = shared.installer.snapshot()
                return (text, UInt64(generation))
            }
            ?? configurationWriter.withLock { _ in
                (runtime.authorizer.configuration.json(), runtime.authorizer.generation)
            }
        var headers = HTTPFields()
        headers[.eTag] = Self.entityTag(generation)
        return JSONResponses.raw(Array(text.utf8), headers: headers)
    }

    func putConfiguration(_ request: Request) async throws -> Response {
        guard let condition = request.headers.value(.ifMatch) else {
            throw ServerError(
                .preconditionRequired,
                "a configuration write needs If-Match with the ETag of the configuration it replaces"
            )
        }
        let bytes = try await bodies.bytes(request)
        _ = try RequestBodyReader.json(bytes, maxDepth: configuration.limits.maxDepth)
        let replacement: AuthorizationConfiguration
        do {
            replacement = try AuthorizationConfiguration.parse(bytes: bytes, file: RequestBodyReader.source)
        } catch {
            throw Self.invalidDocument(error)
        }
        if let shared {
            return try await putSharedConfiguration(replacement, condition: condition, shared: shared)
        }
        let path = configuration.runtime.authorizationPath
        let generation = try configurationWriter.withLock { _ throws(ServerError) -> UInt64 in
            let current = runtime.authorizer.generation
            guard condition == "*" || Self.matches(condition, Self.entityTag(current)) else {
                throw ServerError(
                    .preconditionFailed,
                    "the configuration is at generation \(current), not \(condition); read it again"
                )
            }
            do throws(AuthorizationError) {
                if let path { try replacement.save(to: path) }
                try runtime.authorizer.replaceConfiguration(replacement)
            } catch {
                if error.code == .invalidConfiguration { throw Self.invalidDocument(error) }
                throw ServerError(.io, error.message)
            }
            return runtime.authorizer.generation
        }
        logger.info("authorization configuration replaced", metadata: ["generation": "\(generation)"])
        mcpEndpoint?.configurationChanged()
        var headers = HTTPFields()
        headers[.eTag] = Self.entityTag(generation)
        return try JSONResponses.response(["generation": Int(clamping: generation)], headers: headers)
    }

    /// Commits to the shared store: the database decides which of concurrent writers on one
    /// generation wins; the loser gets 412.
    func putSharedConfiguration(
        _ replacement: AuthorizationConfiguration,
        condition: String,
        shared: SharedStore
    ) async throws -> Response {
        var expected = shared.installer.generation.load(ordering: .relaxed)
        if condition != "*" {
            let tagged = condition.split(separator: ",").lazy.compactMap { item -> Int? in
                var item = item.trimmingCharacters(in: .whitespaces)
                if item.hasPrefix("W/") { item.removeFirst(2) }
                guard item.count >= 2, item.hasPrefix("\""), item.hasSuffix("\"") else { return nil }
                return Int(item.dropFirst().dropLast())
            }.first
            guard let tagged else {
                throw ServerError(.preconditionFailed, "If-Match \(condition) names no generation; read it again")
            }
            expected = tagged
        }
        let generation: Int
        do throws(PostgresStoreError) {
            generation = try await shared.configurations.commit(replacement, expectedGeneration: expected)
        } catch {
            switch error.code {
            case .conflict:
                throw ServerError(.preconditionFailed, "\(error.message); read it again")
            case .invalidDocument:
                if let cause = error.cause as? AuthorizationError { throw Self.invalidDocument(cause) }
                throw ServerError(.invalidDocument, error.message)
            default:
                throw ServerError(.unavailable, error.description)
            }
        }
        shared.installer.install(replacement, generation: generation)
        logger.info("authorization configuration committed", metadata: ["generation": "\(generation)"])
        var headers = HTTPFields()
        headers[.eTag] = Self.entityTag(UInt64(generation))
        return try JSONResponses.response(["generation": generation], headers: headers)
    }

    /// Whether an `If-Match` value lists `tag` (weak tags compare as strong ones).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        condition.split(separator: ",").contains { item in
            var item = item.trimmingCharacters(in: .whitespaces)
            if item.hasPrefix("W/") { item.removeFirst(2) }
            return item == tag
        }
    }

    static func invalidDocument(_ error: AuthorizationError) -> ServerError {
        let issues = error.issues.map { issue in
            ServerError.Issue(
                location: ServerError.Location(
                    line: issue.line > 0 ? issue.line : nil,
                    column: issue.column > 0 ? issue.column : nil,
                    path: issue.key.isEmpty ? nil : issue.key
                ),
                message: issue.message
            )
        }
        return ServerError(
            .invalidDocument,
            issues.isEmpty ? error.message : "the configuration has \(issues.count) problem(s)",
            issues: issues.isEmpty ? [ServerError.Issue(location: nil, message: error.message)] : issues
        )
    }

    /// Reads the tokens file named by `victor.yaml` again and puts its tokens in force, all or
    /// nothing: what SIGHUP does besides reloading the authorization file, so that a token is
    /// added or revoked without a restart. Requests already authenticated finish; every later
    /// one is checked against the new tokens. An invalid or unreadable file leaves the tokens in
    /// force; the failure is logged and counted (`victor_server_token_reloads_total{result="failed"}`).
    /// - Returns: how many tokens are in force afterwards; `nil` for a server without a tokens
    ///   file, which keeps serving without tokens (on loopback only).
    /// - Throws: ``ServerError/Code/invalidConfiguration`` with every problem and its location.
    @discardableResult
    public func reloadTokens() throws(ServerError) -> Int? {
        guard let path = configuration.tokensPath else { return nil }
        do {
            let loaded = try AccessTokens.load(contentsOf: path)
            tokens.withLock { $0 = loaded }
            metrics.tokenReloadsSucceeded.increment()
            logger.info("tokens reloaded", metadata: ["file": "\(path)", "tokens": "\(loaded.entries.count)"])
            return loaded.entries.count
        } catch {
            metrics.tokenReloadsFailed.increment()
            logger.error(
                "tokens reload failed; the tokens in force stay",
                metadata: ["file": "\(path)", "error": "\(error.message)"]
            )
            throw error
        }
    }

    /// Reads the authorization file named by `victor.yaml` again and installs it, all or nothing:
    /// what SIGHUP does. An invalid file leaves the running configuration in force; the failure
    /// is logged and counted (`victor_server_reloads_total{result="failed"}`).
    /// - Returns: the generation in force afterwards.
    /// - Throws: ``ServerError/Code/invalidConfiguration`` when the file is invalid or unreadable.
    ///
    /// With a shared store (``ServerConfiguration/store``) the database holds the configuration,
    /// so nothing is read from disk.
    @discardableResult
    public func reloadAuthorization() throws(ServerError) -> UInt64 {
        if let shared {
            logger.info("reload: the authorization configuration comes from the store; nothing to read")
            return UInt64(shared.installer.generation.load(ordering: .relaxed))
        }
        guard let path = configuration.runtime.authorizationPath else {
            logger.info("reload: no authorization file is configured; every request stays denied")
            metrics.reloadsSucceeded.increment()
            return runtime.authorizer.generation
        }
        do {
            let generation = try configurationWriter.withLock { _ throws(AuthorizationError) -> UInt64 in
                try runtime.authorizer.load(contentsOf: path)
                return runtime.authorizer.generation
            }
            metrics.reloadsSucceeded.increment()
            logger.info("authorization configuration reloaded", metadata: ["generation": "\(generation)"])
            mcpEndpoint?.configurationChanged()
            return generation
        } catch {
            metrics.reloadsFailed.increment()
            logger.error(
                "authorization reload failed; the running configuration stays in force",
                metadata: ["file": "\(path)", "error": "\(error.description)"]
            )
            throw ServerError(
                .invalidConfiguration,
                error.description,
                issues: error.issues.map { issue in
                    ServerError.Issue(
                        location: ServerError.Location(line: issue.line, column: issue.column, path: issue.key),
                        message: issue.message
                    )
                }
            )
        }
    }
}
