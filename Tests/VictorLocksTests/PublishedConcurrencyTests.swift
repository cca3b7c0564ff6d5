import Synchronization
import Testing
import VictorLocks
import VictorTestSupport

/// A snapshot whose fields are checked against each other, counting the instances alive: a torn,
/// freed or leaked snapshot would show.
final class Generation: Sendable {
    static let alive = Atomic<Int>(0)
    let number: Int
    let words: [Int]
    let check: Int

    init(_ number: Int) {
        self.number = number
        words = Array(repeating: number, count: 8)
        check = number &* 1_000_003 &+ 7
        Self.alive.add(1, ordering: .relaxed)
    }

    deinit { Self.alive.subtract(1, ordering: .relaxed) }

    var isComplete: Bool { check == number &* 1_000_003 &+ 7 && words.allSatisfy { $0 == number } }
}

/// Lock-free reads of a ``Published`` snapshot racing writers that replace it.
@Suite(.serialized) struct PublishedConcurrencyTests {
    @Test func readersRacingWritersSeeWholeSnapshotsThatNeverGoBack() async throws {
        let before = Generation.alive.load(ordering: .relaxed)
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
            // Once no reader is inside, the next write releases everything replaced.
            cell.store(Generation(2_001))
            #expect(cell.retiredCount == 0)
            #expect(Generation.alive.load(ordering: .relaxed) == before + 1)
        }
        #expect(Generation.alive.load(ordering: .relaxed) == before)
    }

    @Test func aSnapshotReplacedWhileAReaderIsInsideOutlivesTheRead() async throws {
        let before = Generation.alive.load(ordering: .relaxed)
        do {
            let cell = Published(Generation(1))
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
            cell.store(Generation(2))
            // The reader is still inside: the old snapshot is kept, not released.
            #expect(cell.retiredCount == 1)
            #expect(Generation.alive.load(ordering: .relaxed) == before + 2)
            release.raise()
            let (number, complete) = await seen
            #expect(number == 1 && complete)
            cell.store(Generation(3))
            #expect(cell.retiredCount == 0)
            #expect(Generation.alive.load(ordering: .relaxed) == before + 1)
        }
        #expect(Generation.alive.load(ordering: .relaxed) == before)
    }

    @Test func stripedCountsSumExactlyAcrossThreads() async {
        let stripes = StripedCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<10_000 { stripes.add(1) } }
            }
        }
        #expect(stripes.total == 80_000)
    }
}
