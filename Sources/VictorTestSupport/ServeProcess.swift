public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `victor` executable built beside the running test bundle (`.build/debug/victor`), or
/// `nil` when it was not built.
/// - Parameter sourceFile: a file of the package, to find its `.build` when the bundle's own
///   directory does not hold the executable.
public func victorExecutable(sourceFile: String = #filePath) -> URL? {
    var candidates: [URL] = []
    if let path = Bundle.main.executablePath {
        var directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        // On macOS the runner sits inside the .xctest bundle: Contents/MacOS.
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("victor"))
            directory = directory.deletingLastPathComponent()
        }
    }
    var root = URL(fileURLWithPath: sourceFile)
    for _ in 0..<3 { root = root.deletingLastPathComponent() }
    candidates.append(root.appendingPathComponent(".build/debug/victor"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// `victor serve` as a child process listening on an ephemeral loopback port: what a deployment
/// runs, killed for real when a test needs it.
///
/// Its standard output and error go to files in the directory it is started in, so a test can
/// show them when something fails.
public final class ServeProcess: @unchecked Sendable {
    /// Why a process could not be started.
    public struct StartFailure: Error, CustomStringConvertible {
        /// What happened, with the last lines the process wrote.
        public let description: String
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// Its process id.
    public let pid: Int32
    // Process is safe to signal and poll from any thread; the class adds no mutable state.
    private let process: Process
    private let errorPath: String

    private init(process: Process, port: Int, errorPath: String) {
        self.process = process
        self.port = port
        pid = process.processIdentifier
        self.errorPath = errorPath
    }

    /// Starts `victor serve --port 0` with `arguments` and waits until it listens.
    /// - Parameters:
    ///   - arguments: arguments after `serve --port 0`.
    ///   - directory: its working directory, where `NAME.out` and `NAME.err` are written.
    ///   - name: names its output files.
    ///   - limit: how long to wait for it to listen.
    /// - Throws: ``StartFailure`` when the executable is missing, or the process exits or does
    ///   not listen within `limit`.
    public static func start(
        _ arguments: [String],
        in directory: String,
        name: String = "serve",
        within limit: Duration = .seconds(60)
    ) async throws -> ServeProcess {
        guard let executable = victorExecutable() else {
            throw StartFailure(description: "the victor executable is not built")
        }
        let outputPath = "\(directory)/\(name).out"
        let errorPath = "\(directory)/\(name).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            if let range = output.range(of: "listening on http://127.0.0.1:"),
                let port = Int(output[range.upperBound...].prefix { $0.isNumber })
            {
                return ServeProcess(process: process, port: port, errorPath: errorPath)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let lastLines = ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
            .split(separator: "\n").suffix(5).joined(separator: "\n")
        throw StartFailure(description: "victor serve did not start listening:\n\(lastLines)")
    }

    /// What the process wrote on standard error so far (its JSON log lines).
    public var log: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Whether it still runs.
    public var isRunning: Bool { process.isRunning }

    /// Kills it at once with SIGKILL, as a crash or an out-of-memory kill would, and waits until
    /// it is gone.
    public func killAbruptly() async {
        kill(pid, SIGKILL)
        await waitForExit(within: .seconds(30))
    }

    /// Stops it with SIGTERM (its graceful shutdown), then SIGKILL after `limit`.
    /// - Returns: its exit status, or `nil` when it had to be killed.
    @discardableResult
    public func stop(within limit: Duration = .seconds(15)) async -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        if await waitForExit(within: limit) { return process.terminationStatus }
        await killAbruptly()
        return nil
    }

    @discardableResult
    private func waitForExit(within limit: Duration) async -> Bool {
        let start = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return !process.isRunning
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}
