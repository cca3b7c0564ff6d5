/// One unit of work for a ``ParallelExecutor``: an async body and a dispatch priority.
public struct ExecutionTask<Value: Sendable>: Sendable {
    /// Dispatch priority: among queued tasks, the highest starts first; equal priorities start
    /// in input order. Defaults to 0.
    public var priority: Int
    /// The work. It runs at most once, on one of the executor's workers (or inline in
    /// sequential mode), and should honour cancellation.
    public var body: @Sendable () async throws -> Value

    /// Creates a task.
    public init(priority: Int = 0, _ body: @escaping @Sendable () async throws -> Value) {
        self.priority = priority
        self.body = body
    }
}

/// A run's progress, reported after each task finishes.
public struct ExecutionProgress: Sendable, Hashable {
    /// The position in the batch of the task that just finished.
    public var index: Int
    /// Tasks finished so far, successfully or not (1, 2, … in successive reports).
    public var completed: Int
    /// How many of the finished tasks failed (threw, timed out or were cancelled while running).
    public var failed: Int
    /// Tasks in the batch.
    public var total: Int

    /// Creates a progress report.
    public init(index: Int, completed: Int, failed: Int, total: Int) {
        self.index = index
        self.completed = completed
        self.failed = failed
        self.total = total
    }

    /// `completed ÷ total`, 1 for an empty batch.
    public var fractionCompleted: Double {
        total == 0 ? 1 : Double(completed) / Double(total)
    }
}
