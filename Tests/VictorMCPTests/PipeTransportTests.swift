import Foundation
import Logging
import MCP
import Testing
import VictorMCP

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PipeTransportTests {
    /// Writes `bytes` to `descriptor`, whole.
    func write(_ descriptor: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }

    @Test func linesArriveWholeAndAnOverlongOneEndsTheStreamWithAnError() async throws {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        #expect(pipe(&input) == 0)
        #expect(pipe(&output) == 0)
        defer { for descriptor in input + output where descriptor >= 0 { close(descriptor) } }
        let transport = PipeTransport(
            input: input[0],
            output: output[1],
            maxMessageBytes: 100,
            logger: Logger(label: "test")
        )
        try await transport.connect()
        // Two lines (one ending in CR LF, one split over two writes), an empty line, then 300
        // bytes with no line feed: past the bound.
        write(input[1], Array("{\"a\":1}\r\n{\"b\":".utf8))
        write(input[1], Array("2}\n\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 300))
        // End the input too, so a reader that ignored the bound would end the stream quietly.
        close(input[1])
        input[1] = -1
        var received: [String] = []
        var failure: (any Error)?
        do {
            for try await message in await transport.receive() {
                received.append(String(decoding: message, as: UTF8.self))
            }
        } catch {
            failure = error
        }
        #expect(received == [#"{"a":1}"#, #"{"b":2}"#])
        #expect("\(failure.map { "\($0)" } ?? "none")".contains("longer than 100 bytes"))
    }

    @Test func sentMessagesAreLines() async throws {
        var output: [Int32] = [0, 0]
        #expect(pipe(&output) == 0)
        defer { for descriptor in output { close(descriptor) } }
        let transport = PipeTransport(input: output[0], output: output[1], logger: Logger(label: "test"))
        try await transport.send(Data(#"{"c":3}"#.utf8))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(output[0], $0.baseAddress, $0.count) }
        #expect(Array(buffer[0..<max(count, 0)]) == Array("{\"c\":3}\n".utf8))
    }
}
