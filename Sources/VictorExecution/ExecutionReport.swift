/// The outcome of one run: a result per task in input order, the strategy decision and the
/// run's metrics.
public struct ExecutionReport<Value: Sendable>: Sendable {
    /// The run's number on its executor, starting at 1.
    public var runID: UInt64
    /// One result per task, at the task's input position. A failure is an ``ExecutionError``
    /// whose ``ExecutionError/taskIndex`` is that position.
    public var results: [Result<Value, ExecutionError>]
    /// How the batch was run and why.
    public var decision: StrategyDecision
    /// What the run measured.
    public var metrics: ExecutionMetrics

    /// Creates a report.
    public init(
        runID: UInt64,
        results: [Result<Value, ExecutionError>],
        decision: StrategyDecision,
        metrics: ExecutionMetrics
    ) {
        self.runID = runID
        self.results = results
        self.decision = decision
        self.metrics = metrics
    }

    /// Whether every task returned a value.
    public var allSucceeded: Bool { metrics.succeeded == results.count }

    /// The failures, in input order.
    public var failures: [ExecutionError] {
        results.compactMap { result in
            if case .failure(let error) = result { return error }
            return nil
        }
    }

    /// Every task's value, in input order.
    /// - Throws: the first failure in input order.
    /// - Complexity: O(n).
    public func values() throws(ExecutionError) -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success(let value): values.append(value)
            case .failure(let error): throw error
            }
        }
        return values
    }
}
