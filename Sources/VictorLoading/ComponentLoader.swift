import Logging
import Synchronization
public import VictorEvents
import VictorLocks
public import VictorTelemetry

/// Registers components with their factories and dependencies, constructs each on demand
/// (or ahead, by strategy), and keeps at most ``LoaderConfiguration/maxCacheSize`` instances,
/// evicting the least recently used.
///
/// Guarantees:
/// - Dependencies load before their dependents, in declaration order; cycles are rejected at
///   registration.
/// - Concurrent first accesses run a factory once and all receive the same instance.
/// - A throwing factory caches nothing: every waiter receives the error and the next access
///   retries.
/// - A caller always receives an instance, even if the cache evicts it the next moment.
/// - A cached access, by typed key or by name, takes no lock and never waits for a writer: it
///   reads the instance the loader published for lock-free readers (see
///   ``get(_:)-(ComponentKey<T>)``).
///   The recency of such reads is approximate (the least recently used component read since
///   its last move gets a second chance before eviction); the cache bound is exact.
///
/// ```swift
/// let loader = ComponentLoader()
/// let db = try loader.register("db") { Database() }
/// let api = try loader.register("api", dependencies: ["db"]) { r in try API(db: r.get(db)) }
/// let client = try await loader.get(api)   // builds db, then api
/// ```
public final class ComponentLoader: Sendable {
    private static let nextID = Atomic<UInt32>(1)

    @usableFromInline let id: UInt32
    let state: Locked<LoaderState>
    /// Loaded instances published for reads that take no lock.
    @usableFromInline let reads: ReadTable
    /// Slot indices by component name, read without the lock.
    let names: NameIndex
    let heapProbe: HeapProbe?
    let bus: EventBus?
    let instruments: LoaderInstruments
    let logger: Logger

    /// Creates a loader.
    /// - Parameters:
    ///   - configuration: strategy, cache limit, adaptive threshold and heap tracking.
    ///   - eventBus: where lifecycle events are published, if anywhere.
    ///   - telemetry: the logger (failed background preloads are logged) and the naming of the
    ///     loader's instruments: `PREFIX_loader_loads_total`, `PREFIX_loader_load_failures_total`,
    ///     `PREFIX_loader_evictions_total` and the `PREFIX_loader_load_duration` timer.
    /// - Precondition: `maxCacheSize` and `adaptiveThreshold` are at least 1.
    public init(
        configuration: LoaderConfiguration = .init(),
        eventBus: EventBus? = nil,
        telemetry: Telemetry = .standard
    ) {
        precondition(configuration.maxCacheSize >= 1, "LoaderConfiguration.maxCacheSize must be at least 1")
        precondition(configuration.adaptiveThreshold >= 1, "LoaderConfiguration.adaptiveThreshold must be at least 1")
        id = Self.nextID.add(1, ordering: .relaxed).newValue
        let reads = ReadTable()
        self.reads = reads
        let names = NameIndex()
        self.names = names
        state = Locked(LoaderState(configuration: configuration, reads: reads, names: names))
        heapProbe = configuration.heapProbe
        bus = eventBus
        instruments = LoaderInstruments(telemetry)
        logger = telemetry.logger
    }

    // MARK: Configuration

    /// The loading strategy; changing it affects loads from then on.
    public var strategy: LoadingStrategy {
        get { state.withLock { $0.strategy } }
        set { state.withLock { $0.strategy = newValue } }
    }

    /// The most instances kept loaded.
    public var maxCacheSize: Int {
        state.withLock { $0.maxCacheSize }
    }

    /// Changes the cache limit, evicting least recently used instances at once if needed.
    /// - Throws: ``LoaderError/Code/invalidArgument`` when `size` is below 1 or below the number
    ///   of pinned components.
    public func setMaxCacheSize(_ size: Int) throws(LoaderError) {
        let evicted = try state.withLock { state throws(LoaderError) -> [String] in
            guard size >= 1, size >= state.pinnedCount else {
                throw LoaderError(
                    .invalidArgument,
                    "cache size \(size) is below 1 or below the \(state.pinnedCount) pinned components",
                    component: ""
                )
            }
            state.maxCacheSize = size
            let evicted = state.evictOverflow()
            state.assertInvariants("setting the cache size to \(size)")
            return evicted
        }
        announceEvictions(evicted)
    }

