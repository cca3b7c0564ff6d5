import Testing

@testable import VictorBenchmarks

/// The load client's response framing: whole responses out of however the bytes arrive.
@Suite struct ResponseFramingTests {
    static let response =
        Array(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCONTENT-length:  17\r\nX-Request-ID: a\r\n\r\n"
                .utf8
        ) + Array(#"{"allowed":true} "#.utf8)

    /// Feeds `bytes` in pieces cut at `cuts`; every response completed on the way.
    func responses(
        _ bytes: [UInt8],
        cuts: [Int],
        into framing: inout ResponseFraming
    ) throws -> [ResponseFraming.Response] {
        var found: [ResponseFraming.Response] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            let piece = Array(bytes[start..<cut])
            if let response = try piece.withUnsafeBytes({ try framing.take($0) }) { found.append(response) }
            start = cut
        }
        return found
    }

    @Test func aResponseCutAnywhereIsReadWhole() throws {
        let expected = ResponseFraming.Response(status: 200, body: Array(#"{"allowed":true} "#.utf8))
        for cut in 0...Self.response.count {
            var framing = ResponseFraming()
            #expect(try responses(Self.response, cuts: [cut], into: &framing) == [expected], "cut at \(cut)")
            #expect(framing.pending.isEmpty)
        }
        var framing = ResponseFraming()
        #expect(try responses(Self.response, cuts: Array(1..<Self.response.count), into: &framing) == [expected])
    }

    @Test func bytesPastAResponseStartTheNextOne() throws {
        var framing = ResponseFraming()
        let two = Self.response + Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno".utf8)
        let first = try two.withUnsafeBytes { try framing.take($0) }
        #expect(first?.status == 200)
        let second = try [UInt8]().withUnsafeBytes { try framing.take($0) }
        #expect(second == ResponseFraming.Response(status: 403, body: Array("no".utf8)))
        #expect(framing.pending.isEmpty)
    }

    @Test func anEmptyBodyIsAResponse() throws {
        var framing = ResponseFraming()
        let bytes = Array("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".utf8)
        #expect(try bytes.withUnsafeBytes { try framing.take($0) } == .init(status: 204, body: []))
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        "SMTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    ])
    func aResponseFramedAnyOtherWayIsAnError(_ head: String) {
        var framing = ResponseFraming()
        #expect(throws: BenchmarkError.self) { try Array(head.utf8).withUnsafeBytes { try framing.take($0) } }
    }

    @Test func aHeadThatNeverEndsIsAnErrorPastTheBound() throws {
        var framing = ResponseFraming()
        let line = Array("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)
        let status = Array("HTTP/1.1 200 OK\r\n".utf8)
        #expect(try status.withUnsafeBytes { try framing.take($0) } == nil)
        #expect(throws: BenchmarkError.self) {
            for _ in 0...(ResponseFraming.maximumHead / line.count) {
                _ = try line.withUnsafeBytes { try framing.take($0) }
            }
        }
    }
}
