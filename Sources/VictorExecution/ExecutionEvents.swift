public import VictorEvents

/// Published when a run starts, with the strategy decision and its reason.
public struct ExecutionStarted: VictorEvent {
    /// `executor.run.started`
    public static let name = "executor.run.started"
    /// The run's number on its executor.
    public let runID: UInt64
    /// Tasks in the batch.
    public let taskCount: Int
    /// How the batch runs and why.
    public let decision: StrategyDecision
}

/// Published when a task fails (throws, times out, or is cancelled while running).
public struct ExecutionTaskFailed: VictorEvent {
    /// `executor.task.failed`
    public static let name = "executor.task.failed"
    /// The run's number on its executor.
    public let runID: UInt64
    /// The task's position in the batch.
    public let taskIndex: Int
    /// The failure, described.
    public let error: String
}

/// Published when a run has finished, with its metrics.
public struct ExecutionFinished: VictorEvent {
    /// `executor.run.finished`
    public static let name = "executor.run.finished"
    /// The run's number on its executor.
    public let runID: UInt64
    /// How the batch ran and why.
    public let decision: StrategyDecision
    /// What the run measured.
    public let metrics: ExecutionMetrics
}
