public import Foundation
import Metrics
import VictorDocuments
public import VictorEvents
import VictorLocks
public import VictorTelemetry

/// Loads, creates, adapts, merges, suggests and renders personas over a ``PersonaStore``.
///
/// Guarantees:
/// - A cached load and a cached adaptation take no lock, never wait for a writer and never
///   suspend (``cachedPersona(_:)`` and ``cachedAdaptation(_:to:)`` offer them synchronously): they
///   read an immutable snapshot of the cache that every change replaces whole. The adaptation
///   cache is keyed on persona id, version and canonical context, so a persona changed through the
///   manager is never served stale. Call ``invalidate(_:)`` after changing the store behind its back.
/// - Every write carries the version it was based on: a stale update is a
///   ``PersonaError/Code/conflict``, never a silent overwrite.
/// - With no store, the manager works in memory over the built-in ``PersonaLibrary``.
/// - Names are exact: every id a call takes is normalized to NFC first, and personas are stored
///   with their strings normalized (``Persona/normalized()``).
///
/// ```swift
/// let manager = PersonaManager(store: DirectoryPersonaStore(directory: ".victor/personas"))
/// let adapted = try await manager.adapt("security_auditor", to: ["task_type": "security_review", "urgency": "high"])
/// print(try manager.systemPrompt(for: adapted))
/// ```
public final class PersonaManager: Sendable {
    struct AdaptationKey: Hashable {
        let id: String
        let version: Int
        let context: PersonaContext
    }

    struct State {
        var personas: [String: Persona] = [:]
        /// Cached adaptations of cached personas only, each with its persona's ordinal.
        var adaptations: [AdaptationKey: (ordinal: Int, adapted: AdaptedPersona)] = [:]
        var statistics = PersonaManagerStatistics(adaptationHits: 0, adaptationMisses: 0, merges: 0, storeLoads: 0)
        /// How many of ``adaptations`` the published ``PersonaReads`` holds.
        var publishedAdaptations = 0
        /// For each cached persona, a number no other persona cached under any id, before or
        /// after, has had: renewed whenever the persona cached under an id changes.
        var ordinals: [String: Int] = [:]
        var nextOrdinal = 0
        /// Counts what was forgotten: a load from the store that began before a persona was
        /// forgotten or replaced may have read what replaced it, so it caches nothing.
        var forgettings: UInt64 = 0

        /// Caches `persona` under `id`: nothing changes when it is cached as it is already (two
        /// loads of one persona racing), else what was cached goes with its adaptations and
        /// `persona` gets a new ordinal.
        mutating func cache(_ persona: Persona, as id: String) {
            if personas[id] == persona { return }
            forget(id)
            personas[id] = persona
            ordinals[id] = nextOrdinal
            nextOrdinal += 1
        }

        /// What breaks the cache's invariants, for tests: every adaptation is of a cached
        /// persona in its cached version, under its current ordinal; every cached persona has an
        /// ordinal, below ``nextOrdinal`` and its own.
        var invariantViolations: [String] {
            var violations: [String] = []
            if Set(personas.keys) != Set(ordinals.keys) { violations.append("personas and ordinals differ") }
            if Set(ordinals.values).count != ordinals.count || ordinals.values.contains(where: { $0 >= nextOrdinal }) {
                violations.append("ordinals are not distinct and below \(nextOrdinal)")
            }
            for (key, value) in adaptations
            where personas[key.id]?.version != key.version || ordinals[key.id] != value.ordinal {
                violations.append("adaptation of \(key.id) v\(key.version) is not of the cached persona")
            }
            return violations
        }

        /// Forgets the persona cached under `id` and its adaptations.
        mutating func forget(_ id: String) {
            forgettings &+= 1
            personas[id] = nil
            ordinals[id] = nil
            adaptations = adaptations.filter { $0.key.id != id }
        }
    }

    /// The store personas are kept in.
    public let store: any PersonaStore
    /// The configuration.
    public let configuration: PersonaManagerConfiguration
    /// The authoritative cache; every change to it is published to ``reads`` under the lock.
    let state = Locked(State())
    /// The cache as lock-free reads see it.
    let reads = Published(PersonaReads.empty)
    /// Adaptation hits served by lock-free reads, counted per thread.
    let lockFreeAdaptationHits = StripedCounter()
    /// The adaptation hits last pushed to swift-metrics.
    let reportedAdaptationHits = Locked(0)
    /// ``FastHash/basis``, kept here so a cached read's hash reads no lazy global.
    let hashBasis = FastHash.basis
    let bus: EventBus?
    let clock: @Sendable () -> Date
    let metrics: PersonaMetrics

