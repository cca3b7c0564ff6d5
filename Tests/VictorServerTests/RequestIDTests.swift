import Testing

@testable import VictorServer

/// Request ids the server makes: version 4 UUIDs, none repeated, from any number of tasks.
@Suite struct RequestIDTests {
    static func isVersion4UUID(_ text: String) -> Bool {
        text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil
    }

    @Test func idsAreVersion4UUIDsAndNeverRepeat() async {
        let batches = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<2_500).map { _ in ObservingMiddleware.randomUUID() } }
            }
            return await group.reduce(into: []) { $0.append(contentsOf: $1) }
        }
        #expect(batches.count == 10_000)
        #expect(Set(batches).count == batches.count)
        let malformed = batches.filter { !Self.isVersion4UUID($0) }
        #expect(malformed.isEmpty)
        // Every hex digit appears in every free position somewhere: the ids are not a counter.
        let positions = Array(0..<36).filter { ![8, 13, 14, 18, 19, 23].contains($0) }
        for position in positions {
            let digits = Set(batches.map { $0.utf8[$0.utf8.index($0.utf8.startIndex, offsetBy: position)] })
            #expect(digits.count == 16, "position \(position): \(digits.count) distinct digits")
        }
    }

    @Test func aUsableGivenIDIsKeptAndOthersAreReplaced() {
        #expect(ObservingMiddleware.requestID("req-42") == "req-42")
        for given in [nil, "", "two words", "tab\there", String(repeating: "x", count: 129), "caf\u{E9}"] {
            let id = ObservingMiddleware.requestID(given)
            #expect(id != given)
            #expect(Self.isVersion4UUID(id))
        }
        #expect(ObservingMiddleware.requestID(String(repeating: "x", count: 128)).utf8.count == 128)
    }
}
