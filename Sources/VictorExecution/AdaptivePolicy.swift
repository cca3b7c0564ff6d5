import VictorTelemetry

/// The rules of the ``ExecutionStrategy/adaptive`` strategy, and the decision they produce.
///
/// For a batch of `n` tasks on `k = min(maxWorkers, n)` workers the policy estimates, from the
/// mean task duration `d` and the dispatch cost per task `c` the executor has measured so far:
///
/// - sequential: `n · d`
/// - parallel: `⌈n / k⌉ · d + (n / k + k) · c` (the waves of tasks, each worker's share of
///   dispatch, and the cost of starting the workers)
///
/// and runs the batch in parallel when the sequential estimate is at least ``minimumGain`` times
/// the parallel one. Batches smaller than ``minimumBatchSize`` always run sequentially. Before
/// anything has been measured, batches run in parallel: the executor is meant for I/O-bound tool
/// calls, where that is the right guess, and the first run provides the measurements.
public struct AdaptivePolicy: Sendable, Hashable {
    /// Batches with fewer tasks run sequentially (at least 1; the default 2 means a single task
    /// always runs inline).
    public var minimumBatchSize: Int
    /// How much faster the parallel estimate must be (at least 1; default 1.1, i.e. 10%).
    public var minimumGain: Double
    /// The dispatch cost per task assumed before a parallel run has measured one.
    public var assumedDispatchCost: Duration
    /// Weight of the newest run in the running averages of task duration and dispatch cost
    /// (in (0, 1]; default 0.3). Higher values follow changing workloads faster.
    public var smoothing: Double

    /// Creates a policy.
    public init(
        minimumBatchSize: Int = 2,
        minimumGain: Double = 1.1,
        assumedDispatchCost: Duration = .microseconds(2),
        smoothing: Double = 0.3
    ) {
        self.minimumBatchSize = minimumBatchSize
        self.minimumGain = minimumGain
        self.assumedDispatchCost = assumedDispatchCost
        self.smoothing = smoothing
    }

    /// Checks every field.
    /// - Throws: ``ExecutionError/Code/invalidConfiguration`` naming the first bad field.
    public func validate() throws(ExecutionError) {
        guard minimumBatchSize >= 1 else {
            throw ExecutionError(
                .invalidConfiguration,
                "adaptive.minimumBatchSize is \(minimumBatchSize); it must be at least 1"
            )
        }
        guard minimumGain.isFinite, minimumGain >= 1 else {
            throw ExecutionError(.invalidConfiguration, "adaptive.minimumGain is \(minimumGain); it must be at least 1")
        }
        guard assumedDispatchCost >= .zero else {
            throw ExecutionError(
                .invalidConfiguration,
                "adaptive.assumedDispatchCost is \(assumedDispatchCost); it must not be negative"
            )
        }
        guard smoothing.isFinite, smoothing > 0, smoothing <= 1 else {
            throw ExecutionError(.invalidConfiguration, "adaptive.smoothing is \(smoothing); it must be in (0, 1]")
        }
    }

    /// The decision for a batch of `taskCount` tasks.
    /// - Parameters:
    ///   - taskCount: the batch size.
    ///   - maxWorkers: the executor's worker bound.
    ///   - meanTaskNanoseconds: the measured mean task duration, `nil` before any measurement.
    ///   - dispatchNanoseconds: the measured dispatch cost per task, `nil` before a parallel run.
    /// - Complexity: O(1).
    public func decide(
        taskCount: Int,
        maxWorkers: Int,
        meanTaskNanoseconds: Double?,
        dispatchNanoseconds: Double?
    ) -> StrategyDecision {
        let workers = max(1, min(maxWorkers, taskCount))
        if taskCount < max(2, minimumBatchSize) {
            return StrategyDecision(
                strategy: .adaptive,
                mode: .sequential,
                workers: 1,
                reason: "\(taskCount) task(s), below the parallel minimum of \(max(2, minimumBatchSize))"
            )
        }
        if workers == 1 {
            return StrategyDecision(strategy: .adaptive, mode: .sequential, workers: 1, reason: "maxWorkers is 1")
        }
        guard let duration = meanTaskNanoseconds else {
            return StrategyDecision(
                strategy: .adaptive,
                mode: .parallel,
                workers: workers,
                reason: "no measurements yet: \(taskCount) tasks on \(workers) workers"
            )
        }
        let dispatch = dispatchNanoseconds ?? Double(assumedDispatchCost.totalNanoseconds)
        let n = Double(taskCount)
        let k = Double(workers)
        let sequential = n * duration
        let parallel = (n / k).rounded(.up) * duration + (n / k + k) * dispatch
        let parallelWins = sequential >= parallel * minimumGain
        let comparison =
            "mean task \(Self.format(duration)), dispatch \(Self.format(dispatch)) per task: "
            + "estimated \(Self.format(parallel)) on \(workers) workers against \(Self.format(sequential)) sequentially"
        return StrategyDecision(
            strategy: .adaptive,
            mode: parallelWins ? .parallel : .sequential,
            workers: parallelWins ? workers : 1,
            reason: comparison,
            estimatedSequentialNanoseconds: sequential,
            estimatedParallelNanoseconds: parallel
        )
    }

    static func format(_ nanoseconds: Double) -> String {
        switch nanoseconds {
        case ..<1_000: return "\(Int(nanoseconds.rounded())) ns"
        case ..<1_000_000: return "\((nanoseconds / 1_000 * 10).rounded() / 10) µs"
        case ..<1_000_000_000: return "\((nanoseconds / 1_000_000 * 10).rounded() / 10) ms"
        default: return "\((nanoseconds / 1_000_000_000 * 100).rounded() / 100) s"
        }
    }
}

/// How one batch is run and why.
public struct StrategyDecision: Sendable, Hashable, CustomStringConvertible {
    /// The configured strategy that produced the decision.
    public var strategy: ExecutionStrategy
    /// How the batch runs.
    public var mode: ExecutionMode
    /// The worker tasks used: 1 for sequential, min(maxWorkers, tasks) for parallel.
    public var workers: Int
    /// Why, in words: the rule that applied and, for a measured choice, the figures behind it.
    public var reason: String
    /// The adaptive policy's estimate of the sequential run time, when it made one.
    public var estimatedSequentialNanoseconds: Double?
    /// The adaptive policy's estimate of the parallel run time, when it made one.
    public var estimatedParallelNanoseconds: Double?

    /// Creates a decision.
    public init(
        strategy: ExecutionStrategy,
        mode: ExecutionMode,
        workers: Int,
        reason: String,
        estimatedSequentialNanoseconds: Double? = nil,
        estimatedParallelNanoseconds: Double? = nil
    ) {
        self.strategy = strategy
        self.mode = mode
        self.workers = workers
        self.reason = reason
        self.estimatedSequentialNanoseconds = estimatedSequentialNanoseconds
        self.estimatedParallelNanoseconds = estimatedParallelNanoseconds
    }

    /// `parallel on 4 workers (adaptive): reason`.
    public var description: String {
        let how = mode == .parallel ? "parallel on \(workers) workers" : "sequential"
        return "\(how) (\(strategy.rawValue)): \(reason)"
    }
}
