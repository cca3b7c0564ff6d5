import VictorTelemetry

/// Where a component is in its life: only named (as someone's dependency), registered and not
/// loaded, being loaded (its waiters are in ``LoaderState/pending``), or loaded.
enum Phase {
    case unregistered
    case idle
    case loading
    case loaded(AnyInstance)
}

/// One registered (or only named, as a dependency) component. Kept small: a million of them
/// must fit in well under 200 bytes each, so rarely used data lives in side tables.
struct Slot {
    var name: String
    /// `nil` while the name is only known as someone's dependency.
    var factory: AnyFactory?
    var dependencies: [Int32]
    var phase: Phase = .unregistered
    /// Neighbours in the recency list (`-1` at the ends); meaningful only while loaded and unpinned.
    var newer: Int32 = -1
    var older: Int32 = -1
    var accessCount: UInt32 = 0
    var isPinned = false
    /// Set once the adaptive strategy has preloaded this component's dependents.
    var dependentsPreloaded = false

    var isRegistered: Bool { factory != nil }

    /// The instance, when loaded.
    @inline(__always)
    var instance: AnyInstance? {
        if case .loaded(let instance) = phase { return instance }
        return nil
    }
}

/// Per-component load figures, kept only for components that have been loaded.
struct LoadRecord {
    var loads = 0
    var lastLoadNanoseconds: UInt64 = 0
    var totalLoadNanoseconds: UInt64 = 0
    var heapBytes = 0
}

/// How a wait for a load ends for one waiter.
enum LoadOutcome: Sendable {
    /// The load built this instance.
    case loaded(AnyInstance)
    /// The load failed with this error.
    case failed(LoaderError)
    /// The load ended without an instance to share and without an error meant for this waiter
    /// (every caller of a load left, or its instance was evicted before this waiter joined):
    /// look again.
    case retry
    /// This waiter's own task was cancelled.
    case cancelled
}

/// A caller waiting for a component's load.
struct LoadWaiter: Sendable {
    let id: UInt64
    let continuation: CheckedContinuation<LoadOutcome, Never>
}

/// A load in flight: who waits for it, and the task running it.
struct PendingLoad {
    var waiters: [LoadWaiter] = []
    /// The loader-owned task running the factory; set just after it starts.
    var task: Task<LoadFollowUp?, Never>?
    /// Set when every waiter left: the task is cancelled and its outcome is shared with no one.
    var abandoned = false
}

/// What the caller that started a successful load does after it: adaptive preloading and the
/// eager strategy's dependents.
struct LoadFollowUp: Sendable {
    var adaptiveTrigger: Bool
    var dependents: [Int32]
}

/// The loader's whole state as a value: registration graph, instances, recency list, counters.
/// Every method is synchronous and side-effect free beyond `self` and its ``reads`` table; the
/// loader calls them under its lock and performs factory calls, event publication and
/// continuation resumption outside.
///
/// Every loaded instance that an access may take without further work (any strategy but
/// adaptive, or adaptive once the component's dependents were preloaded) is also published in
/// ``reads``, where cached gets read it without the lock. Those reads don't move the component
/// in the recency list; they mark it, and the list catches up when it next needs the order: an
/// eviction gives a marked least recently used component a second chance (it becomes the most
/// recent and its mark is cleared) before evicting the next, and ``loadedIndices`` lists marked
/// components ahead of unmarked ones. So recency is exact for accesses that take the lock and
/// approximate (in the order of the list, not of the reads) among lock-free reads since the
/// last catch-up; the cache bound is always exact.
struct LoaderState {
    var slots: [Slot] = []
    var dependents: [Int32: [Int32]] = [:]
    var registrationOrder: [Int32] = []
    var pending: [Int32: PendingLoad] = [:]
    var nextWaiterID: UInt64 = 0
    var records: [Int32: LoadRecord] = [:]

    /// Most recently used loaded, unpinned component, and the least recently used one.
    var newest: Int32 = -1
    var oldest: Int32 = -1
    var unpinnedLoaded = 0
    var pinnedLoaded = 0
    var pinnedCount = 0

