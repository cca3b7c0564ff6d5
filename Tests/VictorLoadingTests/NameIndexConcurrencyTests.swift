import Synchronization
import Testing

@testable import VictorLoading

/// Lookups without a lock racing the one writer that inserts and grows the name index.
@Suite struct NameIndexConcurrencyTests {
    @Test func readersRacingAGrowingIndexFindEveryPublishedNameAndNeverAWrongOne() async {
        let index = NameIndex()
        let published = Generations.Counter()
        let total = 20_000
        let wrong = await withTaskGroup(of: Int.self) { group in
            for reader in 0..<3 {
                group.addTask {
                    var wrong = 0
                    var generator = SystemRandomNumberGenerator()
                    var rounds = 0
                    while published.value.load(ordering: .acquiring) < total || rounds < 1_000 {
                        let known = published.value.load(ordering: .acquiring)
                        // A name published before this lookup began must be found at its index;
                        // one not yet published may be found or not, but only at its own index.
                        let i = Int.random(in: 0...(known + 16), using: &generator)
                        let found = index.index(of: "tools/\(i)")
                        if i < known ? found != Int32(i) : (found != nil && found != Int32(i)) { wrong += 1 }
                        if index.index(of: "absent/\(reader)/\(i)") != nil { wrong += 1 }
                        rounds += 1
                        // Readers that never suspend could keep the writer off the thread pool.
                        if rounds % 64 == 0 { await Task.yield() }
                    }
                    return wrong
                }
            }
            group.addTask {
                for i in 0..<total {
                    index.insert("tools/\(i)", index: Int32(i))
                    published.value.store(i + 1, ordering: .releasing)
                    if i % 1_000 == 0 { await Task.yield() }
                }
                return 0
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        #expect(index.count == total)
    }
}
