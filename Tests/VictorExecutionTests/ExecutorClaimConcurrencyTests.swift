import Testing
import VictorTestSupport

@testable import VictorExecution

/// Short tasks taken several at a time: the guarantees of single-task hand-out still hold
/// (bound, order, each task at most once, fail-fast, cancellation). CI also runs these under
/// ThreadSanitizer.
@Suite struct ExecutorClaimConcurrencyTests {
    /// An executor whose earlier run measured its tasks as short, so its workers take claims.
    func warmedExecutor(
        workers: Int,
        failFast: Bool = false,
        taskTimeout: Duration? = nil
    ) async throws -> ParallelExecutor {
        let executor = try ParallelExecutor(
            // Any measured mean counts as short: the claims do not depend on this machine's speed.
            configuration: .init(
                maxWorkers: workers,
                strategy: .parallel,
                failFast: failFast,
                taskTimeout: taskTimeout,
                shortTaskThreshold: .seconds(1)
            )
        )
        #expect(executor.claimLimit(taskCount: 1_000) == 1, "no run has measured the tasks yet")
        _ = await executor.run((0..<1_000).map { index in ExecutionTask { index } })
        #expect(executor.claimLimit(taskCount: 1_000) == ParallelExecutor.maxClaim)
        #expect(executor.claimLimit(taskCount: 1) == 1)
        return executor
    }

    /// Checks that every task either ran once and has its result, or never ran and is reported
    /// as never started because of `why`; returns how many never started.
    func checkRanOrNeverStarted(_ report: ExecutionReport<Int>, _ probe: ConcurrencyProbe, why: String) -> Int {
        var notStarted = 0
        for (index, result) in report.results.enumerated() {
            if case .failure(let error) = result, error.code == .notStarted {
                notStarted += 1
                #expect(probe.runs[index] == nil, "task \(index) ran but is reported as never started")
                #expect(error.message.hasSuffix(why))
            } else {
                #expect(probe.runs[index] == 1, "task \(index) has a result but never ran")
            }
        }
        return notStarted
    }

    @Test func longTasksAreTakenOneAtATime() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        _ = await executor.run((0..<4).map { _ in ExecutionTask { try await Task.sleep(for: .milliseconds(2)) } })
        #expect(executor.claimLimit(taskCount: 1_000) == 1)
        let never = try ParallelExecutor(
            configuration: .init(maxWorkers: 2, strategy: .parallel, shortTaskThreshold: .zero)
        )
        _ = await never.run((0..<1_000).map { index in ExecutionTask { index } })
        #expect(never.claimLimit(taskCount: 1_000) == 1)
    }

    @Test(arguments: [1, 2, 4])
    func claimsKeepTheBoundTheOrderAndEveryTaskOnce(workers: Int) async throws {
        let executor = try await warmedExecutor(workers: workers)
        let probe = ConcurrencyProbe()
        let reports = EventRecorder<ExecutionProgress>()
        let onProgress: @Sendable (ExecutionProgress) -> Void = { reports.record($0) }
        let tasks = (0..<5_000).map { index in
            ExecutionTask {
                probe.enter(index)
                probe.leave()
                if index % 1_000 == 7 { throw Boom(index: index) }
                return index
            }
        }
        let report = await executor.run(tasks, progress: onProgress)
        #expect(probe.peak <= workers)
        #expect(report.metrics.peakInFlight <= workers)
        #expect(probe.runs.count == 5_000)
        #expect(probe.runs.values.allSatisfy { $0 == 1 })
        for (index, result) in report.results.enumerated() {
            switch result {
            case .success(let value): #expect(value == index)
            case .failure(let error): #expect(index % 1_000 == 7 && error.code == .taskFailed)
            }
        }
        #expect(report.metrics.failed == 5)
        let progress = reports.events
        #expect(progress.map(\.completed) == Array(1...5_000))
        #expect(Set(progress.map(\.index)) == Set(0..<5_000))
    }

    @Test func aTaskOfAClaimTimesOutAloneAndTheClaimGoesOn() async throws {
        let executor = try await warmedExecutor(workers: 2, taskTimeout: .milliseconds(50))
        let probe = ConcurrencyProbe()
        let tasks = (0..<2_000).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                if index == 100 { try await Task.sleep(for: .seconds(60)) }
                return index
            }
        }
        let report = await executor.run(tasks)
        guard case .failure(let error) = report.results[100] else {
            Issue.record("task 100 should have timed out")
            return
        }
        #expect(error.code == .timedOut)
        // The rest of task 100's claim (64 to 127) ran after it, as did every other task.
        #expect(probe.runs[101] == 1)
        #expect(probe.runs.count == 2_000)
        #expect(report.metrics.timedOut == 1 && report.metrics.succeeded == 1_999)
        #expect(probe.peak <= 2)
    }

    @Test func prioritiesStillStartInOrderWhenTasksAreShort() async throws {
        let executor = try await warmedExecutor(workers: 1)
        let probe = ConcurrencyProbe()
        let priorities = (0..<500).map { ($0 * 7919) % 13 }
        let tasks = priorities.enumerated().map { probe.recordingTask($0, priority: $1) }
        let report = await executor.run(tasks)
        let expected = priorities.indices.sorted {
            priorities[$0] != priorities[$1] ? priorities[$0] > priorities[$1] : $0 < $1
        }
        #expect(probe.started == expected)
        #expect(try report.values() == Array(0..<500))
    }

    @Test func aFailureStopsTheClaimedTasksFromStarting() async throws {
        let executor = try await warmedExecutor(workers: 2, failFast: true)
        let probe = ConcurrencyProbe()
        let tasks = (0..<5_000).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                probe.leave()
                if index == 100 { throw Boom(index: index) }
                return index
            }
        }
        let report = await executor.run(tasks)
        #expect(probe.runs.values.allSatisfy { $0 == 1 })
        guard case .failure(let failure) = report.results[100] else {
            Issue.record("the failing task has a value")
            return
        }
        #expect(failure.code == .taskFailed)
        let notStarted = checkRanOrNeverStarted(report, probe, why: "task 100 failed and fail-fast stopped the run")
        // Tasks 64 to 127 are one claim: its worker ends it at the failure.
        #expect(probe.runs[101] == nil)
        #expect(notStarted > 0)
        #expect(report.metrics.notStarted == notStarted)
        #expect(report.metrics.succeeded + report.metrics.failed == probe.runs.count)
    }

    @Test func cancellationStopsTheClaimedTasksFromStarting() async throws {
        let executor = try await warmedExecutor(workers: 2)
        let probe = ConcurrencyProbe()
        let tasks = (0..<5_000).map { index in
            ExecutionTask { () async -> Int in
                probe.enter(index)
                defer { probe.leave() }
                if index == 100 {
                    while !Task.isCancelled { await Task.yield() }
                }
                return index
            }
        }
        let run = Task { await executor.run(tasks) }
        await probe.wait { $0.runs[100] != nil }
        run.cancel()
        let report = await run.value
        #expect(probe.runs.values.allSatisfy { $0 == 1 })
        let notStarted = checkRanOrNeverStarted(report, probe, why: "the run was cancelled")
        // Tasks 64 to 127 are one claim: its worker, cancelled, starts no more of it.
        #expect(probe.runs[101] == nil)
        #expect(notStarted > 0)
        #expect(report.metrics.notStarted == notStarted)
    }
}