    var strategy: LoadingStrategy {
        didSet { if strategy != oldValue { republishAll() } }
    }
    var maxCacheSize: Int
    var adaptiveThreshold: Int

    var hits = 0
    var misses = 0
    var loads = 0
    var failures = 0
    var evictions = 0
    var unloads = 0
    var heapBytes = 0
    var loadTimes = LatencyHistogram()

    /// The lock-free read side, shared with the loader.
    let reads: ReadTable
    /// Each slot's index by its name, also read without the lock; shared with the loader.
    let names: NameIndex

    init(configuration: LoaderConfiguration, reads: ReadTable = ReadTable(), names: NameIndex = NameIndex()) {
        self.reads = reads
        self.names = names
        strategy = configuration.strategy
        maxCacheSize = configuration.maxCacheSize
        adaptiveThreshold = configuration.adaptiveThreshold
    }

    var loadedCount: Int { unpinnedLoaded + pinnedLoaded }

    // MARK: Registration

    /// Assigns `name` a slot (if it has none) and installs its factory and dependencies, after
    /// checking that the registration is new and closes no cycle. Nothing changes on error.
    mutating func register(
        name: String,
        factory: AnyFactory,
        dependencies: [String],
        pinned: Bool
    ) throws(LoaderError) -> Int32 {
        let existing = names.index(of: name)
        if let existing, slots[Int(existing)].isRegistered {
            throw LoaderError(.alreadyRegistered, "'\(name)' is already registered", component: name)
        }
        if pinned && pinnedCount >= maxCacheSize {
            throw pinLimit(name)
        }
        if dependencies.contains(name) {
            throw LoaderError(
                .dependencyCycle,
                "'\(name)' depends on itself: \(name) → \(name)",
                component: name,
                cycle: [name, name]
            )
        }
        if let existing, let path = pathToNode(existing, from: dependencies) {
            let cycle = [name] + path
            throw LoaderError(
                .dependencyCycle,
                "registering '\(name)' would close the dependency cycle \(cycle.joined(separator: " → "))",
                component: name,
                cycle: cycle
            )
        }
        let index = existing ?? appendSlot(name)
        var dependencyIndices: [Int32] = []
        if !dependencies.isEmpty {
            dependencyIndices.reserveCapacity(dependencies.count)
            for dependency in dependencies {
                let dependencyIndex = names.index(of: dependency) ?? appendSlot(dependency)
                if !dependencyIndices.contains(dependencyIndex) {
                    dependencyIndices.append(dependencyIndex)
                    dependents[dependencyIndex, default: []].append(index)
                }
            }
        }
        slots[Int(index)].factory = factory
        slots[Int(index)].phase = .idle
        slots[Int(index)].dependencies = dependencyIndices
        slots[Int(index)].isPinned = pinned
        if pinned { pinnedCount += 1 }
        registrationOrder.append(index)
        assertInvariants("registering '\(name)'")
        return index
    }

    private mutating func appendSlot(_ name: String) -> Int32 {
        let index = Int32(slots.count)
        slots.append(Slot(name: name, factory: nil, dependencies: []))
        names.insert(name, index: index)
        return index
    }

    /// A dependency path from one of `starts` to `target`, names in order ending with the
    /// target's name, or `nil` when `target` is unreachable.
    private func pathToNode(_ target: Int32, from starts: [String]) -> [String]? {
        var visited = Set<Int32>()
        var path: [Int32] = []
        func visit(_ node: Int32) -> Bool {
            path.append(node)
            if node == target { return true }
            if visited.insert(node).inserted {
                for next in slots[Int(node)].dependencies where visit(next) { return true }
            }
            path.removeLast()
            return false
        }
        for start in starts {
            guard let node = names.index(of: start) else { continue }
            if visit(node) { return path.map { slots[Int($0)].name } }
        }
        return nil
    }

    func pinLimit(_ name: String) -> LoaderError {
        LoaderError(
            .invalidArgument,
            "cannot pin '\(name)': \(pinnedCount) components are pinned and the cache holds at most \(maxCacheSize)",
            component: name
        )
    }

