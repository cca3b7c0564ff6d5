import Histogram
import Metrics
import Synchronization
import VictorEvents
import VictorLocks

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
/// - A cached access is a lock round-trip, an array read and an O(1) recency update.
///
/// ```swift
/// let loader = ComponentLoader()
/// let db = try loader.register("db") { Database() }
/// let api = try loader.register("api", dependencies: ["db"]) { r in try API(db: r.get(db)) }
/// let client = try await loader.get(api)   // builds db, then api
/// ```
public final class ComponentLoader: Sendable {
    private static let nextID = Atomic<UInt32>(1)

    let id: UInt32
    let state: Locked<LoaderState>
    private let heapProbe: HeapProbe?
    private let bus: EventBus?
    private let metrics: LoaderMetrics

    /// Creates a loader.
    /// - Parameters:
    ///   - configuration: strategy, cache limit, adaptive threshold and heap tracking.
    ///   - eventBus: where lifecycle events are published, if anywhere.
    /// - Precondition: `maxCacheSize` and `adaptiveThreshold` are at least 1.
    public init(configuration: LoaderConfiguration = .init(), eventBus: EventBus? = nil) {
        precondition(configuration.maxCacheSize >= 1, "LoaderConfiguration.maxCacheSize must be at least 1")
        precondition(configuration.adaptiveThreshold >= 1, "LoaderConfiguration.adaptiveThreshold must be at least 1")
        id = Self.nextID.add(1, ordering: .relaxed).newValue
        state = Locked(LoaderState(configuration: configuration))
        heapProbe = configuration.heapProbe
        bus = eventBus
        metrics = LoaderMetrics()
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
            $0.indexByName.reserveCapacity(count)
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

    private func register<T>(
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
    /// A cached access is one lock round-trip, an array read and an O(1) recency update; this
    /// shell is inlined into the caller so the value is read with no generic indirection.
    /// - Throws: ``LoaderError`` when the component or a dependency cannot be built.
    @inlinable
    public func get<T>(_ key: ComponentKey<T>) async throws(LoaderError) -> T {
        if let cached = cachedInstance(key.index, loaderID: key.loaderID) {
            return unsafeDowncast(cached, to: Instance<T>.self).value
        }
        let loaded = try await instance(key.index, loaderID: key.loaderID, name: key.name)
        return unsafeDowncast(loaded, to: Instance<T>.self).value
    }

    /// The instance of the component registered as `name`, loading it first if needed.
    public func get(_ name: String) async throws(LoaderError) -> any Sendable {
        let cached = state.withLock { state -> AnyInstance? in
            guard let index = state.indexByName[name] else { return nil }
            return state.quietHit(index)
        }
        if let cached { return cached.anyValue }
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

    private func registeredIndex(_ name: String) throws(LoaderError) -> (Int32, Any.Type) {
        let found = state.withLock { state -> (Int32, Any.Type)? in
            guard let index = state.indexByName[name], let factory = state.slots[Int(index)].factory else {
                return nil
            }
            return (index, factory.valueType)
        }
        guard let found else {
            throw LoaderError(.notRegistered, "'\(name)' is not registered", component: name)
        }
        return found
    }

    // MARK: Loading

    /// Loads a component, or joins its load in flight, and waits for the instance.
    ///
    /// The factory runs in a task the loader owns, not in the caller's task, and every caller,
    /// the one that started the load included, waits for it the same way. So a cancelled caller
    /// stops waiting (with ``LoaderError/Code/cancelled``) without failing anyone else; when
    /// every caller of a load has left, the load's task is cancelled and what it would build is
    /// discarded, so no factory is left running for no one; a caller that joined such an
    /// abandoned load starts a fresh one.
    private func load(
        _ index: Int32,
        countsAsAccess: Bool,
        requiredBy: String?
    ) async throws(LoaderError)
        -> AnyInstance
    {
        // An access is counted once, even when a joined load ends without an instance to share
        // (it was evicted before this caller joined, or abandoned) and the caller goes round again.
        var counting = countsAsAccess
        while true {
            let step = state.withLock { $0.beginLoad(index, countsAsAccess: counting, requiredBy: requiredBy) }
            counting = false
            let outcome: LoadOutcome
            var started: Task<LoadFollowUp?, Never>?
            switch step {
            case .loaded(let instance, let trigger):
                if trigger { await preloadDependents(of: index) }
                return instance
            case .failed(let error):
                throw error
            case .own(let name, let factory, let dependencies):
                (outcome, started) = await wait(for: index) { [self] in
                    let chain = Self.constructing + [ConstructionSite(loaderID: id, index: index)]
                    return Task {
                        await Self.$constructing.withValue(chain) {
                            await perform(index, name: name, factory: factory, dependencies: dependencies)
                        }
                    }
                }
            case .join:
                // A factory that reaches back into the loader for a component it is itself
                // building would wait for its own load forever.
                if Self.constructing.contains(ConstructionSite(loaderID: id, index: index)) {
                    let name = state.withLock { $0.slots[Int(index)].name }
                    throw LoaderError(
                        .dependencyCycle,
                        "'\(name)' was requested while it is being constructed by this task; "
                            + "declare dependencies and read them from the resolver instead",
                        component: name,
                        cycle: [name, name]
                    )
                }
                (outcome, _) = await wait(for: index, starting: nil)
            }
            switch outcome {
            case .loaded(let instance):
                if let followUp = await started?.value {
                    if followUp.adaptiveTrigger { await preloadDependents(of: index) }
                    for dependent in followUp.dependents {
                        _ = try? await load(dependent, countsAsAccess: false, requiredBy: nil)
                    }
                }
                return instance
            case .failed(let error):
                throw error
            case .cancelled:
                let name = state.withLock { $0.slots[Int(index)].name }
                throw LoaderError(.cancelled, "the wait for '\(name)' was cancelled", component: name)
            case .retry:
                continue
            }
        }
    }

    /// Waits, as one of its waiters, for the load of `index` in flight; with `starting`, first
    /// starts that load's task (this caller began the load). A cancelled caller leaves the wait
    /// at once; the last one to leave cancels the load.
    private func wait(
        for index: Int32,
        starting: (() -> Task<LoadFollowUp?, Never>)?
    ) async -> (LoadOutcome, Task<LoadFollowUp?, Never>?) {
        let waiterID = Locked<UInt64?>(nil)
        let task = Locked<Task<LoadFollowUp?, Never>?>(nil)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<LoadOutcome, Never>) in
                // The cancellation flag is set before the handler runs, so a handler that ran
                // before this point (and found no waiter to remove) is seen here.
                if Task.isCancelled {
                    if starting != nil {
                        for waiter in state.withLock({ $0.withdrawLoad(index) }) {
                            waiter.continuation.resume(returning: .retry)
                        }
                    }
                    continuation.resume(returning: .cancelled)
                    return
                }
                switch state.withLock({ $0.join(index, continuation) }) {
                case .loaded(let instance): continuation.resume(returning: .loaded(instance))
                case .retry: continuation.resume(returning: .retry)
                case .waiting(let id):
                    waiterID.withLock { $0 = id }
                    if let starting {
                        let started = starting()
                        task.withLock { $0 = started }
                        state.withLock { $0.attach(started, to: index) }
                    }
                }
            }
        } onCancel: {
            guard let id = waiterID.withLock({ $0 }) else { return }
            let (waiter, abandoned) = state.withLock { $0.leave(index, waiter: id) }
            abandoned?.cancel()
            waiter?.continuation.resume(returning: .cancelled)
        }
        return (outcome, task.withLock { $0 })
    }

