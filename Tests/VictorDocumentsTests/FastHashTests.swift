import Testing
import VictorDocuments

/// The word-wise hash of hot read paths: the same bytes hash the same, every byte counts, and
/// the ASCII report is exact whatever the length and wherever the non-ASCII byte is.
@Suite struct FastHashTests {
    func wordHash(_ bytes: [UInt8]) -> (hash: UInt64, ascii: Bool) {
        bytes.withUnsafeBufferPointer { FastHash.wordHashReportingASCII($0) }
    }

    @Test func theASCIIReportIsExactForEveryLengthAndPosition() {
        for length in 0...24 {
            let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(wordHash(ascii).ascii, "length \(length)")
            for position in 0..<length {
                var bytes = ascii
                bytes[position] = 0xC3
                #expect(!wordHash(bytes).ascii, "length \(length), position \(position)")
            }
        }
    }

    @Test func equalBytesHashEquallyAndAChangeOfAnyByteOrOfTheLengthChangesTheHash() {
        let base = Array("security_auditor.v2".utf8)
        #expect(wordHash(base) == wordHash(Array("security_auditor.v2".utf8)))
        #expect(FastHash.wordHash("security_auditor.v2") == wordHash(base).hash)
        var seen: Set<UInt64> = [wordHash(base).hash]
        for position in base.indices {
            var changed = base
            changed[position] ^= 0x01
            #expect(seen.insert(wordHash(changed).hash).inserted, "byte \(position)")
        }
        // Trailing zero bytes are not padding: "a" and "a\0" differ, as do "" and "\0".
        #expect(wordHash([0x61]).hash != wordHash([0x61, 0]).hash)
        #expect(wordHash([]).hash != wordHash([0]).hash)
    }

    @Test func manyShortNamesHaveDistinctHashes() {
        var hashes: Set<UInt64> = []
        for index in 0..<50_000 { hashes.insert(FastHash.wordHash("persona_\(index)")) }
        #expect(hashes.count == 50_000)
    }

    @Test func everyByteOfEveryShortLengthCountsInTheHashAndInTheComparison() {
        // The last one to seven bytes are read as two overlapping loads: no byte may fall
        // between them, at any length.
        for length in 1...24 {
            let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            let hash = wordHash(base).hash
            for position in 0..<length {
                var changed = base
                changed[position] ^= 0x20
                #expect(wordHash(changed).hash != hash, "length \(length), byte \(position)")
                let same = base.withUnsafeBufferPointer { a in
                    changed.withUnsafeBufferPointer { b in ExactBytes.same(a.baseAddress!, b.baseAddress!, length) }
                }
                #expect(!same, "length \(length), byte \(position)")
            }
            let copy = base
            let same = base.withUnsafeBufferPointer { a in
                copy.withUnsafeBufferPointer { b in ExactBytes.same(a.baseAddress!, b.baseAddress!, length) }
            }
            #expect(same, "length \(length)")
        }
    }
}
