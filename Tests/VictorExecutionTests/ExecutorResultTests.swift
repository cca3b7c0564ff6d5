import Testing
import VictorEvents
import VictorExecution
import VictorTestSupport

@Suite struct ExecutorResultTests {
    @Test func resultsAreInInputOrder() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        // Later tasks finish first: results must still line up with the input.
        let report = await executor.map(Array(0..<20)) { value in
            try await Task.sleep(for: .milliseconds(20 - value))
            return "value \(value)"
        }
        #expect(try report.values() == (0..<20).map { "value \($0)" })
        #expect(report.metrics.succeeded == 20)
    }

    @Test func aFailureNeverDropsOrMovesAnotherResult() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let tasks = (0..<1_000).map { index in
            ExecutionTask { () async throws -> Int in
                probe.enter(index)
                defer { probe.leave() }
                await Task.yield()
                if index % 7 == 0 { throw Boom(index: index) }
                return index * 2
            }
        }
        let report = await executor.run(tasks)
        #expect(report.results.count == 1_000)
        for (index, result) in report.results.enumerated() {
            switch result {
            case .success(let value):
                #expect(index % 7 != 0)
                #expect(value == index * 2)
            case .failure(let error):
                #expect(index % 7 == 0)
                #expect(error.code == .taskFailed)
                #expect(error.taskIndex == index)
                #expect((error.cause as? Boom) == Boom(index: index))
            }
        }
        #expect(report.metrics.failed == 143)
        #expect(report.metrics.succeeded == 857)
        #expect(report.metrics.notStarted == 0)
        // A failing task is never retried.
        #expect(probe.runs.values.allSatisfy { $0 == 1 })
        #expect(probe.runs.count == 1_000)
    }

    @Test func valuesThrowsTheFirstFailureInInputOrder() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        let report = await executor.map([0, 1, 2, 3]) { value -> Int in
            if value == 1 || value == 3 { throw Boom(index: value) }
            return value
        }
        #expect(report.allSucceeded == false)
        #expect(report.failures.map(\.taskIndex) == [1, 3])
        #expect(throws: ExecutionError.self) { try report.values() }
        do {
            _ = try report.values()
        } catch {
            #expect(error.taskIndex == 1)
        }
    }

    @Test func aSlowTaskTimesOutAndTheOthersComplete() async throws {
        let executor = try ParallelExecutor(
            configuration: .init(maxWorkers: 2, strategy: .parallel, taskTimeout: .milliseconds(50))
        )
        let report = await executor.run([
            ExecutionTask { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 0
            },
            ExecutionTask { 1 },
            ExecutionTask { () async throws -> Int in throw Boom(index: 2) },
        ])
        guard case .failure(let error) = report.results[0] else {
            Issue.record("task 0 should have timed out")
            return
        }
        #expect(error.code == .timedOut)
        #expect(error.taskIndex == 0)
        #expect(try report.results[1].get() == 1)
        guard case .failure(let thrown) = report.results[2] else {
            Issue.record("task 2 should have failed")
            return
        }
        #expect(thrown.code == .taskFailed)
        #expect(report.metrics.timedOut == 1)
        #expect(report.metrics.failed == 2)
        #expect(executor.statistics.timedOut == 1)
    }

    @Test func timeoutAppliesToSequentialRunsToo() async throws {
        let executor = try ParallelExecutor(
            configuration: .init(strategy: .sequential, taskTimeout: .milliseconds(20))
        )
        let report = await executor.run([
            ExecutionTask { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 0
            },
            ExecutionTask { 1 },
        ])
        #expect(report.failures.map(\.code) == [.timedOut])
        #expect(try report.results[1].get() == 1)
    }

    @Test func higherPriorityStartsFirstAndEqualPrioritiesKeepInputOrder() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 1, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let priorities = [1, 5, 3, 5, 0, 3, 1]
        let tasks = priorities.enumerated().map { probe.recordingTask($0, priority: $1) }
        let report = await executor.run(tasks)
        #expect(probe.started == [1, 3, 2, 5, 0, 6, 4])
        #expect(try report.values() == Array(0..<7))
    }

    @Test func workersTakeTheHighestPriorityTasksFirst() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel))
        let probe = ConcurrencyProbe()
        let priorities = [0, 0, 0, 0, 0, 0, 0, 0, 9, 9]
        let tasks = priorities.enumerated().map { index, priority in
            ExecutionTask(priority: priority) {
                probe.enter(index)
                // The first two tasks hold both workers until both have started.
                if priority == 9 { await probe.wait { $0.started.count >= 2 } }
                probe.leave()
                return index
            }
        }
        let report = await executor.run(tasks)
        #expect(Set(probe.started.prefix(2)) == [8, 9])
        #expect(try report.values() == Array(0..<10))
    }

    @Test func progressIsReportedInOrderForEveryTask() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        let reports = EventRecorder<ExecutionProgress>()
        let onProgress: @Sendable (ExecutionProgress) -> Void = { reports.record($0) }
        let report = await executor.map(Array(0..<50), progress: onProgress) { value -> Int in
            await Task.yield()
            if value % 10 == 0 { throw Boom(index: value) }
            return value
        }
        let progress = reports.events
        #expect(progress.map(\.completed) == Array(1...50))
        #expect(progress.allSatisfy { $0.total == 50 })
        #expect(Set(progress.map(\.index)) == Set(0..<50))
        #expect(progress.last?.failed == 5)
        #expect(progress.last?.fractionCompleted == 1)
        #expect(report.metrics.failed == 5)
    }

    @Test func anEmptyBatchReturnsAnEmptyReport() async throws {
        let executor = try ParallelExecutor()
        let report = await executor.run([ExecutionTask<Int>]())
        #expect(report.results.isEmpty)
        #expect(report.metrics.taskCount == 0)
        #expect(report.metrics.speedup >= 0)
        #expect(report.allSucceeded)
    }

    @Test func closuresCanBePassedDirectly() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2))
        let bodies: [@Sendable () async throws -> String] = [{ "a" }, { "b" }, { "c" }]
        let report = await executor.run(bodies)
        #expect(try report.values() == ["a", "b", "c"])
    }
}
