#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a ``ParallelExecutor`` chooses between running a batch's tasks one after another and
/// running them on its worker pool.
public enum ExecutionStrategy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Every batch of two or more tasks runs on the worker pool.
    case parallel
    /// Every batch runs one task at a time, in the caller's task.
    case sequential
    /// Each batch runs sequentially or in parallel, whichever the executor's measurements so far
    /// (task duration against dispatch cost) predict to be faster; see ``AdaptivePolicy``.
    case adaptive
}

/// How one batch was actually run.
public enum ExecutionMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// One task at a time, in the caller's task.
    case sequential
    /// On a pool of worker tasks draining a shared queue.
    case parallel
}

/// How a ``ParallelExecutor`` behaves. Every field has a default; ``validate()`` (called by the
/// executor's initializer) rejects values that make no sense.
public struct ExecutorConfiguration: Sendable, Hashable {
    /// The most task bodies that run at the same instant within one run (at least 1).
    ///
    /// Defaults to ``defaultMaxWorkers``: min(4, active processors).
    public var maxWorkers: Int
    /// How each batch chooses between sequential and parallel execution.
    public var strategy: ExecutionStrategy
    /// When set, the first failing task stops the run: running tasks are cancelled and queued
    /// tasks never start (their results are ``ExecutionError/Code/notStarted``).
    public var failFast: Bool
    /// The longest a task may run, from when its body starts; `nil` for no limit. A task that
    /// exceeds it is cancelled and its result is ``ExecutionError/Code/timedOut``. Cancellation
    /// is cooperative: its worker slot is freed when the task body returns, so the
    /// ``maxWorkers`` bound still holds. The body's cancellation handlers then run on the
    /// executor's timer thread, and must not block it.
    public var taskTimeout: Duration?
    /// The rules of the ``ExecutionStrategy/adaptive`` strategy.
    public var adaptive: AdaptivePolicy
    /// Tasks that took less than this on average over the executor's earlier runs are handed
    /// to workers several at a time (up to 64, fewer as the queue empties), since for them a
    /// lock round-trip per task costs more than the task; `.zero` hands out every task on its
    /// own. Defaults to 2 µs.
    public var shortTaskThreshold: Duration

    /// min(4, active processors), the reference implementation's default worker count.
    public static var defaultMaxWorkers: Int {
        max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Creates a configuration.
    public init(
        maxWorkers: Int = ExecutorConfiguration.defaultMaxWorkers,
        strategy: ExecutionStrategy = .adaptive,
        failFast: Bool = false,
        taskTimeout: Duration? = nil,
        adaptive: AdaptivePolicy = .init(),
        shortTaskThreshold: Duration = .microseconds(2)
    ) {
        self.maxWorkers = maxWorkers
        self.strategy = strategy
        self.failFast = failFast
        self.taskTimeout = taskTimeout
        self.adaptive = adaptive
        self.shortTaskThreshold = shortTaskThreshold
    }

    /// Checks every field.
    /// - Throws: ``ExecutionError/Code/invalidConfiguration`` naming the first bad field.
    public func validate() throws(ExecutionError) {
        guard maxWorkers >= 1 else {
            throw ExecutionError(.invalidConfiguration, "maxWorkers is \(maxWorkers); it must be at least 1")
        }
        if let taskTimeout, taskTimeout <= .zero {
            throw ExecutionError(.invalidConfiguration, "taskTimeout is \(taskTimeout); it must be positive")
        }
        guard shortTaskThreshold >= .zero else {
            throw ExecutionError(
                .invalidConfiguration,
                "shortTaskThreshold is \(shortTaskThreshold); it must not be negative"
            )
        }
        try adaptive.validate()
    }
}