    /// Accesses after which the adaptive strategy preloads a component's dependents.
    public var adaptiveThreshold: Int {
        state.withLock { $0.adaptiveThreshold }
    }

    /// Changes the adaptive threshold.
    /// - Throws: ``LoaderError/Code/invalidArgument`` when `threshold` is below 1.
    public func setAdaptiveThreshold(_ threshold: Int) throws(LoaderError) {
        guard threshold >= 1 else {
            throw LoaderError(.invalidArgument, "adaptive threshold \(threshold) is below 1", component: "")
        }
        state.withLock { $0.adaptiveThreshold = threshold }
    }

    /// Reserves room for `count` registrations, so registering many components doesn't regrow storage.
    public func reserveCapacity(_ count: Int) {
        state.withLock {
            $0.slots.reserveCapacity(count)
            $0.names.reserve(count)
            $0.registrationOrder.reserveCapacity(count)
        }
    }

    // MARK: Registration

    /// Registers a component built by a synchronous factory.
    /// - Parameters:
    ///   - name: the component's unique name.
    ///   - type: the value type, usually inferred from `factory`.
    ///   - dependencies: names of components to load first; they may be registered later.
    ///   - pinned: whether the component is exempt from eviction.
    ///   - factory: builds the instance.
    /// - Returns: the typed key for fast access.
    /// - Throws: ``LoaderError`` when the name is taken, the dependencies close a cycle, or
    ///   pinning would exceed the cache size.
    /// - Complexity: O(1) without dependencies; O(reachable dependencies) with them.
    @discardableResult
    public func register<T: Sendable>(
        _ name: String,
        as type: T.Type = T.self,
        dependencies: [String] = [],
        pinned: Bool = false,
        factory: @escaping @Sendable () throws -> T
    ) throws(LoaderError) -> ComponentKey<T> {
        try register(name, dependencies: dependencies, pinned: pinned, Factory<T>(.plain(factory)))
    }

    /// Registers a component built by an asynchronous factory.
    @discardableResult
    public func register<T: Sendable>(
        _ name: String,
        as type: T.Type = T.self,
        dependencies: [String] = [],
        pinned: Bool = false,
        factory: @escaping @Sendable () async throws -> T
    ) throws(LoaderError) -> ComponentKey<T> {
        try register(name, dependencies: dependencies, pinned: pinned, Factory<T>(.plainAsync(factory)))
    }

    /// Registers a component whose synchronous factory reads its dependencies from a resolver.
    @discardableResult
    public func register<T: Sendable>(
        _ name: String,
        as type: T.Type = T.self,
        dependencies: [String] = [],
        pinned: Bool = false,
        factory: @escaping @Sendable (ComponentResolver) throws -> T
    ) throws(LoaderError) -> ComponentKey<T> {
        try register(name, dependencies: dependencies, pinned: pinned, Factory<T>(.resolving(factory)))
    }

    /// Registers a component whose asynchronous factory reads its dependencies from a resolver.
    @discardableResult
    public func register<T: Sendable>(
        _ name: String,
        as type: T.Type = T.self,
        dependencies: [String] = [],
        pinned: Bool = false,
        factory: @escaping @Sendable (ComponentResolver) async throws -> T
    ) throws(LoaderError) -> ComponentKey<T> {
        try register(name, dependencies: dependencies, pinned: pinned, Factory<T>(.resolvingAsync(factory)))
    }

    func register<T>(
        _ name: String,
        dependencies: [String],
        pinned: Bool,
        _ factory: Factory<T>
    ) throws(LoaderError) -> ComponentKey<T> {
        let index = try state.withLock { state throws(LoaderError) in
            try state.register(name: name, factory: factory, dependencies: dependencies, pinned: pinned)
        }
        if let bus, bus.hasSubscribers(for: ComponentRegistered.self) {
            bus.publish(ComponentRegistered(component: name, dependencies: dependencies))
        }
        return ComponentKey(name: name, index: index, loaderID: id)
    }

    /// The typed key of the component registered as `name`.
    /// - Throws: ``LoaderError/Code/notRegistered`` or ``LoaderError/Code/typeMismatch``.
    public func key<T: Sendable>(for name: String, as type: T.Type = T.self) throws(LoaderError) -> ComponentKey<T> {
        let (index, valueType) = try registeredIndex(name)
        guard valueType == T.self else {
            throw LoaderError(.typeMismatch, "'\(name)' holds \(valueType), not \(T.self)", component: name)
        }
        return ComponentKey(name: name, index: index, loaderID: id)
    }

