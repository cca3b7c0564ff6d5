import ArgumentParser
import Logging
import VictorPostgres
import VictorServer

/// `victor serve`: decisions, personas and tool-call gating as an HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve decisions, personas and tool-call gating over HTTP.",
        discussion: """
            Without --config: built-in personas, every authorization denied, a directory store under \
            .victor, loopback only. Prints "listening on http://HOST:PORT" once bound (--port 0 picks a \
            free port). SIGTERM or SIGINT: stop accepting, let in-flight requests finish within the \
            shutdown deadline, flush the audit file, exit 0. SIGHUP: reload the authorization file; an \
            invalid one keeps the running configuration. Exit status 2 on a bad configuration or a \
            non-loopback address without a tokens file. With --store (or store: in victor.yaml), \
            personas and the authorization configuration live in that PostgreSQL database, shared \
            with every instance using it: the schema is migrated on start, a database without a \
            configuration is seeded from the authorization file (none: everything denied), and \
            SIGHUP reads nothing from disk. The password comes from the URL or PGPASSWORD and is \
            never logged.
            """
    )

    @Option(help: "The configuration (victor.yaml) with its server section.")
    var config: String?

    @Option(help: "The address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one (overrides server.port).")
    var port: Int?

    @Option(
        help:
            "A shared PostgreSQL store, a postgres:// URL (overrides store; PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE fill gaps)."
    )
    var store: String?

    func run() async throws {
        let console = CommandOutput.current
        do {
            var configuration =
                try config.map { path throws(ServerError) in try ServerConfiguration.load(contentsOf: path) }
                ?? ServerConfiguration()
            if let host { configuration.listener.host = host }
            if let port {
                guard (0...65_535).contains(port) else {
                    throw CommandFailure(.usage, ["Error: --port must be from 0 to 65535"])
                }
                configuration.listener.port = port
            }
            if let store {
                do {
                    configuration.store = try PostgresStoreURL(store)
                } catch {
                    throw CommandFailure(.usage, ["error: --store: \(error.message)"])
                }
            }
            let logger = Logger(label: "victor.serve") { label in JSONLogHandler.standardError(label: label) }
            let server = try await VictorServer.make(
                configuration,
                logger: logger,
                accessLog: { line in console.line(line) },
                onListening: { address in console.line("listening on \(address)") }
            )
            try await server.serve()
        } catch let error as ServerError {
            // Document problems are `FILE:LINE:COLUMN: key.path: message` lines already.
            let lines = error.message.split(separator: "\n").map { singleLine(String($0)) }
            if error.code == .unavailable { throw CommandFailure(.storeFailure, lines.map { "error: " + $0 }) }
            let located = error.code == .invalidConfiguration
            throw CommandFailure(.invalidInput, located ? lines : lines.map { "error: " + $0 })
        }
    }
}