    /// Creates a manager.
    /// - Parameters:
    ///   - store: where personas are kept; an empty ``InMemoryPersonaStore`` when `nil`.
    ///   - configuration: rules, built-in library, cache limit, suggestion threshold.
    ///   - eventBus: where `persona.*` events are published, if anywhere.
    ///   - clock: the time stamped on new versions.
    ///   - telemetry: the naming of the manager's instruments: `PREFIX_persona_adaptation_cache_hits_total`,
    ///     `PREFIX_persona_adaptation_cache_misses_total`, `PREFIX_persona_merges_total` and the
    ///     `PREFIX_persona_load_duration` timer (loads from the store). Cache hits reach their
    ///     counter in batches (see ``flushMetrics()``).
    public init(
        store: (any PersonaStore)? = nil,
        configuration: PersonaManagerConfiguration = .init(),
        eventBus: EventBus? = nil,
        clock: @escaping @Sendable () -> Date = { Date() },
        telemetry: Telemetry = .standard
    ) {
        self.store = store ?? InMemoryPersonaStore()
        self.configuration = configuration
        self.bus = eventBus
        self.clock = clock
        metrics = PersonaMetrics(telemetry)
    }

    func publish<E: VictorEvent>(_ make: @autoclosure () -> E) {
        if let bus, bus.hasSubscribers(for: E.self) { bus.publish(make()) }
    }

    func builtIn(_ id: String) -> Persona? {
        configuration.includesBuiltInLibrary ? PersonaLibrary.persona(id: id) : nil
    }

    // MARK: Loading

    /// The persona as the manager has it cached, or `nil` when it is not cached: never touches the
    /// store and never suspends, for hot paths that can fall back to ``load(_:)``.
    /// - Complexity: O(1): a hash lookup without a lock (two when `id` is not ASCII).
    public func cachedPersona(_ id: String) -> Persona? {
        var id = id
        let (hash, ascii) = id.withUTF8 { FastHash.wordHashReportingASCII($0, basis: hashBasis) }
        if let cached = reads.read({ $0.persona(id, hash: hash) }) { return cached }
        if ascii { return nil }
        let normalized = ExactText.normalized(id)
        return reads.read { $0.persona(normalized, hash: FastHash.wordHash(normalized)) }
    }

    /// The current version of the persona: from the cache, else the store, else the built-in library.
    ///
    /// A cached persona is returned without suspending, as ``cachedPersona(_:)`` returns it, and
    /// on the caller's executor (`nonisolated(nonsending)`): a cached load makes no executor hop.
    /// - Throws: ``PersonaError/Code/notFound``, or the store's error.
    /// - Complexity: O(1) when cached.
    @inlinable
    nonisolated(nonsending) public func load(_ id: String) async throws(PersonaError) -> Persona {
        // Inlined into the caller, a cached load allocates no asynchronous frame.
        if let cached = cachedPersona(id) { return cached }
        return try await loadFromStore(id)
    }

    /// ``load(_:)`` past the cache: the store, else the built-in library; cached and published.
    @usableFromInline
    nonisolated(nonsending) func loadFromStore(_ id: String) async throws(PersonaError) -> Persona {
        let id = ExactText.normalized(id)
        let start = MonotonicClock.nanoseconds()
        // A save or an invalidation racing this read may make what it reads stale; then it is
        // returned (it was current when read) but not cached over what replaced it.
        let forgettings = state.withLock { $0.forgettings }
        guard let persona = try await store.persona(id: id) ?? builtIn(id) else {
            throw PersonaError(.notFound, "no persona \(ExactText.quotedForDisplay(id))", personaID: id)
        }
        metrics.loadDuration.recordNanoseconds(MonotonicClock.nanoseconds(since: start))
        state.withLock {
            $0.statistics.storeLoads += 1
            guard $0.forgettings == forgettings else { return }
            if let cached = $0.personas[id], cached.version > persona.version { return }
            $0.cache(persona, as: id)
            publish(&$0, adaptations: false)
        }
        publish(PersonaLoaded(personaID: id, version: persona.version))
        return persona
    }

    /// A specific stored version of the persona.
    /// - Throws: ``PersonaError/Code/notFound`` when the persona or the version does not exist.
    public func load(_ id: String, version: Int) async throws(PersonaError) -> Persona {
        let id = ExactText.normalized(id)
        if let persona = try await store.persona(id: id, version: version) { return persona }
        if try await store.persona(id: id) == nil, let builtIn = builtIn(id), builtIn.version == version {
            return builtIn
        }
        throw PersonaError(
            .notFound,
            "no version \(version) of persona \(ExactText.quotedForDisplay(id))",
            personaID: id
        )
    }