    // MARK: Access

    /// The component's instance, loading it (and its dependencies) first if needed.
    ///
    /// A cached access takes no lock and never waits for a writer: it announces itself in the
    /// component's entry of the loader's read table (one atomic add), copies the published
    /// instance's value, and leaves (one atomic subtract); a writer releases a withdrawn
    /// instance only once no reader is inside its entry. Such an access counts as a hit but
    /// does not move the component in the recency list at once: the least recently used
    /// component read since its last move gets a second chance before eviction, so recency is
    /// approximate among lock-free reads and the cache bound stays exact. Under the adaptive
    /// strategy, accesses before a component's dependents are preloaded take the lock. This
    /// shell is inlined into the caller so the value is read with no generic indirection.
    /// - Throws: ``LoaderError`` when the component or a dependency cannot be built.
    @inlinable
    public func get<T>(_ key: ComponentKey<T>) async throws(LoaderError) -> T {
        if key.loaderID == id, let value = reads.value(key.index, as: T.self) { return value }
        if let cached = cachedInstance(key.index, loaderID: key.loaderID) {
            return unsafeDowncast(cached, to: Instance<T>.self).value
        }
        let loaded = try await instance(key.index, loaderID: key.loaderID, name: key.name)
        return unsafeDowncast(loaded, to: Instance<T>.self).value
    }

    /// The instance of the component registered as `name`, loading it first if needed.
    ///
    /// A cached access takes no lock, like one by typed key: the name is found in the loader's
    /// name index, which readers share with writers without waiting, and the instance is read
    /// from the read table. Names are compared as `String` compares them (canonical equivalence).
    @inlinable
    public func get(_ name: String) async throws(LoaderError) -> any Sendable {
        // Inlined into the caller, a cached access allocates no asynchronous frame.
        if let cached = cachedValue(name) { return cached }
        return try await uncachedValue(name)
    }

    /// The value of the component named `name` when an access needs no further work, else `nil`.
    @usableFromInline
    func cachedValue(_ name: String) -> (any Sendable)? {
        guard let index = names.index(of: name) else { return nil }
        return reads.anyValue(index) ?? cachedInstance(index, loaderID: id)?.anyValue
    }

    /// A get by name past the cache: the general path.
    @usableFromInline
    func uncachedValue(_ name: String) async throws(LoaderError) -> any Sendable {
        let (index, _) = try registeredIndex(name)
        return try await instance(index, loaderID: id, name: name).anyValue
    }

    /// The instance of the component registered as `name`, typed as `T`.
    /// - Throws: ``LoaderError/Code/typeMismatch`` when the component holds another type.
    public func get<T: Sendable>(_ name: String, as type: T.Type) async throws(LoaderError) -> T {
        let (index, valueType) = try registeredIndex(name)
        guard valueType == T.self else {
            throw LoaderError(.typeMismatch, "'\(name)' holds \(valueType), not \(T.self)", component: name)
        }
        return unsafeDowncast(try await instance(index, loaderID: id, name: name), to: Instance<T>.self).value
    }

    /// The instance when it is loaded and this access needs no further work (no adaptive
    /// preloading), recorded as a hit; `nil` sends the caller down the general path.
    @usableFromInline
    func cachedInstance(_ index: Int32, loaderID: UInt32) -> AnyInstance? {
        guard loaderID == id else { return nil }
        return state.withLock { $0.quietHit(index) }
    }

    @usableFromInline
    func instance(_ index: Int32, loaderID: UInt32, name: String) async throws(LoaderError) -> AnyInstance {
        guard loaderID == id else {
            throw LoaderError(.foreignKey, "the key for '\(name)' belongs to another loader", component: name)
        }
        if let (instance, trigger) = state.withLock({ $0.hit(index) }) {
            if trigger { await preloadDependents(of: index) }
            return instance
        }
        return try await load(index, countsAsAccess: true, requiredBy: nil)
    }

    func registeredIndex(_ name: String) throws(LoaderError) -> (Int32, Any.Type) {
        let found = state.withLock { state -> (Int32, Any.Type)? in
            guard let index = state.names.index(of: name), let factory = state.slots[Int(index)].factory else {
                return nil
            }
            return (index, factory.valueType)
        }
        guard let found else {
            throw LoaderError(.notRegistered, "'\(name)' is not registered", component: name)
        }
        return found
    }
}
