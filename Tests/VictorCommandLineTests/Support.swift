import Foundation
import Synchronization
import Testing
import VictorCommandLine
import VictorPersonas
import VictorTestSupport

/// A fresh temporary directory, removed by the caller with `removeDirectory`.
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("victor-cli-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

func write(_ text: String, to path: String) {
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func read(_ path: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { String(data: $0, encoding: .utf8) }
}

func samplePersona(_ id: String) -> Persona { PersonaStoreContract.samplePersona(id) }

/// The authorization configuration the command tests decide against.
let sampleAuthorizationYAML = AuthorizationSamples.yaml

/// What a run of `victor` printed and returned.
struct VictorRun {
    var status: Int32
    var standardOutput: String
    var standardError: String

    /// Standard output's lines, without the last line break.
    var outputLines: [String] {
        standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Standard error's lines, without the last line break.
    var errorLines: [String] {
        standardError.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Standard output decoded as JSON into `type`.
    func decodedOutput<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(standardOutput.utf8))
    }
}

/// Collects what a command writes, for ``victor(_:)``.
final class OutputRecorder: Sendable {
    private let text = Mutex((standardOutput: "", standardError: ""))

    var output: CommandOutput {
        CommandOutput(
            standardOutput: { written in self.text.withLock { $0.standardOutput += written } },
            standardError: { written in self.text.withLock { $0.standardError += written } }
        )
    }

    var recorded: (standardOutput: String, standardError: String) { text.withLock { $0 } }
}

/// Runs `victor` in this process with `arguments`, recording what it writes.
func victor(_ arguments: [String]) async -> VictorRun {
    let recorder = OutputRecorder()
    let status = await VictorCommand.runMain(arguments, output: recorder.output)
    let recorded = recorder.recorded
    return VictorRun(status: status, standardOutput: recorded.standardOutput, standardError: recorded.standardError)
}

/// Runs `victor` in this process with arguments given as bytes, recording what it writes.
func victor(rawArguments: [[UInt8]]) async -> VictorRun {
    let recorder = OutputRecorder()
    let status = await VictorCommand.runMain(rawArguments: rawArguments, output: recorder.output)
    let recorded = recorder.recorded
    return VictorRun(status: status, standardOutput: recorded.standardOutput, standardError: recorded.standardError)
}

/// Runs the built `victor` executable with `arguments`, feeding `input` on standard input: for
/// what only a process shows (its real streams, standard input, the progress of a run).
func runVictor(_ arguments: [String], input: String? = nil) throws -> VictorRun {
    let executable = try #require(victorExecutable(), "the victor executable is built with the tests")
    let scratch = temporaryDirectory()
    defer { removeDirectory(scratch) }
    let outputPath = "\(scratch)/stdout"
    let errorPath = "\(scratch)/stderr"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    process.waitUntilExit()
    return VictorRun(
        status: process.terminationStatus,
        standardOutput: read(outputPath) ?? "",
        standardError: read(errorPath) ?? ""
    )
}
