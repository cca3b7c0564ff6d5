import Foundation
import VictorExecution
import VictorLocks

/// Counts task bodies running at once and remembers the peak and the order tasks started in.
final class ConcurrencyProbe: Sendable {
    private struct State {
        var current = 0
        var peak = 0
        var started: [Int] = []
        var runs: [Int: Int] = [:]
    }
    private let state = Locked(State())

    func enter(_ index: Int) {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
            $0.started.append(index)
            $0.runs[index, default: 0] += 1
        }
    }

    func leave() {
        state.withLock { $0.current -= 1 }
    }

    /// A task of priority `priority` that records its start and returns `index`.
    func recordingTask(_ index: Int, priority: Int = 0) -> ExecutionTask<Int> {
        ExecutionTask(priority: priority) {
            self.enter(index)
            self.leave()
            return index
        }
    }

    var peak: Int { state.withLock { $0.peak } }
    var current: Int { state.withLock { $0.current } }
    var started: [Int] { state.withLock { $0.started } }
    var runs: [Int: Int] { state.withLock { $0.runs } }

    /// Waits (polling) until `condition` holds or about ten seconds have passed.
    func wait(until condition: @Sendable (ConcurrencyProbe) -> Bool) async {
        for _ in 0..<10_000 {
            if condition(self) { return }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

struct Boom: Error, Equatable {
    let index: Int
}