    // MARK: Access

    /// The instance of a loaded component, recorded as an access; `nil` when not loaded.
    /// `adaptiveTrigger` is set when this access should preload the component's dependents.
    @inline(__always)
    mutating func hit(_ index: Int32) -> (instance: AnyInstance, adaptiveTrigger: Bool)? {
        let i = Int(index)
        guard let instance = slots[i].instance else { return nil }
        hits &+= 1
        slots[i].accessCount &+= 1
        if !slots[i].isPinned && newest != index {
            unlink(index)
            linkNewest(index)
        }
        assertInvariants("a hit on '\(slots[i].name)'")
        return (instance, adaptiveTrigger(i))
    }

    /// Like ``hit(_:)`` for the common case only: returns `nil`, changing nothing, when the
    /// component is not loaded or when this access would trigger adaptive preloading.
    @inline(__always)
    mutating func quietHit(_ index: Int32) -> AnyInstance? {
        let i = Int(index)
        guard let instance = slots[i].instance else { return nil }
        if strategy == .adaptive && !slots[i].dependentsPreloaded && accesses(i) + 1 >= adaptiveThreshold {
            return nil
        }
        hits &+= 1
        slots[i].accessCount &+= 1
        if !slots[i].isPinned && newest != index {
            unlink(index)
            linkNewest(index)
        }
        return instance
    }

    @inline(__always)
    private mutating func adaptiveTrigger(_ i: Int) -> Bool {
        guard strategy == .adaptive, !slots[i].dependentsPreloaded, accesses(i) >= adaptiveThreshold else {
            return false
        }
        slots[i].dependentsPreloaded = true
        republish(Int32(i))
        return true
    }

    /// Accesses of slot `i`: those under the lock and the lock-free hits.
    func accesses(_ i: Int) -> Int {
        Int(slots[i].accessCount) + Int(truncatingIfNeeded: reads.hits(Int32(i)))
    }

    // MARK: Publication

    /// Whether an access to loaded slot `i` needs nothing beyond the instance, so lock-free
    /// readers may take it: always, except under the adaptive strategy before the component's
    /// dependents were preloaded.
    func isReadable(_ i: Int) -> Bool {
        strategy != .adaptive || slots[i].dependentsPreloaded
    }

    /// Publishes or withdraws slot `index`'s instance in ``reads`` to match the rule above.
    mutating func republish(_ index: Int32) {
        let i = Int(index)
        if let instance = slots[i].instance, isReadable(i) {
            if !reads.isPublished(index) { reads.publish(index, instance) }
        } else {
            reads.withdraw(index)
        }
    }

    /// ``republish(_:)`` for every loaded slot (after a change of strategy). O(loaded).
    private mutating func republishAll() {
        for index in loadedIndices { republish(index) }
    }

    enum LoadStep {
        case loaded(AnyInstance, adaptiveTrigger: Bool)
        case join
        case own(name: String, factory: AnyFactory, dependencies: [Int32])
        case failed(LoaderError)
    }

    /// Decides what a caller that wants `index` loaded does next: use the cached instance, wait
    /// for the load in flight, or perform the load itself.
    mutating func beginLoad(_ index: Int32, countsAsAccess: Bool, requiredBy: String?) -> LoadStep {
        let i = Int(index)
        if countsAsAccess, let (instance, trigger) = hit(index) {
            return .loaded(instance, adaptiveTrigger: trigger)
        }
        if !countsAsAccess, let instance = slots[i].instance {
            return .loaded(instance, adaptiveTrigger: false)
        }
        guard let factory = slots[i].factory else {
            let name = slots[i].name
            if let requiredBy {
                return .failed(
                    LoaderError(
                        .missingDependency,
                        "'\(requiredBy)' depends on '\(name)', which is not registered",
                        component: requiredBy
                    )
                )
            }
            return .failed(LoaderError(.notRegistered, "'\(name)' is not registered", component: name))
        }
        if countsAsAccess {
            misses &+= 1
            slots[i].accessCount &+= 1
        }
        if pending[index] != nil { return .join }
        pending[index] = PendingLoad()
        slots[i].phase = .loading
        assertInvariants("starting the load of '\(slots[i].name)'")
        return .own(name: slots[i].name, factory: factory, dependencies: slots[i].dependencies)
    }

