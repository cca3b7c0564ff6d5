import HeapModule

extension RunState {
    /// Every rule a run keeps between transitions, as a list of broken ones (empty when all hold):
    /// - every task handed out is in flight, completed or given back:
    ///   `dispatched == completed + inFlight + returned`;
    /// - no more tasks are handed out than exist, and the queue holds exactly the rest;
    /// - tasks are in flight only in open claims, and the peak of open claims is at least the
    ///   current number;
    /// - failures (timeouts among them) are completed tasks, each with its result recorded;
    /// - a fail-fast stop names a failed task.
    /// - Complexity: O(n).
    @usableFromInline
    func brokenInvariants() -> [String] {
        var broken: [String] = []
        if dispatched != completed + inFlight + returned {
            broken.append(
                "dispatched \(dispatched) != completed \(completed) + in flight \(inFlight) + given back \(returned)"
            )
        }
        if inFlight < 0 || returned < 0 || openClaims < 0 || (openClaims == 0 && inFlight != 0) {
            broken.append("\(inFlight) in flight, \(returned) given back, in \(openClaims) open claims")
        }
        if dispatched > total { broken.append("dispatched \(dispatched) of \(total) tasks") }
        let queued = heap?.count ?? (total - cursor)
        if queued != total - dispatched { broken.append("\(queued) queued, but \(total - dispatched) not dispatched") }
        if peakInFlight < openClaims { broken.append("peak \(peakInFlight) below \(openClaims) open claims") }
        if timedOut > failed || failed > completed {
            broken.append("timed out \(timedOut), failed \(failed), completed \(completed) out of order")
        }
        let recorded = results.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        if recorded != completed { broken.append("\(recorded) results recorded for \(completed) completed tasks") }
        if case .failFast(let index) = stop {
            guard index >= 0, index < total, case .failure = results[index] else {
                broken.append("fail-fast names task \(index), which did not fail")
                return broken
            }
        }
        return broken
    }

    /// Stops a debug build at the first transition that breaks an invariant (runs of at most
    /// 4,096 tasks, so large runs stay linear).
    @inlinable
    func assertInvariants(_ transition: @autoclosure () -> String) {
        #if DEBUG
        guard total <= 4_096 else { return }
        let broken = brokenInvariants()
        assert(broken.isEmpty, "after \(transition()): \(broken.joined(separator: "; "))")
        #endif
    }
}
