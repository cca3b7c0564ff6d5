import Dispatch
import VictorLocks
import VictorTelemetry

/// Cancels tasks whose deadlines pass, for the executor's task timeouts: one dispatch timer for
/// the process, armed for the earliest deadline (``DeadlineSchedule``).
///
/// Scheduling and removing a deadline take one lock round-trip and, in the usual case, no
/// timer call, where a sleeping task per timeout costs a second task, a timer registration and
/// a wake-up of the thread that keeps timers.
///
/// A deadline names its task by an unowned reference (`UnsafeCurrentTask`), valid only while
/// the task runs. That holds because the task removes its deadline before it ends, and the
/// timer cancels tasks while it holds the lock ``remove(_:)`` takes: once `remove` returns, the
/// timer has cancelled the task or never will. So a timed-out task's cancellation handlers run
/// on the timer's queue, under that lock: like every cancellation handler, they must not block.
@usableFromInline
final class DeadlineTimer: @unchecked Sendable {
    // Unchecked: a dispatch timer source may be armed from any thread; the schedule is locked.

    /// The process's timer.
    @usableFromInline static let shared = DeadlineTimer()

    /// A scheduled deadline, for ``remove(_:)``.
    @usableFromInline
    struct Token: Sendable {
        let value: UInt64
    }

    /// A running task, to cancel when its deadline passes; see the type's note on lifetime.
    struct Target: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private let timer: any DispatchSourceTimer
    private let schedule = Locked(DeadlineSchedule<Target>())

    init() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "victor-execution-deadlines"))
        self.timer = timer
        timer.setEventHandler { [weak self] in self?.fire() }
        timer.activate()
    }

    deinit {
        timer.cancel()
    }

    /// Cancels the current task once `delay` has passed, unless the deadline is removed first;
    /// the task must remove it before it ends.
    /// - Returns: the token that removes the deadline; `nil` outside a task.
    @usableFromInline
    func cancelCurrentTask(after delay: Duration) -> Token? {
        let now = MonotonicClock.nanoseconds()
        let deadline = now &+ UInt64(clamping: max(delay.totalNanoseconds, 0))
        return withUnsafeCurrentTask { task -> Token? in
            guard let task else { return nil }
            return schedule.withLock { schedule in
                let (token, arm) = schedule.add(Target(task: task), at: deadline)
                // Armed under the lock, so that two threads never arm it out of order.
                if let arm { self.arm(for: arm, now: now) }
                return Token(value: token)
            }
        }
    }

    /// Removes the deadline `token` before it passes.
    /// - Returns: `false` when it has passed: its task has been cancelled.
    @usableFromInline
    func remove(_ token: Token) -> Bool {
        schedule.withLock { $0.remove(token.value) }
    }

    private func fire() {
        let now = MonotonicClock.nanoseconds()
        schedule.withLock { schedule in
            let (due, arm) = schedule.expire(now: now)
            if let arm { self.arm(for: arm, now: now) }
            // Under the lock, so that no task removes its deadline and ends meanwhile.
            for target in due { target.task.cancel() }
        }
    }

    private func arm(for deadline: UInt64, now: UInt64) {
        let delay = deadline > now ? deadline - now : 0
        timer.schedule(deadline: .now() + .nanoseconds(Int(clamping: delay)), repeating: .never)
    }
}
