import MetricsTestKit
import Testing
import VictorExecution
import VictorTelemetry

@Suite struct ExecutorTelemetryTests {
    /// Every run counts; only runs with something to overlap report parallelism figures.
    @Test func oneTaskRunsCountWithoutParallelismFigures() async throws {
        let metrics = TestMetrics()
        let executor = try ParallelExecutor(
            configuration: ExecutorConfiguration(maxWorkers: 2),
            telemetry: Telemetry(metricsFactory: metrics)
        )
        _ = await executor.run([ExecutionTask<Int> { 1 }])
        #expect(try metrics.expectCounter("victor_executor_runs_total").totalValue == 1)
        #expect(try metrics.expectCounter("victor_executor_tasks_total").totalValue == 1)
        #expect(try metrics.expectTimer("victor_executor_run_duration").values.count == 1)
        #expect(try metrics.expectRecorder("victor_executor_speedup").values.isEmpty)
        #expect(try metrics.expectRecorder("victor_executor_utilization").values.isEmpty)

        _ = await executor.run([ExecutionTask<Int> { 1 }, ExecutionTask<Int> { 2 }, ExecutionTask<Int> { 3 }])
        #expect(try metrics.expectCounter("victor_executor_runs_total").totalValue == 2)
        #expect(try metrics.expectCounter("victor_executor_tasks_total").totalValue == 4)
        #expect(try metrics.expectRecorder("victor_executor_speedup").values.count == 1)
        #expect(try metrics.expectRecorder("victor_executor_utilization").values.count == 1)
    }

    /// The one-task decision is made once, at creation; it is what deciding afresh would give.
    @Test(arguments: [ExecutionStrategy.sequential, .parallel, .adaptive])
    func oneTaskRunsAreSequentialWhateverTheStrategy(strategy: ExecutionStrategy) throws {
        let executor = try ParallelExecutor(configuration: ExecutorConfiguration(maxWorkers: 4, strategy: strategy))
        let decision = executor.decision(forTaskCount: 1)
        #expect(decision.mode == .sequential && decision.workers == 1 && decision.strategy == strategy)
        #expect(executor.decision(forTaskCount: 2).strategy == strategy)
    }
}
