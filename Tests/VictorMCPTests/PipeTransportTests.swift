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

    /// A pipe is read on the event loop; a regular file and `/dev/null`, which it cannot
    /// watch, by a thread. The framing is the same: whole lines, a carriage return before the
    /// line feed dropped, empty lines skipped, and a last line without a line feed not a message.
    @Test(.timeLimit(.minutes(1)), arguments: ["pipe", "file", "null"])
    func everyKindOfInputIsReadLineByLine(kind: String) async throws {
        let content = Array("{\"a\":1}\r\n{\"b\":2}\n\n{\"c\":".utf8)
        let descriptor: Int32
        switch kind {
        case "pipe":
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            write(ends[1], content)
            close(ends[1])
            descriptor = ends[0]
        case "file":
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("victor-pipe-\(UUID())").path
            try Data(content).write(to: URL(fileURLWithPath: path))
            defer { unlink(path) }
            descriptor = open(path, O_RDONLY)
        default:
            descriptor = open("/dev/null", O_RDONLY)
        }
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let transport = PipeTransport(input: descriptor, output: 2, logger: Logger(label: "test"))
        try await transport.connect()
        var received: [String] = []
        for try await message in await transport.receive() {
            received.append(String(decoding: message, as: UTF8.self))
        }
        #expect(received == (kind == "null" ? [] : [#"{"a":1}"#, #"{"b":2}"#]))
    }

    /// Transports whose readers stop reading: more of them than the cooperative pool has threads,
    /// each sent four times a pipe's capacity. The pool keeps running other work while they
    /// wait; once the readers drain the pipes, every message arrives whole and in order.
    @Test(.timeLimit(.minutes(1))) func aFullPipeHoldsUpItsSenderNotThePoolsThreads() async throws {
        let count = ProcessInfo.processInfo.activeProcessorCount + 2
        var pipes: [[Int32]] = []
        for _ in 0..<count {
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            pipes.append(ends)
        }
        defer { for ends in pipes { close(ends[0]) } }
        let transports = pipes.map { PipeTransport(input: $0[0], output: $0[1], logger: Logger(label: "test")) }
        let messages = 32
        let size = 8 * 1_024
        let sending = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for transport in transports {
                    group.addTask {
                        for index in 0..<messages {
                            // A small message between large ones: it must wait behind them.
                            let length = index % 4 == 3 ? 16 : size
                            let byte = UInt8(ascii: "a") + UInt8(index % 26)
                            try await transport.send(Data(repeating: byte, count: length))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let answered = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await Task.detached { true }.value }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(answered, "the pool ran nothing while the pipes were full")

        // Drain every pipe on threads of their own, then check what arrived.
        let expected = (0..<messages).map { index -> [UInt8] in
            let length = index % 4 == 3 ? 16 : size
            return [UInt8](repeating: UInt8(ascii: "a") + UInt8(index % 26), count: length) + [0x0A]
        }.flatMap { $0 }
        let received = await withTaskGroup(of: [UInt8].self) { group in
            for ends in pipes {
                let descriptor = ends[0]
                let total = expected.count
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread {
                            var bytes: [UInt8] = []
                            var buffer = [UInt8](repeating: 0, count: 65_536)
                            while bytes.count < total {
                                let read = buffer.withUnsafeMutableBytes {
                                    Glibc.read(descriptor, $0.baseAddress, $0.count)
                                }
                                guard read > 0 else { break }
                                bytes += buffer[0..<read]
                            }
                            continuation.resume(returning: bytes)
                        }.start()
                    }
                }
            }
            return await group.reduce(into: [[UInt8]]()) { $0.append($1) }
        }
        try await sending.value
        for ends in pipes { close(ends[1]) }
        #expect(received.count == count)
        #expect(received.allSatisfy { $0 == expected })
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
