import Logging
import Metrics
import Synchronization
import VictorEvents
import VictorLocks
import VictorTelemetry

extension ComponentLoader {
    // MARK: Loading

    /// Loads a component, or joins its load in flight, and waits for the instance.
    ///
    /// The factory runs in a task the loader owns, not in the caller's task, and every caller,
    /// the one that started the load included, waits for it the same way. So a cancelled caller
    /// stops waiting (with ``LoaderError/Code/cancelled``) without failing anyone else; when
    /// every caller of a load has left, the load's task is cancelled and what it would build is
    /// discarded, so no factory is left running for no one; a caller that joined such an
    /// abandoned load starts a fresh one.
    func load(
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
                    for dependent in followUp.dependents { await preloadInBackground(dependent) }
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
    func wait(
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
    func perform(
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
            let start = MonotonicClock.nanoseconds()
            let instance: AnyInstance
            do {
                instance = try await factory.make(resolver)
            } catch let error as LoaderError {
                throw error
            } catch {
                throw LoaderError(.factoryFailed, "the factory of '\(name)' failed", component: name, cause: error)
            }
            let nanoseconds = MonotonicClock.nanoseconds(since: start)
            let heapBytes = heapBefore.flatMap { before in heapProbe?.bytesInUse().map { max(0, $0 - before) } }

            let completion = state.withLock {
                $0.finishLoad(index, instance: instance, nanoseconds: nanoseconds, heapBytes: heapBytes ?? 0)
            }
            instruments.loads.increment()
            instruments.loadDuration.recordNanoseconds(nanoseconds)
            // Events first: a caller learning of the load has its events delivered already.
            bus?.publish(ComponentLoaded(component: name, nanoseconds: nanoseconds, heapBytes: heapBytes))
            announceEvictions(completion.evicted)
            for waiter in completion.waiters { waiter.continuation.resume(returning: .loaded(instance)) }
            return completion.followUp
        } catch {
            let (waiters, abandoned) = state.withLock { $0.failLoad(index) }
            instruments.failures.increment()
            bus?.publish(ComponentLoadFailed(component: name, error: error.description))
            // An abandoned load failed because it was cancelled on its callers' behalf: anyone
            // who joined it since is not cancelled and looks again instead of failing.
            for waiter in waiters { waiter.continuation.resume(returning: abandoned ? .retry : .failed(error)) }
            return nil
        }
    }

    func preloadDependents(of index: Int32) async {
        let dependents = state.withLock { $0.dependents[index] ?? [] }
        for dependent in dependents { await preloadInBackground(dependent) }
    }

    /// Loads a component no caller asked for (an eager or adaptive preload); a failure is
    /// logged and counted, and the next access retries.
    func preloadInBackground(_ index: Int32) async {
        do throws(LoaderError) {
            _ = try await load(index, countsAsAccess: false, requiredBy: nil)
        } catch {
            logger.warning(
                "background preload failed",
                metadata: ["component": "\(error.component)", "code": "\(error.code)", "error": "\(error.message)"]
            )
        }
    }

    func announceEvictions(_ evicted: [String]) {
        guard !evicted.isEmpty else { return }
        instruments.evictions.increment(by: evicted.count)
        guard let bus else { return }
        for name in evicted { bus.publish(ComponentEvicted(component: name)) }
    }
}

struct ConstructionSite: Hashable, Sendable {
    let loaderID: UInt32
    let index: Int32
}

extension ComponentLoader {
    /// The components the current task is constructing, innermost last.
    @TaskLocal static var constructing: [ConstructionSite] = []
}
