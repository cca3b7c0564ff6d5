import Foundation
import HTTPTypes
import Testing
import VictorRuntime
import VictorTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `victor serve` as a subprocess: SIGTERM with a request in flight lets it finish, flushes the
/// audit file and exits 0.
@Suite struct ShutdownTests {
    let directories = TemporaryDirectories()

    /// The `victor` executable, built beside the test bundle.
    func victor() -> String? {
        guard let runner = Bundle.main.executablePath else { return nil }
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("victor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test func sigtermLetsTheRequestInFlightFinishAndExitsZero() async throws {
        let executable = try #require(victor(), "the victor executable is built with the tests")
        let root = try makeSetup(directories)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", root + "/victor.yaml", "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // "listening on http://127.0.0.1:PORT"
        var port: Int?
        var buffered = ""
        let reader = output.fileHandleForReading
        while port == nil {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffered += String(decoding: chunk, as: UTF8.self)
            for line in buffered.split(separator: "\n") where line.hasPrefix("listening on http://127.0.0.1:") {
                port = Int(line.split(separator: ":").last ?? "")
            }
        }
        let bound = try #require(port)

        // A request whose body is half sent when the signal arrives.
        let body = #"{"user": "alice", "resource": "code", "action": "read"}"#
        let half = body.utf8.count / 2
        let descriptor = try connectSocket(port: bound)
        defer { close(descriptor) }
        send(
            descriptor,
            "POST /v1/authz/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + String(body.prefix(half))
        )
        // Let the server read the head (a delay, not an assertion about time).
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        send(descriptor, String(body.dropFirst(half)))
        let reply = await onThread { readAll(descriptor) }
        #expect(reply.hasPrefix("HTTP/1.1 200"), "the request in flight was answered: \(reply)")
        #expect(reply.contains(#""allowed":true"#))

        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    @Test func aNonLoopbackAddressWithoutTokensExitsNonZero() throws {
        let executable = try #require(victor(), "the victor executable is built with the tests")
        let root = try makeSetup(directories)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", root + "/victor.yaml", "--host", "0.0.0.0", "--port", "0"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text.contains("without a tokens file"))
    }
}
