import Testing
import VictorLocks

@testable import VictorExecution

/// The executor's state machines driven directly: a run's queue and results, the worker slots.
@Suite struct ExecutionStateTests {
    struct Failure: Error {}

    func failure(_ index: Int) -> Result<Int, ExecutionError> {
        .failure(ExecutionError(.taskFailed, "task \(index) failed", taskIndex: index, cause: Failure()))
    }

    @Test func aRunHandsOutTasksInPriorityOrderThenInputOrder() {
        var run = RunState<Int>(priorities: [0, 5, 5, 1], total: 4, failFast: false)
        var order: [Int] = []
        while let index = run.next(cancelled: false) {
            order.append(index)
            #expect(run.brokenInvariants().isEmpty)
        }
        #expect(order == [1, 2, 3, 0])
        #expect(run.peakInFlight == 4)
        for index in order { _ = run.finish(index, .success(index * 10)) }
        #expect(run.brokenInvariants().isEmpty)
        let results = run.close().map { try? $0.get() }
        #expect(results == [0, 10, 20, 30])
    }

    @Test func failFastStopsHandingOutAndNamesTheFailure() {
        var run = RunState<Int>(priorities: nil, total: 5, failFast: true)
        let first = run.next(cancelled: false)
        let second = run.next(cancelled: false)
        #expect(first == 0 && second == 1)
        let (progress, stopped) = run.finish(1, failure(1))
        #expect(stopped)
        #expect(progress.failed == 1)
        #expect(run.next(cancelled: false) == nil)
        _ = run.finish(0, .success(0))
        #expect(run.brokenInvariants().isEmpty)
        let closed = run.close()
        guard case .failure(let error) = closed[4] else {
            Issue.record("a task that never started has a result")
            return
        }
        #expect(error.code == .notStarted)
        #expect(error.message == "task 4 never started: task 1 failed and fail-fast stopped the run")
    }

    @Test func cancellationStopsTheRunForGood() {
        var run = RunState<Int>(priorities: nil, total: 3, failFast: false)
        _ = run.next(cancelled: false)
        #expect(run.next(cancelled: true) == nil)
        #expect(run.next(cancelled: false) == nil)
        #expect(run.stop == .cancelled)
        _ = run.finish(0, .success(1))
        #expect(run.brokenInvariants().isEmpty)
    }

    @Test func randomRunsKeepEveryInvariant() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let total = Int.random(in: 0...40, using: &generator)
            let priorities = Bool.random(using: &generator) ? (0..<total).map { _ in Int.random(in: -3...3) } : nil
            var run = RunState<Int>(priorities: priorities, total: total, failFast: Bool.random(using: &generator))
            var inFlight: [Int] = []
            while true {
                if Bool.random(using: &generator) || inFlight.isEmpty {
                    guard let index = run.next(cancelled: Int.random(in: 0..<50, using: &generator) == 0) else {
                        if inFlight.isEmpty { break }
                        continue
                    }
                    inFlight.append(index)
                } else {
                    let index = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &generator))
                    _ = run.finish(index, Bool.random(using: &generator) ? .success(index) : failure(index))
                }
                let broken = run.brokenInvariants()
                #expect(broken.isEmpty, "\(broken)")
                if !broken.isEmpty { return }
            }
            #expect(run.close().count == total)
        }
    }

    @Test func aCorruptedRunIsReported() {
        var run = RunState<Int>(priorities: nil, total: 2, failFast: false)
        _ = run.next(cancelled: false)
        run.completed = 1
        #expect(run.brokenInvariants().contains { $0.hasPrefix("dispatched 1 != completed 1 + in flight 1") })
    }

    @Test func slotsBoundHoldersAndPassStraightToWaitersInOrder() async {
        let slots = WorkerSlots(capacity: 2)
        #expect(await slots.acquire(runID: 1))
        #expect(await slots.acquire(runID: 1))
        #expect(slots.snapshot == (0, 0))
        let third = Task { await slots.acquire(runID: 2) }
        while slots.snapshot.waiting < 1 { await Task.yield() }
        let fourth = Task { await slots.acquire(runID: 3) }
        while slots.snapshot.waiting < 2 { await Task.yield() }
        slots.release()
        #expect(await third.value)
        #expect(slots.snapshot == (0, 1))
        slots.abandon(runID: 3)
        #expect(await fourth.value == false)
        slots.release()
        slots.release()
        #expect(slots.snapshot == (2, 0))
        #expect(slots.state.withLock { $0.brokenInvariants() }.isEmpty)
    }

    @Test func aCancelledWaiterLeavesWithoutASlot() async {
        let slots = WorkerSlots(capacity: 1)
        #expect(await slots.acquire(runID: 1))
        let waiter = Task { await slots.acquire(runID: 2) }
        while slots.snapshot.waiting < 1 { await Task.yield() }
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(slots.snapshot == (0, 0))
        slots.release()
        #expect(slots.snapshot == (1, 0))
    }
}
