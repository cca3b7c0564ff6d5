import Testing

@testable import VictorLoading

/// The loader's lock-free name index, driven directly.
@Suite struct NameIndexTests {
    @Test(arguments: [0, 1, 8, 9, 100, 5_000])
    func everyInsertedNameIsFoundAtItsIndexAndNoOtherNameIs(count: Int) {
        let index = NameIndex()
        for i in 0..<count { index.insert("component.\(i)", index: Int32(i)) }
        #expect(index.count == count)
        #expect(index.capacity >= 2 * count)
        for i in 0..<count { #expect(index.index(of: "component.\(i)") == Int32(i)) }
        for i in count..<(count + 50) { #expect(index.index(of: "component.\(i)") == nil) }
        #expect(index.index(of: "") == nil)
        #expect(index.index(of: "component.") == nil)
    }

    @Test func canonicallyEquivalentSpellingsFindOneSlotAsStringEqualityDoes() {
        let index = NameIndex()
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        index.insert(decomposed, index: 7)
        #expect(index.index(of: composed) == 7)
        #expect(index.index(of: decomposed) == 7)
        // Distinct scalars that are not equivalent stay distinct.
        #expect(index.index(of: "cafe") == nil)
        #expect(index.index(of: "caf\u{E8}") == nil)
    }

    @Test func emptyLongAndBinaryLookingNamesAreKeptExactly() {
        let index = NameIndex()
        let long = String(repeating: "long-name/", count: 3_000)  // larger than a quarter arena
        let names = ["", long, "a\u{0}b", "tab\there", "\u{1F600}", String(long.dropLast())]
        for (i, name) in names.enumerated() { index.insert(name, index: Int32(i)) }
        for (i, name) in names.enumerated() { #expect(index.index(of: name) == Int32(i)) }
        #expect(index.index(of: "a") == nil)
        #expect(index.index(of: long + "/") == nil)
    }

    @Test func reservingMakesRoomWithoutLosingNames() {
        let index = NameIndex()
        for i in 0..<20 { index.insert("n\(i)", index: Int32(i)) }
        index.reserve(10_000)
        #expect(index.capacity >= 20_000)
        let capacity = index.capacity
        for i in 20..<10_000 { index.insert("n\(i)", index: Int32(i)) }
        #expect(index.capacity == capacity)
        for i in 0..<10_000 { #expect(index.index(of: "n\(i)") == Int32(i)) }
    }
}
