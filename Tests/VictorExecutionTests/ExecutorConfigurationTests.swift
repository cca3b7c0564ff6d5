import Testing
import VictorExecution

@Suite struct ExecutorConfigurationTests {
    @Test func defaultsFollowTheReference() {
        let configuration = ExecutorConfiguration()
        #expect(configuration.maxWorkers == ExecutorConfiguration.defaultMaxWorkers)
        #expect((1...4).contains(configuration.maxWorkers))
        #expect(configuration.strategy == .adaptive)
        #expect(configuration.failFast == false)
        #expect(configuration.taskTimeout == nil)
    }

    @Test(arguments: [0, -1])
    func maxWorkersBelowOneIsRejected(maxWorkers: Int) {
        #expect {
            try ParallelExecutor(configuration: .init(maxWorkers: maxWorkers))
        } throws: { error in
            guard let error = error as? ExecutionError else { return false }
            return error.code == .invalidConfiguration && error.message.contains("maxWorkers")
                && error.taskIndex == nil
        }
    }

    @Test func aNegativeShortTaskThresholdIsRejected() throws {
        #expect {
            try ParallelExecutor(configuration: .init(shortTaskThreshold: .nanoseconds(-1)))
        } throws: { error in
            (error as? ExecutionError)?.code == .invalidConfiguration
                && (error as? ExecutionError)?.message.contains("shortTaskThreshold") == true
        }
        _ = try ParallelExecutor(configuration: .init(shortTaskThreshold: .zero))
    }

    @Test func aTimeoutThatIsNotPositiveIsRejected() {
        for timeout: Duration in [.zero, .milliseconds(-5)] {
            #expect {
                try ParallelExecutor(configuration: .init(taskTimeout: timeout))
            } throws: { error in
                (error as? ExecutionError)?.code == .invalidConfiguration
                    && (error as? ExecutionError)?.message.contains("taskTimeout") == true
            }
        }
    }

    @Test func badAdaptivePoliciesAreRejected() {
        let policies = [
            AdaptivePolicy(minimumBatchSize: 0),
            AdaptivePolicy(minimumGain: 0.5),
            AdaptivePolicy(minimumGain: .nan),
            AdaptivePolicy(assumedDispatchCost: .microseconds(-1)),
            AdaptivePolicy(smoothing: 0),
            AdaptivePolicy(smoothing: 1.5),
        ]
        for policy in policies {
            #expect(throws: ExecutionError.self) {
                try ParallelExecutor(configuration: .init(adaptive: policy))
            }
        }
    }

    @Test func errorsDescribeThemselves() {
        do {
            _ = try ParallelExecutor(configuration: .init(maxWorkers: 0))
            Issue.record("maxWorkers 0 should be rejected")
        } catch {
            #expect(error.description.hasPrefix("invalidConfiguration: maxWorkers is 0"))
        }
    }
}
