import Logging
import Synchronization
import VictorAuthorization
import VictorPersonas
import VictorPostgres
import VictorRuntime

/// The PostgreSQL store several instances share: the pool, the configuration store, the
/// listener following other instances' changes, and the database generation this instance runs.
final class SharedStore: Sendable {
    let database: PostgresStore
    let configurations: PostgresConfigurationStore
    let installer: ConfigurationInstaller
    let listener: PostgresChangeListener
    let sessions: PostgresSessions
    /// Session budgets in the database, spent by every instance.
    let budget: SharedSessionBudget

    /// Makes the listener over `database`; ``start(seed:)`` migrates, seeds and reads.
    /// `onInstalled` runs after each configuration is installed, from here or another instance.
    init(
        database: PostgresStore,
        stalenessBound: Duration,
        runtime: AgentRuntime,
        logger: Logger,
        onInstalled: @escaping @Sendable () -> Void = {}
    ) {
        self.database = database
        configurations = PostgresConfigurationStore(database: database)
        sessions = PostgresSessions(database: database)
        budget = SharedSessionBudget(budgets: PostgresSessionBudgets(database: database))
        let installer = ConfigurationInstaller(runtime: runtime, logger: logger, onInstalled: onInstalled)
        self.installer = installer
        listener = PostgresChangeListener(
            database: database,
            stalenessBound: stalenessBound,
            handlers: PostgresChangeListener.Handlers(
                configuration: { stored in installer.install(stored.configuration, generation: stored.generation) },
                personas: { ids in
                    if let ids {
                        for id in ids { runtime.personas.invalidate(id) }
                    } else {
                        runtime.personas.invalidate()
                    }
                }
            )
        )
    }

    /// Migrates the schema, then installs the newest committed configuration; when none is
    /// committed, commits `seed` (the configured file's configuration) as generation 1, or keeps
    /// denying everything when there is no file.
    func start(seed: AuthorizationConfiguration?) async throws(PostgresStoreError) {
        _ = try await PostgresSchema.migrate(database)
        if try await configurations.latest() == nil, let seed {
            do {
                try await configurations.commit(seed, expectedGeneration: 0)
            } catch let error where error.code == .conflict {
                // Another instance seeded first; its configuration is read below.
            }
        }
        if let latest = try await configurations.latest() {
            installer.install(latest.configuration, generation: latest.generation)
        } else {
            installer.install(AuthorizationConfiguration(), generation: 0)
        }
    }
}

extension SharedStore {
    /// Records a session just opened here, so that every instance can serve it.
    /// - Throws: ``ServerError/Code/unavailable`` when the database cannot record it: the
    ///   session is not opened then.
    func record(_ session: AgentSession, context: JSONValue) async throws(ServerError) {
        let record = PostgresSessions.Record(
            id: session.id,
            user: session.facts.user,
            persona: session.facts.personaID,
            personaVersion: session.facts.personaVersion,
            context: context.canonicalJSON,
            startedAt: session.facts.startedAt,
            maxCalls: session.maxToolCalls
        )
        do {
            try await sessions.open(record)
        } catch {
            throw ServerError(.unavailable, "the session could not be recorded in the shared store: \(error.message)")
        }
    }

    /// The session `id` as another instance opened it, with the calls it has spent; `nil` when
    /// no instance did, or when none has used it within `idleTimeout`.
    /// - Throws: ``ServerError/Code/unavailable`` when the database cannot be read, and when the
    ///   stored session can no longer be opened here (its persona version is gone).
    func restore(_ id: String, idleTimeout: Duration, runtime: AgentRuntime) async throws(ServerError) -> AgentSession?
    {
        let found: (record: PostgresSessions.Record, used: Int)?
        do {
            found = try await sessions.session(id, idleTimeout: idleTimeout)
        } catch {
            throw ServerError(.unavailable, "the shared store could not be read: \(error.message)")
        }
        guard let (record, used) = found else { return nil }
        do {
            let tape = try JSONValue.tape(bytes: Array(record.context.utf8), source: "session \(id)")
            let context = try RequestFields.optionalObject(tape, at: 0, key: "context")?.context(at: "context") ?? [:]
            return try await runtime.restoreSession(
                SessionFacts(
                    id: record.id,
                    user: record.user,
                    personaID: record.persona,
                    personaVersion: record.personaVersion,
                    startedAt: record.startedAt
                ),
                context: context,
                used: used
            )
        } catch {
            throw ServerError(.unavailable, "session \(id) cannot be opened on this instance: \(error)")
        }
    }
}

/// The database's session budgets as the runtime asks for them.
struct SharedSessionBudget: SharedBudget {
    let budgets: PostgresSessionBudgets

    func spend(session: String) async throws -> SharedBudgetSpend {
        switch try await budgets.spend(session: session) {
        case .allowed(let used, _): .allowed(used: used)
        case .spent: .spent
        case .unknownSession: .unknownSession
        }
    }
}

/// Installs configurations into the authorizer in generation order, whether committed here or
/// by another instance; an older generation arriving late is ignored.
final class ConfigurationInstaller: Sendable {
    let runtime: AgentRuntime
    let logger: Logger
    /// The database generation in force; read without locking by readiness and metrics.
    let generation = Atomic<Int>(0)
    private let lock = Mutex(())
    private let lastDenialLog = Mutex<ContinuousClock.Instant?>(nil)

    let onInstalled: @Sendable () -> Void

    init(runtime: AgentRuntime, logger: Logger, onInstalled: @escaping @Sendable () -> Void) {
        self.runtime = runtime
        self.logger = logger
        self.onInstalled = onInstalled
    }

    /// Logs that a decision was refused as stale (at most once a second).
    func logDenial() {
        let now = ContinuousClock.now
        let due = lastDenialLog.withLock { last in
            guard last.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            last = now
            return true
        }
        if due { logger.warning("decisions denied: the authorization configuration may be stale") }
    }

    /// The configuration in force as JSON and its database generation, read together.
    func snapshot() -> (String, Int) {
        lock.withLock { _ in (runtime.authorizer.configuration.json(), generation.load(ordering: .relaxed)) }
    }

    /// Installs `configuration` as `generation` unless a newer one is in force.
    func install(_ configuration: AuthorizationConfiguration, generation: Int) {
        lock.withLock { _ in
            let current = self.generation.load(ordering: .relaxed)
            guard generation > current || (generation == 0 && current == 0) else { return }
            do {
                try runtime.authorizer.replaceConfiguration(configuration)
                self.generation.store(generation, ordering: .relaxed)
                logger.info("authorization configuration installed", metadata: ["generation": "\(generation)"])
                onInstalled()
            } catch {
                logger.error(
                    "a committed authorization configuration could not be installed",
                    metadata: ["generation": "\(generation)", "error": "\(error)"]
                )
            }
        }
    }
}

extension VictorServer {
    /// Refuses to decide once the configuration may be stale: with a shared store, after the
    /// listener has lost the database for longer than the staleness bound (or before it first
    /// read it). A lock round-trip when current; the clock is read only when it is not.
    /// - Throws: ``ServerError/Code/unavailable`` with the reason.
    func failClosed() throws(ServerError) {
        guard let shared else { return }
        let freshness = shared.listener.freshness
        guard !freshness.isReady, let reason = freshness.denial(at: .now) else { return }
        shared.installer.logDenial()
        throw ServerError(.unavailable, "denied: \(reason)")
    }
}
