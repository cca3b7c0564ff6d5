import Testing
import VictorEvents
import VictorExecution
import VictorTestSupport

@Suite struct ExecutorStrategyTests {
    @Test func adaptivePicksSequentialForOneTask() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .adaptive))
        let report = await executor.run([ExecutionTask { 42 }])
        #expect(report.decision.mode == .sequential)
        #expect(report.decision.strategy == .adaptive)
        #expect(report.decision.reason.contains("1 task"))
        #expect(report.metrics.workers == 1)
        #expect(try report.values() == [42])
    }

    @Test func adaptivePicksParallelForManySlowTasks() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .adaptive))
        let slow = (0..<8).map { index in
            ExecutionTask { () async throws -> Int in
                try await Task.sleep(for: .milliseconds(20))
                return index
            }
        }
        let first = await executor.run(slow)
        #expect(first.decision.mode == .parallel)
        #expect(first.decision.reason.contains("no measurements yet"))
        // Now it has measured ~20 ms tasks against a dispatch cost of microseconds.
        let second = await executor.run(slow)
        #expect(second.decision.mode == .parallel)
        #expect(second.decision.workers == 4)
        #expect(second.decision.reason.contains("mean task"))
        #expect(second.decision.estimatedParallelNanoseconds != nil)
        #expect(executor.statistics.meanTaskNanoseconds != nil)
        #expect(executor.statistics.dispatchNanosecondsPerTask != nil)
    }

    @Test func adaptivePolicyComparesTaskDurationWithDispatchCost() {
        let policy = AdaptivePolicy()
        let slow = policy.decide(taskCount: 10, maxWorkers: 4, meanTaskNanoseconds: 20e6, dispatchNanoseconds: 500)
        #expect(slow.mode == .parallel)
        #expect(slow.workers == 4)
        let tiny = policy.decide(taskCount: 1_000, maxWorkers: 4, meanTaskNanoseconds: 50, dispatchNanoseconds: 400)
        #expect(tiny.mode == .sequential)
        #expect(tiny.workers == 1)
        #expect(tiny.reason.contains("sequentially"))
        let single = policy.decide(taskCount: 1, maxWorkers: 4, meanTaskNanoseconds: nil, dispatchNanoseconds: nil)
        #expect(single.mode == .sequential)
        let oneWorker = policy.decide(taskCount: 9, maxWorkers: 1, meanTaskNanoseconds: nil, dispatchNanoseconds: nil)
        #expect(oneWorker.mode == .sequential)
        let unmeasured = policy.decide(taskCount: 3, maxWorkers: 4, meanTaskNanoseconds: nil, dispatchNanoseconds: nil)
        #expect(unmeasured.mode == .parallel)
        #expect(unmeasured.workers == 3)
        let bigBatchOnly = AdaptivePolicy(minimumBatchSize: 5)
            .decide(taskCount: 4, maxWorkers: 4, meanTaskNanoseconds: nil, dispatchNanoseconds: nil)
        #expect(bigBatchOnly.mode == .sequential)
    }

    @Test func fixedStrategiesDoWhatTheySay() async throws {
        let sequential = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .sequential))
        let probe = ConcurrencyProbe()
        let tasks = (0..<20).map { index in
            ExecutionTask {
                probe.enter(index)
                await Task.yield()
                probe.leave()
                return index
            }
        }
        let report = await sequential.run(tasks)
        #expect(report.decision.mode == .sequential)
        #expect(probe.started == Array(0..<20))
        #expect(probe.peak == 1)
        #expect(report.metrics.peakInFlight == 1)

        let parallel = try ParallelExecutor(configuration: .init(maxWorkers: 4, strategy: .parallel))
        #expect(parallel.decision(forTaskCount: 20).mode == .parallel)
        #expect(parallel.decision(forTaskCount: 3).workers == 3)
        #expect(parallel.decision(forTaskCount: 1).mode == .sequential)
    }

    @Test func metricsAreConsistent() async throws {
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 3, strategy: .parallel))
        let report = await executor.map(Array(0..<30)) { value -> Int in
            try await Task.sleep(for: .milliseconds(1))
            if value == 7 { throw Boom(index: value) }
            return value
        }
        let metrics = report.metrics
        #expect(metrics.taskCount == 30)
        #expect(metrics.succeeded + metrics.failed + metrics.notStarted == 30)
        #expect(metrics.failed == 1)
        #expect(metrics.workers == 3)
        #expect(metrics.peakInFlight <= 3)
        #expect(metrics.peakQueueDepth == 30)
        #expect(metrics.taskNanoseconds > 0)
        #expect(metrics.wallNanoseconds > 0)
        #expect(metrics.speedup > 0 && metrics.speedup <= 3 + 1e-9)
        #expect(metrics.utilization > 0 && metrics.utilization <= 1 + 1e-9)
        #expect(metrics.throughput > 0)
        #expect(metrics.dispatchNanosecondsPerTask >= 0)

        _ = await executor.map(Array(0..<5)) { $0 }
        let totals = executor.statistics
        #expect(totals.runs == 2)
        #expect(totals.parallelRuns == 2)
        #expect(totals.tasks == 35)
        #expect(totals.failed == 1)
        #expect(totals.succeeded == 34)
        #expect(totals.speedup > 0)
        #expect(totals.utilization <= 1 + 1e-9)
    }

    @Test func runsAndFailuresArePublishedOnTheBus() async throws {
        let bus = EventBus()
        let started = EventRecorder(subscribingTo: ExecutionStarted.self, on: bus)
        let finished = EventRecorder(subscribingTo: ExecutionFinished.self, on: bus)
        let failed = EventRecorder(subscribingTo: ExecutionTaskFailed.self, on: bus)
        let executor = try ParallelExecutor(configuration: .init(maxWorkers: 2, strategy: .parallel), eventBus: bus)
        let report = await executor.map([0, 1, 2]) { value -> Int in
            if value == 2 { throw Boom(index: value) }
            return value
        }
        #expect(started.events.map(\.runID) == [report.runID])
        #expect(started.events.first?.taskCount == 3)
        #expect(started.events.first?.decision == report.decision)
        #expect(finished.events.map(\.metrics) == [report.metrics])
        #expect(failed.events.map(\.taskIndex) == [2])
        #expect(ExecutionStarted.name == "executor.run.started")
        #expect(ExecutionFinished.name == "executor.run.finished")
        #expect(ExecutionTaskFailed.name == "executor.task.failed")
    }
}
