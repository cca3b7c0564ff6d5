import Synchronization
import Testing
import VictorEvents
import VictorExecution
import VictorTestSupport

/// A run of one task takes a shorter path than longer runs (no worker loop, no run object); it
/// keeps every guarantee a sequential run gives. A slot the short path leaked would hang the
/// next run, which the time limit turns into a failure.
@Suite(.timeLimit(.minutes(1))) struct OneTaskRunTests {
    @Test func aValueIsReturnedReportedAndCounted() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2))
        let progress = Mutex<[ExecutionProgress]>([])
        let report = await executor.run([ExecutionTask { 42 }]) { step in progress.withLock { $0.append(step) } }
        #expect(try report.values() == [42])
        #expect(report.decision.mode == .sequential)
        #expect(report.metrics.taskCount == 1 && report.metrics.succeeded == 1 && report.metrics.workers == 1)
        #expect(report.metrics.failed == 0 && report.metrics.notStarted == 0 && report.metrics.peakInFlight == 1)
        #expect(report.metrics.wallNanoseconds >= report.metrics.taskNanoseconds)
        #expect(progress.withLock { $0 } == [ExecutionProgress(index: 0, completed: 1, failed: 0, total: 1)])
        let totals = executor.statistics
        #expect(totals.runs == 1 && totals.sequentialRuns == 1 && totals.tasks == 1 && totals.succeeded == 1)
        #expect(totals.meanTaskNanoseconds != nil)
        // A one-task run measures no dispatch cost for the adaptive strategy.
        #expect(totals.dispatchNanosecondsPerTask == nil)
    }

    @Test func aFailureIsRecordedReportedAndPublished() async throws {
        let bus = EventBus()
        let failed = EventRecorder(subscribingTo: ExecutionTaskFailed.self, on: bus)
        let finished = EventRecorder(subscribingTo: ExecutionFinished.self, on: bus)
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, failFast: true), eventBus: bus)
        let progress = Mutex<[ExecutionProgress]>([])
        let report = await executor.run([ExecutionTask<Int> { throw Boom(index: 0) }]) { step in
            progress.withLock { $0.append(step) }
        }
        #expect(report.failures.map(\.code) == [.taskFailed])
        #expect((report.failures.first?.cause as? Boom) == Boom(index: 0))
        #expect(report.metrics.failed == 1 && report.metrics.succeeded == 0 && report.metrics.notStarted == 0)
        #expect(progress.withLock { $0 } == [ExecutionProgress(index: 0, completed: 1, failed: 1, total: 1)])
        #expect(failed.events.map(\.runID) == [report.runID])
        #expect(failed.events.map(\.taskIndex) == [0])
        #expect(finished.events.map(\.metrics) == [report.metrics])
        #expect(executor.statistics.failed == 1)
    }

    @Test func theTaskTimeoutApplies() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, taskTimeout: .milliseconds(50)))
        let report = await executor.run([
            ExecutionTask { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 0
            }
        ])
        #expect(report.failures.map(\.code) == [.timedOut])
        #expect(report.metrics.timedOut == 1 && report.metrics.failed == 1)
        #expect(executor.statistics.timedOut == 1)
    }

    @Test func aCallerCancelledBeforehandNeverStartsTheTask() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2))
        let probe = ConcurrencyProbe()
        let progress = Mutex(0)
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await executor.run([
                ExecutionTask { () -> Int in
                    probe.enter(0)
                    probe.leave()
                    return 0
                }
            ]) { _ in progress.withLock { $0 += 1 } }
        }
        let report = await caller.value
        #expect(probe.started.isEmpty)
        #expect(progress.withLock { $0 } == 0)
        #expect(report.failures.map(\.code) == [.notStarted])
        #expect(report.failures.first?.taskIndex == 0)
        #expect(report.metrics.notStarted == 1 && report.metrics.peakInFlight == 0)
        #expect(executor.statistics.notStarted == 1)
        // The slot it took was given back.
        #expect(try await executor.run([ExecutionTask { 7 }]).values() == [7])
    }

    @Test func aCallerCancelledWhileRunningCancelsTheTask() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 1))
        let probe = ConcurrencyProbe()
        let caller = Task {
            await executor.run([
                ExecutionTask { () async throws -> Int in
                    probe.enter(0)
                    defer { probe.leave() }
                    try await Task.sleep(for: .seconds(60))
                    return 0
                }
            ])
        }
        await probe.wait { $0.started.count == 1 }
        caller.cancel()
        let report = await caller.value
        #expect(report.failures.map(\.code) == [.cancelled])
        #expect(try await executor.run([ExecutionTask { 7 }]).values() == [7])
    }

    /// A run of one task holding the executor's only slot, until ``release`` is called.
    struct SlotHolder {
        let run: Task<ExecutionReport<Int>, Never>
        let release: @Sendable () -> Void
    }

    /// Starts a run whose task, task 0 of `probe`, holds `executor`'s only slot; returns once it
    /// runs.
    func holdTheOnlySlot(of executor: ParallelExecutor, probe: ConcurrencyProbe) async -> SlotHolder {
        let released = Mutex(false)
        let run = Task {
            await executor.run([
                ExecutionTask { () async -> Int in
                    probe.enter(0)
                    defer { probe.leave() }
                    while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(1)) }
                    return 0
                }
            ])
        }
        await probe.wait { $0.started.count == 1 }
        return SlotHolder(run: run) { released.withLock { $0 = true } }
    }

    /// A task that records itself in `probe` as task `index` and returns `index`.
    func probedTask(_ index: Int, _ probe: ConcurrencyProbe) -> ExecutionTask<Int> {
        ExecutionTask { () -> Int in
            probe.enter(index)
            probe.leave()
            return index
        }
    }

    @Test func itWaitsForASlotHeldByAnotherRun() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 1))
        let probe = ConcurrencyProbe()
        let holder = await holdTheOnlySlot(of: executor, probe: probe)
        let waiter = Task { await executor.run([probedTask(1, probe)]) }
        try await Task.sleep(for: .milliseconds(30))
        #expect(probe.started == [0])
        holder.release()
        #expect(try await waiter.value.values() == [1])
        #expect(try await holder.run.value.values() == [0])
        #expect(probe.peak == 1)
    }

    @Test func aRunCancelledWhileWaitingForASlotNeverStartsItsTask() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 1))
        let probe = ConcurrencyProbe()
        let holder = await holdTheOnlySlot(of: executor, probe: probe)
        let waiter = Task { await executor.run([probedTask(1, probe)]) }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let report = await waiter.value
        #expect(report.failures.map(\.code) == [.notStarted])
        #expect(report.metrics.notStarted == 1 && report.metrics.workers == 0)
        holder.release()
        #expect(try await holder.run.value.values() == [0])
        #expect(probe.started == [0])
        // The cancelled wait took no slot: the next run gets the only one.
        #expect(try await executor.run([ExecutionTask { 2 }]).values() == [2])
    }

    @Test func aOneTaskRunInsideATaskRunsInItsSlot() async throws {
        // One slot, held by the outer task: the inner run waiting for a slot would deadlock.
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 1))
        let report = await executor.run([
            ExecutionTask { () async throws -> [Int] in
                let inner = await executor.run([ExecutionTask { 5 }])
                #expect(inner.decision.reason.contains("inline"))
                return try inner.values()
            }
        ])
        #expect(try report.values() == [[5]])
        #expect(executor.statistics.runs == 2)
    }
}
