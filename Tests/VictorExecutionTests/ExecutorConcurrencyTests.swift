import Testing
import VictorExecution

/// Stress tests of the concurrency guarantees; CI also runs them under ThreadSanitizer.
@Suite struct ExecutorConcurrencyTests {
    @Test(arguments: [1, 2, 4])
    func boundIsNeverExceeded(workers: Int) async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: workers, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let tasks = (0..<1_000).map { index in
            ExecutionTask {
                probe.enter(index)
                await Task.yield()
                probe.leave()
                return index
            }
        }
        let report = await executor.run(tasks)
        #expect(probe.peak <= workers)
        #expect(report.metrics.peakInFlight <= workers)
        #expect(report.metrics.workers == workers)
        #expect(report.metrics.mode == (workers == 1 ? .sequential : .parallel))
        #expect(try report.values() == Array(0..<1_000))
        #expect(probe.runs.count == 1_000)
        #expect(probe.runs.values.allSatisfy { $0 == 1 })
        #expect(report.metrics.speedup <= Double(workers) + 1e-9)
        #expect(report.metrics.utilization <= 1 + 1e-9)
    }

    @Test func everyWorkerIsUsedWhenWorkIsQueued() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let tasks = (0..<16).map { index in
            ExecutionTask {
                probe.enter(index)
                // Hold the first wave until all four workers are busy.
                if index < 4 { await probe.wait { $0.peak >= 4 } }
                probe.leave()
                return index
            }
        }
        let report = await executor.run(tasks)
        #expect(probe.peak == 4)
        #expect(report.metrics.peakInFlight == 4)
        #expect(report.allSucceeded)
    }

    @Test func failFastCancelsRunningTasksAndPendingTasksNeverStart() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel, failFast: true))
        let probe = ConcurrencyProbe()
        let tasks = (0..<100).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                switch index {
                case 0:
                    await probe.wait { $0.started.contains(1) }
                    throw Boom(index: 0)
                case 1:
                    try await Task.sleep(for: .seconds(60))
                    return index
                default:
                    return index
                }
            }
        }
        let report = await executor.run(tasks)
        #expect(Set(probe.started) == [0, 1])
        #expect(report.results.count == 100)
        guard case .failure(let first) = report.results[0], case .failure(let second) = report.results[1] else {
            Issue.record("tasks 0 and 1 should have failed")
            return
        }
        #expect(first.code == .taskFailed)
        #expect((first.cause as? Boom) == Boom(index: 0))
        #expect(second.code == .cancelled)
        for (index, result) in report.results.enumerated().dropFirst(2) {
            guard case .failure(let error) = result else {
                Issue.record("task \(index) should not have run")
                continue
            }
            #expect(error.code == .notStarted)
            #expect(error.taskIndex == index)
        }
        #expect(report.metrics.notStarted == 98)
        #expect(report.metrics.failed == 2)
    }

    @Test func callerCancellationCancelsRunningTasksAndPendingTasksNeverStart() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let tasks = (0..<100).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                try await Task.sleep(for: .seconds(60))
                return index
            }
        }
        let caller = Task { await executor.run(tasks) }
        await probe.wait { $0.started.count >= 2 }
        caller.cancel()
        let report = await caller.value
        #expect(probe.started.count == 2)
        let codes = report.failures.map(\.code)
        #expect(codes.count == 100)
        #expect(codes.filter { $0 == .cancelled }.count == 2)
        #expect(codes.filter { $0 == .notStarted }.count == 98)
        #expect(report.failures.map(\.taskIndex) == Array(0..<100))
    }

    @Test func sequentialRunHonoursCallerCancellation() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .sequential))
        let probe = ConcurrencyProbe()
        let tasks = (0..<10).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                try await Task.sleep(for: .seconds(60))
                return index
            }
        }
        let caller = Task { await executor.run(tasks) }
        await probe.wait { $0.started.count >= 1 }
        caller.cancel()
        let report = await caller.value
        #expect(probe.started == [0])
        #expect(report.failures.first?.code == .cancelled)
        #expect(report.metrics.notStarted == 9)
    }

    @Test func concurrentRunsShareTheBoundAndKeepTheirOwnResults() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 3, strategy: .parallel))
        let probe = ConcurrencyProbe()
        await withTaskGroup(of: Bool.self) { group in
            for run in 0..<8 {
                group.addTask {
                    let report = await executor.map(Array(0..<200)) { value in
                        probe.enter(run * 1_000 + value)
                        await Task.yield()
                        probe.leave()
                        return value * run
                    }
                    return (try? report.values()) == (0..<200).map { $0 * run } && report.metrics.peakInFlight <= 3
                }
            }
            for await ok in group { #expect(ok) }
        }
        // The bound holds across the eight runs, not only within each.
        #expect(probe.peak <= 3)
        #expect(probe.runs.count == 1_600)
        #expect(executor.statistics.runs == 8)
        #expect(executor.statistics.tasks == 1_600)
    }

    /// One-task runs take a shorter path, with the same slots.
    @Test func concurrentOneTaskRunsShareTheBound() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 3))
        let probe = ConcurrencyProbe()
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask {
                    let report = await executor.run([
                        ExecutionTask { () async -> Int in
                            probe.enter(index)
                            await Task.yield()
                            probe.leave()
                            return index * 3
                        }
                    ])
                    return (try? report.values()) == [index * 3]
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(probe.peak <= 3)
        #expect(probe.runs.count == 300 && probe.runs.values.allSatisfy { $0 == 1 })
        #expect(executor.statistics.runs == 300 && executor.statistics.succeeded == 300)
    }

    /// Deadlines of many concurrent runs share one timer: the tasks that wait for cancellation
    /// time out, and those that return at once never do.
    @Test(.timeLimit(.minutes(1))) func concurrentTimeoutsCancelOnlyTheTasksThatOverrun() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 8, taskTimeout: .seconds(1)))
        let outcomes = await withTaskGroup(of: (Bool, ExecutionError.Code?).self) { group in
            for index in 0..<200 {
                let overruns = index % 10 == 0
                group.addTask {
                    let report = await executor.run([
                        ExecutionTask { () async throws -> Int in
                            if overruns { try await Task.sleep(for: .seconds(600)) }
                            return index
                        }
                    ])
                    return (overruns, report.failures.first?.code)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.filter(\.0).allSatisfy { $0.1 == .timedOut })
        #expect(outcomes.filter { !$0.0 }.allSatisfy { $0.1 == nil })
        #expect(executor.statistics.timedOut == 20)
    }

    @Test func aRunStartedFromATaskOfTheSameExecutorRunsInItsSlot() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        let probe = ConcurrencyProbe()
        // Every slot is held by an outer task waiting for its inner run: waiting for another
        // slot would deadlock.
        let report = await executor.map(Array(0..<4)) { outer -> [Int] in
            let inner = await executor.map(Array(0..<3)) { value in
                probe.enter(outer * 10 + value)
                probe.leave()
                return outer * 10 + value
            }
            #expect(inner.decision.mode == .sequential)
            #expect(inner.decision.reason.contains("inline"))
            return try inner.values()
        }
        #expect(try report.values() == (0..<4).map { outer in (0..<3).map { outer * 10 + $0 } })
        #expect(probe.peak <= 2)
    }

    @Test func aRunWaitingForASlotCanBeCancelled() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let holders = (0..<2).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                try await Task.sleep(for: .seconds(60))
                return index
            }
        }
        let holding = Task { await executor.run(holders) }
        await probe.wait { $0.started.count >= 2 }
        let waiting = Task {
            await executor.map(Array(100..<110)) { value in
                probe.enter(value)
                probe.leave()
                return value
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        let waited = await waiting.value
        #expect(waited.failures.map(\.code) == Array(repeating: .notStarted, count: 10))
        #expect(Set(probe.started) == [0, 1])
        holding.cancel()
        let held = await holding.value
        #expect(held.failures.map(\.code) == [.cancelled, .cancelled])
        // The slots came back: a new run gets both.
        let after = await executor.map(Array(0..<4)) { $0 }
        #expect(try after.values() == [0, 1, 2, 3])
    }
}
