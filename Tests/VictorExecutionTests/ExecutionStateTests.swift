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

    @Test func claimsShrinkToOneTaskAsTheQueueEmpties() {
        var run = RunState<Int>(priorities: nil, total: 1_000, failFast: false)
        var claims: [Range<Int>] = []
        while let claim = run.claim(cancelled: false, limit: 64, workers: 4) {
            claims.append(claim)
            #expect(run.brokenInvariants().isEmpty)
        }
        // A quarter of a fair share of what is queued, at most the limit, at least one task.
        #expect(claims.first == 0..<62)
        #expect(claims.map(\.count).max() ?? 0 <= 64)
        #expect(zip(claims, claims.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $0.count >= $1.count })
        #expect(claims.last == 999..<1_000)
        #expect(claims.suffix(16).allSatisfy { $0.count == 1 })
        #expect(run.peakInFlight == claims.count)
        for claim in claims {
            for index in claim { _ = run.record(index, .success(index)) }
            run.closeClaim(returning: 0)
        }
        #expect(run.brokenInvariants().isEmpty)
        #expect(run.close().map { try? $0.get() } == Array(0..<1_000))
    }

    @Test func aClaimOfOneIsTheOnlyClaimOfAPrioritizedRun() {
        var run = RunState<Int>(priorities: [0, 9, 3], total: 3, failFast: false)
        #expect(run.claim(cancelled: false, limit: 64, workers: 1) == 1..<2)
        #expect(run.claim(cancelled: false, limit: 64, workers: 1) == 2..<3)
        #expect(run.claim(cancelled: false, limit: 64, workers: 1) == 0..<1)
        #expect(run.claim(cancelled: false, limit: 64, workers: 1) == nil)
        #expect(run.peakInFlight == 3)
    }

    @Test func aStoppedClaimGivesBackWhatItDidNotStart() {
        var run = RunState<Int>(priorities: nil, total: 100, failFast: true)
        let claim = run.claim(cancelled: false, limit: 10, workers: 1)
        let other = run.claim(cancelled: false, limit: 10, workers: 1)
        #expect(claim == 0..<10 && other == 10..<20)
        _ = run.record(0, .success(0))
        let (progress, stopped) = run.record(1, failure(1))
        #expect(stopped && progress.completed == 2 && progress.failed == 1)
        run.closeClaim(returning: 8)
        #expect(run.brokenInvariants().isEmpty)
        #expect(run.claim(cancelled: false, limit: 10, workers: 1) == nil)
        // The other worker saw the stop before starting its second task.
        _ = run.record(10, .success(10))
        run.closeClaim(returning: 9)
        #expect(run.brokenInvariants().isEmpty)
        #expect(run.returned == 17 && run.inFlight == 0 && run.openClaims == 0)
        let closed = run.close()
        #expect(closed.count == 100)
        #expect((try? closed[10].get()) == 10)
        for index in [2, 9, 11, 19, 20, 99] {
            guard case .failure(let error) = closed[index] else {
                Issue.record("task \(index) has a result but never started")
                continue
            }
            #expect(error.code == .notStarted)
            #expect(error.message == "task \(index) never started: task 1 failed and fail-fast stopped the run")
        }
    }

    @Test func randomClaimsKeepEveryInvariant() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let total = Int.random(in: 0...300, using: &generator)
            var run = RunState<Int>(priorities: nil, total: total, failFast: Bool.random(using: &generator))
            var open: [(claim: Range<Int>, recorded: Int)] = []
            var started = 0
            while true {
                if Bool.random(using: &generator) || open.isEmpty {
                    guard
                        let claim = run.claim(
                            cancelled: Int.random(in: 0..<80, using: &generator) == 0,
                            limit: Int.random(in: 1...16, using: &generator),
                            workers: Int.random(in: 1...4, using: &generator)
                        )
                    else {
                        if open.isEmpty { break }
                        continue
                    }
                    open.append((claim, 0))
                } else {
                    let which = Int.random(in: 0..<open.count, using: &generator)
                    let (claim, recorded) = open[which]
                    if recorded < claim.count, Int.random(in: 0..<4, using: &generator) > 0 {
                        let index = claim.lowerBound + recorded
                        _ = run.record(index, Bool.random(using: &generator) ? .success(index) : failure(index))
                        open[which].recorded += 1
                        started += 1
                    } else {
                        run.closeClaim(returning: claim.count - recorded)
                        open.remove(at: which)
                    }
                }
                let broken = run.brokenInvariants()
                #expect(broken.isEmpty, "\(broken)")
                if !broken.isEmpty { return }
            }
            #expect(run.completed == started)
            #expect(run.dispatched == started + run.returned)
            let closed = run.close()
            #expect(closed.count == total)
            #expect(
                closed.count { if case .failure(let error) = $0 { error.code == .notStarted } else { false } } == total
                    - started
            )
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
