import Synchronization
import Testing
import VictorTestSupport

@testable import VictorLocks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the ``Generation``s of one test alive.
final class Tally: Sendable {
    private let count = Atomic<Int>(0)
    var alive: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}

/// A snapshot whose fields are checked against each other, counted on its test's tally while
/// alive: a torn, freed or leaked snapshot would show.
final class Generation: Sendable {
    let number: Int
    let words: [Int]
    let check: Int
    let tally: Tally

    init(_ number: Int, _ tally: Tally = Tally()) {
        self.number = number
        words = Array(repeating: number, count: 8)
        check = number &* 1_000_003 &+ 7
        self.tally = tally
        tally.add(1)
    }

    deinit { tally.add(-1) }

    var isComplete: Bool { check == number &* 1_000_003 &+ 7 && words.allSatisfy { $0 == number } }
}

/// Lock-free reads of a ``Published`` snapshot racing writers that replace it.
@Suite(.serialized) struct PublishedConcurrencyTests {
    @Test func readersRacingWritersSeeWholeSnapshotsThatNeverGoBack() async throws {
        do {
            let cell = Published(Generation(0))
            let stop = SharedFlag()
            let published = SharedNumber(0)
            let bad = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var bad = 0
                        var reads = 0
                        var last = 0
                        while !stop.isRaised || reads < 2_000 {
                            let floor = published.load()
                            let (number, complete) = cell.read { ($0.number, $0.isComplete) }
                            // Whole, at least as new as what was published before the read began,
                            // and never older than what this reader saw before.
                            if !complete || number < floor || number < last { bad += 1 }
                            last = number
                            reads += 1
                            // Readers make room for the writer on a pool with fewer threads than tasks.
                            if reads % 64 == 0 { await Task.yield() }
                        }
                        return bad
                    }
                }
                group.addTask {
                    for number in 1...2_000 {
                        cell.replace { old in
                            precondition(old.number == number - 1)
                            return Generation(number)
                        }
                        published.store(number)
                        if number % 50 == 0 { await Task.yield() }
                    }
                    stop.raise()
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(bad == 0)
            #expect(cell.snapshot.number == 2_000)
        }
    }

    @Test func aSnapshotReplacedWhileAReaderIsInsideOutlivesTheRead() async throws {
        let tally = Tally()
        do {
            let cell = Published(Generation(1, tally))
            let inside = SharedFlag()
            let release = SharedFlag()
            async let seen: (Int, Bool) = Task.detached {
                cell.read { snapshot in
                    inside.raise()
                    while !release.isRaised {}
                    return (snapshot.number, snapshot.isComplete)
                }
            }.value
            while !inside.isRaised { await Task.yield() }
            cell.store(Generation(2, tally))
            // The reader is still inside: the old snapshot is kept, not released.
            #expect(tally.alive == 2)
            #expect(cell.snapshot.number == 2)
            release.raise()
            let (number, complete) = await seen
            #expect(number == 1 && complete)
        }
    }

    @Test func aThreadLetsGoOfAReplacedSnapshotWhenItReadsAgainAndOfEverythingWhenItExits() {
        let tally = Tally()
        let counts = Locked<[Int]>([])
        do {
            let cell = Published(Generation(1, tally))
            runOnNewThread {
                func note() { counts.withLock { $0.append(tally.alive) } }
                _ = cell.read { $0.number }
                cell.store(Generation(2, tally))
                note()  // 1 is still in this thread's slot, 2 in the cell
                _ = cell.read { $0.number }
                note()  // the read let go of 1
            }
            // The thread has exited: its slot let go of 2, which the cell still holds.
            #expect(tally.alive == 1)
        }
        #expect(counts.withLock { $0 } == [2, 1])
        #expect(tally.alive == 0)
    }

    @Test func aReadInsideAReadSeesTheNewSnapshotAndLeavesTheOuterOneWhole() {
        let tally = Tally()
        let seen = Locked<[Int]>([])
        do {
            let cell = Published(Generation(1, tally))
            runOnNewThread {
                cell.read { outer in
                    cell.store(Generation(2, tally))
                    // Only this thread's slot holds the outer snapshot now; the nested read must
                    // not let go of it.
                    let inner = cell.read { ($0.number, $0.isComplete) }
                    seen.withLock {
                        $0 += [outer.number, outer.isComplete ? 1 : 0, inner.0, inner.1 ? 1 : 0, tally.alive]
                    }
                }
                seen.withLock { $0.append(cell.read { $0.number }) }
            }
            #expect(tally.alive == 1)
        }
        #expect(seen.withLock { $0 } == [1, 1, 2, 1, 2, 2])
        #expect(tally.alive == 0)
    }

    @Test func aReadInsideAnotherCellsReadKeepsItsSnapshotInTheThreadsSlot() {
        let tally = Tally()
        let alive = Locked<[Int]>([])
        do {
            let outer = Published(Generation(1, tally))
            let inner = Published(Generation(10, tally))
            runOnNewThread {
                // Cells made one after the other take different slots, so the inner read, though
                // nested, fetches into its own slot and later reads of it take no lock.
                let number = outer.read { _ in inner.read { $0.number } }
                inner.store(Generation(11, tally))
                alive.withLock { $0 += [number, tally.alive] }  // 1, and 10 in this thread's slot, and 11
                _ = inner.read { $0.number }
                alive.withLock { $0.append(tally.alive) }  // the slot let go of 10
            }
        }
        #expect(alive.withLock { $0 } == [10, 3, 2])
        #expect(tally.alive == 0)
    }

    @Test func stripedCountsSumExactlyAcrossThreads() async {
        final class Counted: Sendable { let stripes = StripedCounter() }
        let counted = Counted()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { counted.stripes.add(1) } }
            }
        }
        #expect(counted.stripes.total == 80_000)
    }

    @Test func threadsStartedInTurnCountOnTheirOwnStripes() {
        let stripes = Mutex<[Int]>([])
        for _ in 0..<4 {
            runOnNewThread {
                let first = StripedCounter.threadIndex()
                // A thread keeps its stripe.
                #expect(StripedCounter.threadIndex() == first)
                stripes.withLock { $0.append(first) }
            }
        }
        let taken = stripes.withLock { $0 }
        #expect(taken.allSatisfy { (0..<StripedCounter.count).contains($0) })
        // Stripes are handed out in turn, so threads asking one after the other get different ones.
        #expect(Set(taken).count == taken.count, "stripes \(taken)")
    }
}

/// Runs `body` on a new thread and returns once the thread has exited, its thread-local
/// destructors run.
private func runOnNewThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let created = pthread_create(
        &thread,
        nil,
        { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        },
        context
    )
    precondition(created == 0, "pthread_create failed: \(created)")
    #if canImport(Darwin)
    pthread_join(thread!, nil)
    #else
    pthread_join(thread, nil)
    #endif
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
