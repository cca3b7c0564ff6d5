import Logging
import PostgresNIO
import VictorLocks

/// Follows the changes other instances commit: listens on ``PostgresPersonaStore/channel`` and
/// hands each committed configuration and persona change to the instance.
///
/// After any loss of its connection it reconnects with exponential backoff, listens again, then
/// re-reads the latest configuration and reports every persona as possibly changed, since notices
/// sent meanwhile are lost. Until then ``freshness`` is not ready, and once the staleness bound
/// has passed, ``denial()`` tells callers to fail closed.
public final class PostgresChangeListener: Sendable {
    /// What the instance does with a change.
    public struct Handlers: Sendable {
        /// Installs a committed configuration.
        public var configuration: @Sendable (PostgresConfigurationStore.Stored) -> Void
        /// Forgets cached personas: the ids named, or all of them when `nil`.
        public var personas: @Sendable ([String]?) -> Void

        /// Creates handlers.
        /// - Parameters:
        ///   - configuration: installs a committed configuration.
        ///   - personas: forgets cached personas (all of them when given `nil`).
        public init(
            configuration: @escaping @Sendable (PostgresConfigurationStore.Stored) -> Void,
            personas: @escaping @Sendable ([String]?) -> Void
        ) {
            self.configuration = configuration
            self.personas = personas
        }
    }

    /// Backoff between reconnection attempts.
    public struct Backoff: Sendable, Hashable {
        /// The first wait.
        public var initial: Duration
        /// The longest wait.
        public var maximum: Duration

        /// Creates a backoff.
        /// - Parameters:
        ///   - initial: the first wait; each failure doubles it.
        ///   - maximum: the longest wait.
        public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2)) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    let database: PostgresStore
    let handlers: Handlers
    let backoff: Backoff
    private let state: Locked<ConfigurationFreshness>

    /// Creates a listener; ``run()`` starts it.
    /// - Parameters:
    ///   - database: the store's pool; the listener holds one of its connections.
    ///   - stalenessBound: how long after losing the database decisions continue.
    ///   - backoff: the waits between reconnection attempts.
    ///   - handlers: what to do with each change.
    public init(
        database: PostgresStore,
        stalenessBound: Duration = .seconds(5),
        backoff: Backoff = Backoff(),
        handlers: Handlers
    ) {
        self.database = database
        self.handlers = handlers
        self.backoff = backoff
        state = Locked(ConfigurationFreshness(stalenessBound: stalenessBound))
    }

    /// What the instance knows about how current it is.
    public var freshness: ConfigurationFreshness { state.withLock { $0 } }

    /// Why decisions must be denied now, or `nil` when they may go ahead.
    public func denial() -> String? {
        let now = ContinuousClock.now
        return state.withLock { $0.denial(at: now) }
    }

    /// Listens until cancelled, reconnecting after every loss.
    public func run() async {
        var wait = backoff.initial
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: PostgresPersonaStore.channel) { notifications in
                        // Listening first, then reading: a change committed in between is both
                        // read and notified, never neither.
                        try await catchUp()
                        wait = backoff.initial
                        for try await notification in notifications {
                            try await handle(notification.payload)
                        }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    database.logger.warning(
                        "lost the change notices of \(database.url); reconnecting",
                        metadata: ["error": "\(PostgresStoreError.describe(error))"]
                    )
                }
            }
            let now = ContinuousClock.now
            state.withLock { $0.lost(at: now) }
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, backoff.maximum)
        }
    }

    private func catchUp() async throws {
        let store = PostgresConfigurationStore(database: database)
        let latest = try await store.latest()
        if let latest { handlers.configuration(latest) }
        handlers.personas(nil)
        state.withLock { $0.caughtUp(generation: latest?.generation ?? 0) }
    }

    private func handle(_ payload: String) async throws {
        if payload.hasPrefix("persona:") {
            handlers.personas([String(payload.dropFirst("persona:".count))])
        } else if payload.hasPrefix("configuration:"), let generation = Int(payload.dropFirst("configuration:".count)) {
            guard generation > (state.withLock { $0.generation } ?? 0) else { return }
            if let latest = try await PostgresConfigurationStore(database: database).latest() {
                handlers.configuration(latest)
                state.withLock { $0.applied(generation: latest.generation) }
            }
        }
    }
}
