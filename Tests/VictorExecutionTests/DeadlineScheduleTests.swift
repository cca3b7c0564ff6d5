import Testing
import VictorLocks

@testable import VictorExecution

/// The task deadlines' state machine driven directly, and the timer that runs it.
@Suite struct DeadlineScheduleTests {
    @Test func deadlinesPassInOrderAndTheTimerIsArmedOnlyForAnEarlierOne() {
        var schedule = DeadlineSchedule<String>()
        let late = schedule.add("late", at: 300)
        let early = schedule.add("early", at: 100)
        let middle = schedule.add("middle", at: 200)
        #expect(late.arm == 300)
        #expect(early.arm == 100)
        #expect(middle.arm == nil, "armed for 100 already")
        #expect(schedule.brokenInvariants().isEmpty)

        let first = schedule.expire(now: 150)
        #expect(first.actions == ["early"])
        #expect(first.arm == 200)
        let second = schedule.expire(now: 400)
        #expect(second.actions == ["middle", "late"])
        #expect(second.arm == nil)
        #expect(schedule.brokenInvariants().isEmpty)
        let removed = schedule.remove(late.token)
        #expect(!removed, "its action was handed out")
    }

    @Test func aRemovedDeadlineNeverPassesAndTheTimerMovesPastIt() {
        var schedule = DeadlineSchedule<Int>()
        let first = schedule.add(1, at: 10)
        _ = schedule.add(2, at: 20)
        let removed = schedule.remove(first.token)
        let removedAgain = schedule.remove(first.token)
        #expect(removed)
        #expect(!removedAgain, "removed twice")
        // The timer still fires at 10; nothing is due, and it is re-armed for 20.
        let early = schedule.expire(now: 10)
        #expect(early.actions.isEmpty)
        #expect(early.arm == 20)
        let late = schedule.expire(now: 20)
        #expect(late.actions == [2])
        #expect(schedule.brokenInvariants().isEmpty)
    }

    @Test func removedDeadlinesDoNotPileUpInTheHeap() {
        var schedule = DeadlineSchedule<Int>()
        // Deadlines in the far future, removed as their tasks finish: the usual case.
        for index in 0..<10_000 {
            let added = schedule.add(index, at: 1_000_000 + UInt64(index))
            let removed = schedule.remove(added.token)
            #expect(removed)
        }
        #expect(schedule.pending.isEmpty)
        #expect(schedule.heapCount <= DeadlineSchedule<Int>.slack + 1)
        #expect(schedule.brokenInvariants().isEmpty)
    }

    /// Random adds, removals and expiries against a model: a dictionary of pending deadlines.
    /// Each action is its deadline, so the model can check which passed and in what order.
    @Test func randomSchedulesMatchTheModelAndKeepEveryInvariant() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            var schedule = DeadlineSchedule<UInt64>()
            var model: [UInt64: UInt64] = [:]
            var now: UInt64 = 0
            for _ in 0..<300 {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    let deadline = now + UInt64.random(in: 0...50, using: &generator)
                    let token = schedule.add(deadline, at: deadline).token
                    model[token] = deadline
                case 5..<8:
                    guard let token = model.keys.randomElement(using: &generator) else { continue }
                    let removed = schedule.remove(token)
                    #expect(removed)
                    model[token] = nil
                default:
                    now += UInt64.random(in: 0...20, using: &generator)
                    let due = schedule.expire(now: now)
                    let expected = model.filter { $0.value <= now }
                    #expect(due.actions == expected.values.sorted())
                    for token in expected.keys { model[token] = nil }
                    #expect(due.arm == model.values.min())
                }
                let broken = schedule.brokenInvariants()
                #expect(broken.isEmpty, "\(broken)")
                #expect(Set(schedule.pending.keys) == Set(model.keys))
                if !broken.isEmpty { return }
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func theTimerCancelsATaskWhoseDeadlinePasses() async {
        let timer = DeadlineTimer()
        // Waits for cancellation; only its deadline can cancel it.
        let waiting = Task { () -> (cancelled: Bool, removed: Bool?) in
            let token = timer.cancelCurrentTask(after: .milliseconds(20))
            try? await Task.sleep(for: .seconds(600))
            return (Task.isCancelled, token.map { timer.remove($0) })
        }
        let (cancelled, removed) = await waiting.value
        #expect(cancelled)
        #expect(removed == false, "a deadline that passed cannot be removed")
        #expect(timer.cancelCurrentTask(after: .seconds(1)).map { timer.remove($0) } == true)
    }
}