    /// Every version of the persona, oldest first.
    /// - Throws: ``PersonaError/Code/notFound`` when there is no such persona.
    public func history(_ id: String) async throws(PersonaError) -> [Persona] {
        let id = ExactText.normalized(id)
        let stored = try await store.history(id: id)
        if !stored.isEmpty { return stored }
        if let builtIn = builtIn(id) { return [builtIn] }
        throw PersonaError(.notFound, "no persona \(ExactText.quotedForDisplay(id))", personaID: id)
    }

    /// The current version of every persona, stored and built-in, ordered by id.
    /// - Throws: the first stored persona that cannot be read; ``listing()`` lists the others.
    public func list() async throws(PersonaError) -> [Persona] {
        let listing = try await listing()
        if let problem = listing.problems.first { throw problem }
        return listing.personas
    }

    /// The current version of every readable persona, stored and built-in, ordered by id, and a
    /// problem for each stored persona that cannot be read. A built-in persona whose stored
    /// version is unreadable is left out, not shown in its place.
    public func listing() async throws(PersonaError) -> PersonaListing {
        let stored = try await store.listing()
        var byID: [String: Persona] = [:]
        if configuration.includesBuiltInLibrary {
            for persona in PersonaLibrary.all { byID[persona.id] = persona }
        }
        for problem in stored.problems {
            if let id = problem.personaID { byID[id] = nil }
        }
        for persona in stored.personas { byID[persona.id] = persona }
        return PersonaListing(personas: byID.values.sorted { $0.id < $1.id }, problems: stored.problems)
    }

    /// Whether the persona exists in the store (`false` for a built-in persona never saved).
    public func isStored(_ id: String) async throws(PersonaError) -> Bool {
        try await store.persona(id: ExactText.normalized(id)) != nil
    }

    /// Forgets cached personas and adaptations: of `id`, or all when `nil`. Needed only after the
    /// store was changed other than through this manager.
    public func invalidate(_ id: String? = nil) {
        let id = id.map(ExactText.normalized)
        state.withLock { state in
            if let id {
                state.forget(id)
            } else {
                state.forgettings &+= 1
                state.personas.removeAll()
                state.ordinals.removeAll()
                state.adaptations.removeAll()
            }
            publish(&state, adaptations: true)
        }
    }

    /// Publishes the cache as `state` holds it to lock-free readers: the personas, and the
    /// adaptations too when `adaptations` (otherwise the published ones stay). Runs under the
    /// lock, so publications happen in the order of the changes. O(cached personas).
    func publish(_ state: inout State, adaptations: Bool) {
        if adaptations { state.publishedAdaptations = state.adaptations.count }
        let state = state
        reads.replace { PersonaReads.personas(of: state, adaptations: adaptations, old: $0) }
    }

    /// Publishes the adaptations of `state` when the unpublished ones outnumber half the
    /// published ones: each rebuild at least 1.5 times the size of the last, so O(1) amortized
    /// per adaptation. Unpublished ones are found under the lock meanwhile.
    func publishAdaptations(_ state: inout State) {
        guard
            state.adaptations.count > state.publishedAdaptations + state.publishedAdaptations / 2
                || state.adaptations.count < state.publishedAdaptations
        else { return }
        state.publishedAdaptations = state.adaptations.count
        let state = state
        reads.replace { PersonaReads.adaptations(of: state, old: $0) }
    }

    /// The manager's counters.
    public var statistics: PersonaManagerStatistics {
        var statistics = state.withLock { $0.statistics }
        statistics.adaptationHits += lockFreeAdaptationHits.total
        return statistics
    }

    /// How many cached adaptations accumulate on a thread's stripe between pushes to swift-metrics.
    static let metricsBatch = 1024

    /// Pushes the adaptation hits not yet reported to swift-metrics.
    ///
    /// A cached adaptation counts in the manager's own per-thread stripes and pushes every 1,024
    /// hits on a stripe, so a hit never calls into the metrics backend (whose one counter every
    /// core would write); a scrape calls this first to report exact totals.
    public func flushMetrics() {
        let delta = reportedAdaptationHits.withLock { reported in
            // Read under the lock, so two flushes at once cannot report an older total last.
            let total = statistics.adaptationHits
            defer { reported = total }
            return total &- reported
        }
        if delta > 0 { metrics.adaptationHits.increment(by: delta) }
    }

    // MARK: Writing