    /// Runs a load in the loader's own task: builds the dependencies and the instance, stores
    /// it, and hands the outcome to every waiter.
    /// - Returns: what the caller that started the load does next; `nil` when it failed.
    private func perform(
        _ index: Int32,
        name: String,
        factory: AnyFactory,
        dependencies: [Int32]
    ) async -> LoadFollowUp? {
        do throws(LoaderError) {
            var instances: [Int32: AnyInstance] = [:]
            var names: [String: Int32] = [:]
            for dependency in dependencies {
                instances[dependency] = try await load(dependency, countsAsAccess: true, requiredBy: name)
            }
            if !dependencies.isEmpty {
                names = state.withLock { state in
                    Dictionary(uniqueKeysWithValues: dependencies.map { (state.slots[Int($0)].name, $0) })
                }
            }
            let resolver = ComponentResolver(component: name, loaderID: id, instances: instances, names: names)
            let heapBefore = heapProbe?.bytesInUse()
            let start = ContinuousClock.now
            let instance: AnyInstance
            do {
                instance = try await factory.make(resolver)
            } catch let error as LoaderError {
                throw error
            } catch {
                throw LoaderError(.factoryFailed, "the factory of '\(name)' failed", component: name, cause: error)
            }
            let elapsed = ContinuousClock.now - start
            let nanoseconds =
                UInt64(elapsed.components.seconds) * 1_000_000_000
                + UInt64(elapsed.components.attoseconds / 1_000_000_000)
            let heapBytes = heapBefore.flatMap { before in heapProbe?.bytesInUse().map { max(0, $0 - before) } }

            let completion = state.withLock {
                $0.finishLoad(index, instance: instance, nanoseconds: nanoseconds, heapBytes: heapBytes ?? 0)
            }
            for waiter in completion.waiters { waiter.continuation.resume(returning: .loaded(instance)) }
            metrics.loads.increment()
            metrics.loadDuration.recordNanoseconds(Int64(clamping: nanoseconds))
            bus?.publish(ComponentLoaded(component: name, nanoseconds: nanoseconds, heapBytes: heapBytes))
            announceEvictions(completion.evicted)
            return completion.followUp
        } catch {
            let (waiters, abandoned) = state.withLock { $0.failLoad(index) }
            // An abandoned load failed because it was cancelled on its callers' behalf: anyone
            // who joined it since is not cancelled and looks again instead of failing.
            for waiter in waiters { waiter.continuation.resume(returning: abandoned ? .retry : .failed(error)) }
            metrics.failures.increment()
            bus?.publish(ComponentLoadFailed(component: name, error: error.description))
            return nil
        }
    }

