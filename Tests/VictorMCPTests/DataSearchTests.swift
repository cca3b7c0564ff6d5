import Foundation
import Testing

@testable import VictorMCP

/// `Data.containsBytes(_:)`, the transports' test of a message before it is parsed, agrees with
/// Foundation's `range(of:)`.
@Suite struct DataSearchTests {
    @Test(arguments: [
        ("", ""), ("", "call"), ("call", ""), ("cal", "call"), ("call", "call"),
        (#"{"method":"tools/call"}"#, "call"), (#"{"method":"tools\/ca"}"#, "call"),
        ("callcall", "llc"), ("ccall", "call"), ("cal l", "call"), ("notifications/cancelled", "cancelled"),
    ])
    func agreesWithFoundationsSearch(_ text: String, _ needle: String) {
        let data = Data(text.utf8)
        let expected = needle.isEmpty || data.range(of: Data(needle.utf8)) != nil
        #expect(data.containsBytes(Array(needle.utf8)) == expected)
    }

    @Test func searchesOnlyASlicesOwnBytes() {
        let data = Data("call-in-the-middle-call".utf8)
        let middle = data[data.startIndex + 5..<data.startIndex + 18]
        #expect(!middle.containsBytes(Array("call".utf8)))
        #expect(middle.containsBytes(Array("middle".utf8)))
        #expect(data[data.startIndex + 19..<data.endIndex].containsBytes(Array("call".utf8)))
    }
}