    /// Stores a new persona.
    /// - Returns: the persona as stored (its version kept, at least 1).
    /// - Throws: ``PersonaError/Code/alreadyExists`` when the id is taken (also by a built-in
    ///   persona), ``PersonaError/Code/invalidValue`` when invalid, or the store's error.
    @discardableResult
    public func create(_ persona: Persona) async throws(PersonaError) -> Persona {
        let persona = persona.normalized()
        let existing = try await store.persona(id: persona.id)
        let exists = PersonaError(
            .alreadyExists,
            "a persona \(ExactText.quotedForDisplay(persona.id)) already exists",
            personaID: persona.id
        )
        if builtIn(persona.id) != nil || existing != nil { throw exists }
        let stored: Persona
        do {
            stored = try await store.save(persona, expectedVersion: 0)
        } catch  where error.code == .conflict {
            throw exists
        }
        didStore(stored)
        publish(PersonaCreated(personaID: stored.id, version: stored.version))
        return stored
    }

    /// Stores `persona` as the next version of the persona it was read as.
    ///
    /// `persona.version` must be the version the caller read; the stored persona gets that version
    /// plus one and the current time as `updatedAt`.
    /// - Throws: ``PersonaError/Code/conflict`` when the persona has changed since,
    ///   ``PersonaError/Code/notFound`` when it does not exist.
    @discardableResult
    public func update(_ persona: Persona) async throws(PersonaError) -> Persona {
        try await update(persona, rating: nil)
    }

    func update(_ persona: Persona, rating: Double?) async throws(PersonaError) -> Persona {
        let persona = persona.normalized()
        let id = ExactText.quotedForDisplay(persona.id)
        let storedVersion = try await store.persona(id: persona.id)?.version ?? 0
        let current = storedVersion > 0 ? storedVersion : builtIn(persona.id)?.version
        guard let current else { throw PersonaError(.notFound, "no persona \(id)", personaID: persona.id) }
        guard current == persona.version else {
            throw PersonaError(
                .conflict,
                "\(id) is at version \(current), the update was based on version \(persona.version)",
                personaID: persona.id
            )
        }
        try Self.checkCanIncrease(persona)
        var next = persona
        next.version = persona.version + 1
        next.updatedAt = max(PersonaTimestamp.normalized(clock()), persona.createdAt)
        let stored = try await store.save(next, expectedVersion: storedVersion)
        didStore(stored)
        publish(PersonaUpdated(personaID: stored.id, version: stored.version, rating: rating))
        return stored
    }

    /// Deletes a stored persona and its history.
    /// - Parameters:
    ///   - id: the persona's id.
    ///   - expectedVersion: the version the caller read; `nil` deletes whatever version is stored.
    /// - Throws: ``PersonaError/Code/notFound`` (also for a built-in persona never saved),
    ///   ``PersonaError/Code/conflict``.
    public func delete(_ id: String, expectedVersion: Int? = nil) async throws(PersonaError) {
        let id = ExactText.normalized(id)
        let expected: Int
        if let expectedVersion {
            expected = expectedVersion
        } else {
            guard let stored = try await store.persona(id: id) else {
                throw PersonaError(.notFound, "no stored persona \(ExactText.quotedForDisplay(id))", personaID: id)
            }
            expected = stored.version
        }
        try await store.delete(id: id, expectedVersion: expected)
        invalidate(id)
        publish(PersonaDeleted(personaID: id))
    }

    /// Checks that the persona's version can be followed by another.
    /// - Throws: ``PersonaError/Code/invalidArgument`` at the largest version an `Int` holds.
    static func checkCanIncrease(_ persona: Persona) throws(PersonaError) {
        guard persona.version < Int.max else {
            throw PersonaError(
                .invalidArgument,
                "\(ExactText.quotedForDisplay(persona.id)) is at version \(persona.version), the largest there is, "
                    + "so it cannot change any more; store it under a new id",
                location: DocumentLocation(keyPath: "version"),
                personaID: persona.id
            )
        }
    }

    /// Caches a persona just stored. A store's versions of a persona only increase, so one older
    /// than the version cached comes from a save that finished before a later one did its
    /// caching: the later one stays.
    func didStore(_ persona: Persona) {
        state.withLock { state in
            if let cached = state.personas[persona.id], cached.version > persona.version { return }
            state.cache(persona, as: persona.id)
            publish(&state, adaptations: true)
        }
    }
}

struct PersonaMetrics: Sendable {
    let adaptationHits: Counter
    let adaptationMisses: Counter
    let merges: Counter
    let loadDuration: Metrics.Timer

    init(_ telemetry: Telemetry) {
        adaptationHits = telemetry.counter("persona_adaptation_cache_hits_total")
        adaptationMisses = telemetry.counter("persona_adaptation_cache_misses_total")
        merges = telemetry.counter("persona_merges_total")
        loadDuration = telemetry.timer("persona_load_duration")
    }
}
