import HeapModule

extension DeadlineSchedule {
    /// Every rule the schedule keeps between calls, as a list of broken ones (empty when all hold):
    /// - every pending deadline is in the heap;
    /// - while any is pending, the timer is armed, and no later than the earliest of them;
    /// - the heap holds at most twice the pending deadlines, plus ``slack`` and one.
    /// - Complexity: O(n).
    func brokenInvariants() -> [String] {
        var broken: [String] = []
        let tokens = Set(heap.unordered.map(\.token))
        if let missing = pending.keys.first(where: { !tokens.contains($0) }) {
            broken.append("pending deadline \(missing) is not in the heap")
        }
        if let earliest = pending.values.map(\.deadline).min() {
            if let armed {
                if armed > earliest { broken.append("armed for \(armed), after the earliest deadline \(earliest)") }
            } else {
                broken.append("deadlines are pending and the timer is not armed")
            }
        }
        if heap.count > 2 * pending.count + Self.slack + 1 {
            broken.append("\(heap.count) heap entries for \(pending.count) pending deadlines")
        }
        return broken
    }
}