    private func preloadDependents(of index: Int32) async {
        let dependents = state.withLock { $0.dependents[index] ?? [] }
        for dependent in dependents {
            _ = try? await load(dependent, countsAsAccess: false, requiredBy: nil)
        }
    }

    private func announceEvictions(_ evicted: [String]) {
        guard !evicted.isEmpty else { return }
        metrics.evictions.increment(by: evicted.count)
        guard let bus else { return }
        for name in evicted { bus.publish(ComponentEvicted(component: name)) }
    }

    // MARK: Management

    /// Loads the named components (and their dependencies) without counting an access.
    /// - Throws: the first error met; components loaded before it stay loaded.
    public func preload(_ names: [String]) async throws(LoaderError) {
        for name in names {
            let (index, _) = try registeredIndex(name)
            _ = try await load(index, countsAsAccess: false, requiredBy: nil)
        }
    }

    /// Loads every registered component, in registration order (subject to the cache limit).
    public func preloadAll() async throws(LoaderError) {
        try await preload(registeredKeys)
    }

    /// Drops the named component's instance; returns whether it was loaded.
    @discardableResult
    public func unload(_ name: String) -> Bool {
        let unloaded = state.withLock { state in
            guard let index = state.indexByName[name] else { return false }
            return state.unload(index)
        }
        if unloaded { bus?.publish(ComponentUnloaded(component: name)) }
        return unloaded
    }