    enum JoinResult {
        case loaded(AnyInstance)
        case waiting(UInt64)
        case retry
    }

    /// Enqueues a waiter behind the load in flight, or reports that the load already ended.
    mutating func join(_ index: Int32, _ continuation: CheckedContinuation<LoadOutcome, Never>) -> JoinResult {
        if let instance = slots[Int(index)].instance { return .loaded(instance) }
        guard pending[index] != nil else { return .retry }
        nextWaiterID &+= 1
        pending[index]!.waiters.append(LoadWaiter(id: nextWaiterID, continuation: continuation))
        return .waiting(nextWaiterID)
    }

    /// Records the task running a load, unless the load has already ended.
    mutating func attach(_ task: Task<LoadFollowUp?, Never>, to index: Int32) {
        pending[index]?.task = task
    }

    /// Removes a cancelled waiter. When it was the last one, the load is abandoned and its task
    /// returned to be cancelled: no one is left to receive what it builds.
    mutating func leave(
        _ index: Int32,
        waiter id: UInt64
    ) -> (waiter: LoadWaiter?, abandonedTask: Task<LoadFollowUp?, Never>?) {
        guard let position = pending[index]?.waiters.firstIndex(where: { $0.id == id }) else { return (nil, nil) }
        let waiter = pending[index]!.waiters.remove(at: position)
        guard pending[index]!.waiters.isEmpty, !pending[index]!.abandoned else { return (waiter, nil) }
        pending[index]!.abandoned = true
        return (waiter, pending[index]!.task)
    }

    /// Ends a load that its starter could not begin (its task was already cancelled): the
    /// component returns to idle and anyone who joined looks again.
    mutating func withdrawLoad(_ index: Int32) -> [LoadWaiter] {
        slots[Int(index)].phase = .idle
        let waiters = pending.removeValue(forKey: index)?.waiters ?? []
        assertInvariants("withdrawing the load of '\(slots[Int(index)].name)'")
        return waiters
    }

    struct Completion {
        var waiters: [LoadWaiter]
        var evicted: [String]
        var followUp: LoadFollowUp
    }

    /// Stores a freshly built instance, records the load, and evicts beyond the cache limit.
    mutating func finishLoad(_ index: Int32, instance: AnyInstance, nanoseconds: UInt64, heapBytes: Int) -> Completion {
        let i = Int(index)
        // Room first (second chances included), so the newcomer is linked after any component a
        // second chance moves up: it is the most recent.
        var evicted = evictOverflow(incoming: 1)
        reads.prepare(index)
        slots[i].phase = .loaded(instance)
        if slots[i].isPinned {
            pinnedLoaded += 1
        } else {
            linkNewest(index)
            unpinnedLoaded += 1
        }
        loads += 1
        self.heapBytes += heapBytes
        records[index, default: LoadRecord()].record(nanoseconds: nanoseconds, heapBytes: heapBytes)
        loadTimes.record(nanoseconds)
        let waiters = pending.removeValue(forKey: index)?.waiters ?? []
        let trigger = adaptiveTrigger(i)
        republish(index)
        evicted += evictOverflow()
        assertInvariants("finishing the load of '\(slots[i].name)'")
        return Completion(
            waiters: waiters,
            evicted: evicted,
            followUp: LoadFollowUp(
                adaptiveTrigger: trigger,
                dependents: strategy == .eager ? dependents[index] ?? [] : []
            )
        )
    }

    /// Ends a failed load: nothing is cached, and every waiter is returned to receive the error
    /// (or, when the load was abandoned, to look again).
    mutating func failLoad(_ index: Int32) -> (waiters: [LoadWaiter], abandoned: Bool) {
        failures += 1
        slots[Int(index)].phase = .idle
        let load = pending.removeValue(forKey: index)
        assertInvariants("failing the load of '\(slots[Int(index)].name)'")
        return (load?.waiters ?? [], load?.abandoned ?? false)
    }

    /// Evicts least recently used unpinned components until the limit holds with room for
    /// `incoming` more. A least recently used component read without the lock since it was
    /// linked gets a second chance first: it becomes the most recent (at most one second chance
    /// per listed component per call, so readers can't keep an eviction going forever).
    mutating func evictOverflow(incoming: Int = 0) -> [String] {
        var evicted: [String] = []
        var secondChances = unpinnedLoaded
        while loadedCount + incoming > maxCacheSize && oldest >= 0 {
            let victim = oldest
            if secondChances > 0 && reads.touchedSinceLinked(victim) {
                secondChances -= 1
                unlink(victim)
                linkNewest(victim)
                continue
            }
            unlink(victim)
            unpinnedLoaded -= 1
            slots[Int(victim)].phase = .idle
            reads.withdraw(victim)
            evictions += 1
            evicted.append(slots[Int(victim)].name)
        }
        return evicted
    }

    /// Drops a loaded instance; returns whether there was one.
    mutating func unload(_ index: Int32) -> Bool {
        let i = Int(index)
        guard slots[i].instance != nil else { return false }
        if slots[i].isPinned {
            pinnedLoaded -= 1
        } else {
            unlink(index)
            unpinnedLoaded -= 1
        }
        slots[i].phase = .idle
        reads.withdraw(index)
        unloads += 1
        assertInvariants("unloading '\(slots[i].name)'")
        return true
    }

    /// Pins or unpins a registered component, moving it out of or into the recency list.
    mutating func setPinned(_ index: Int32, _ pinned: Bool) throws(LoaderError) -> [String] {
        let i = Int(index)
        guard slots[i].isPinned != pinned else { return [] }
        if pinned && pinnedCount >= maxCacheSize { throw pinLimit(slots[i].name) }
        let loaded = slots[i].instance != nil
        if pinned {
            if loaded {
                unlink(index)
                unpinnedLoaded -= 1
                pinnedLoaded += 1
            }
            pinnedCount += 1
        } else {
            if loaded {
                pinnedLoaded -= 1
                linkNewest(index)
                unpinnedLoaded += 1
            }
            pinnedCount -= 1
        }
        slots[i].isPinned = pinned
        let evicted = evictOverflow()
        assertInvariants("\(pinned ? "pinning" : "unpinning") '\(slots[i].name)'")
        return evicted
    }

    // MARK: Recency list

    @inline(__always)
    private mutating func unlink(_ index: Int32) {
        let newer = slots[Int(index)].newer
        let older = slots[Int(index)].older
        if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
        if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
        slots[Int(index)].newer = -1
        slots[Int(index)].older = -1
    }

    @inline(__always)
    private mutating func linkNewest(_ index: Int32) {
        slots[Int(index)].older = newest
        slots[Int(index)].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = index } else { oldest = index }
        newest = index
        reads.markLinked(index)
    }

    /// Loaded component indices: pinned ones in registration order, then the rest from most to
    /// least recently used (those read without the lock since the list last linked them first,
    /// in list order: see the type's notes on recency).
    var loadedIndices: [Int32] {
        var result = registrationOrder.filter { slots[Int($0)].isPinned && slots[Int($0)].instance != nil }
        var untouched: [Int32] = []
        var cursor = newest
        while cursor >= 0 {
            if reads.touchedSinceLinked(cursor) { result.append(cursor) } else { untouched.append(cursor) }
            cursor = slots[Int(cursor)].older
        }
        return result + untouched
    }
}

extension LoadRecord {
    mutating func record(nanoseconds: UInt64, heapBytes: Int) {
        loads += 1
        lastLoadNanoseconds = nanoseconds
        totalLoadNanoseconds += nanoseconds
        self.heapBytes += heapBytes
    }
}