    /// Drops every loaded instance, pinned ones included. Registrations stay.
    public func clear() {
        let names = state.withLock { state in
            state.loadedIndices.compactMap { index in state.unload(index) ? state.slots[Int(index)].name : nil }
        }
        if let bus { for name in names { bus.publish(ComponentUnloaded(component: name)) } }
    }

    /// Exempts a component from eviction, or makes it evictable again.
    /// - Throws: ``LoaderError/Code/notRegistered``, or ``LoaderError/Code/invalidArgument``
    ///   when pinning would leave no room in the cache.
    public func setPinned(_ name: String, _ pinned: Bool) throws(LoaderError) {
        let (index, _) = try registeredIndex(name)
        let evicted = try state.withLock { state throws(LoaderError) in try state.setPinned(index, pinned) }
        announceEvictions(evicted)
    }

    /// Whether the named component has an instance loaded now.
    public func isLoaded(_ name: String) -> Bool {
        state.withLock { state in
            guard let index = state.indexByName[name] else { return false }
            return state.slots[Int(index)].instance != nil
        }
    }

    /// Names of loaded components: pinned first, then most to least recently used.
    public var loadedKeys: [String] {
        state.withLock { state in state.loadedIndices.map { state.slots[Int($0)].name } }
    }

    /// Names of registered components, in registration order.
    public var registeredKeys: [String] {
        state.withLock { state in state.registrationOrder.map { state.slots[Int($0)].name } }
    }

    // MARK: Statistics

    /// A snapshot of the loader's counters and load-time percentiles.
    public func statistics() -> LoaderStatistics {
        state.withLock { state in
            LoaderStatistics(
                registered: state.registrationOrder.count,
                loaded: state.loadedCount,
                hits: state.hits,
                misses: state.misses,
                loads: state.loads,
                failures: state.failures,
                evictions: state.evictions,
                unloads: state.unloads,
                heapBytes: state.heapBytes,
                loadP50Nanoseconds: state.loads == 0 ? 0 : state.loadTimes.valueAtPercentile(50),
                loadP95Nanoseconds: state.loads == 0 ? 0 : state.loadTimes.valueAtPercentile(95),
                loadP99Nanoseconds: state.loads == 0 ? 0 : state.loadTimes.valueAtPercentile(99)
            )
        }
    }

    /// Figures for the named component, or `nil` when it is not registered.
    public func statistics(for name: String) -> ComponentStatistics? {
        state.withLock { state in
            guard let index = state.indexByName[name], state.slots[Int(index)].isRegistered else { return nil }
            let slot = state.slots[Int(index)]
            let record = state.records[index] ?? LoadRecord()
            return ComponentStatistics(
                name: name,
                isLoaded: slot.instance != nil,
                isPinned: slot.isPinned,
                accessCount: Int(slot.accessCount),
                loadCount: record.loads,
                lastLoadNanoseconds: record.lastLoadNanoseconds,
                totalLoadNanoseconds: record.totalLoadNanoseconds,
                heapBytes: record.heapBytes
            )
        }
    }
}

/// A component under construction, for detecting a factory that waits on its own load.
struct ConstructionSite: Hashable, Sendable {
    let loaderID: UInt32
    let index: Int32
}

extension ComponentLoader {
    /// The components the current task is constructing, innermost last.
    @TaskLocal static var constructing: [ConstructionSite] = []
}

/// swift-metrics instruments. Cache hits are deliberately not a metric: they stay in
/// ``LoaderStatistics`` so the cached path makes no call into a metrics backend.
struct LoaderMetrics: Sendable {
    let loads = Counter(label: "victor_loader_loads_total")
    let failures = Counter(label: "victor_loader_load_failures_total")
    let evictions = Counter(label: "victor_loader_evictions_total")
    let loadDuration = Metrics.Timer(label: "victor_loader_load_duration")
}
