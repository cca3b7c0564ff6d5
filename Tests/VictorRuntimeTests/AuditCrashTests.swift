import Foundation
import Testing
import VictorRuntime
import VictorTestSupport

@Suite struct AuditCrashTests {
    let directories = TemporaryDirectories()

    /// The probe executable, built beside the test bundle.
    func probe() -> String? {
        guard let runner = Bundle.main.executablePath else { return nil }
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("AuditProbe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test func aKilledWriterLeavesWholeLinesAndEverythingItStored() async throws {
        let executable = try #require(probe(), "the AuditProbe executable is built with the tests")
        let path = directories.make() + "/audit.jsonl"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Read "stored N" lines until a few thousand records are stored, then kill -9 mid-stream.
        var stored = 0
        var buffered = ""
        let reader = output.fileHandleForReading
        while stored < 5_000 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffered += String(decoding: chunk, as: UTF8.self)
            for line in buffered.split(separator: "\n") where line.hasPrefix("stored ") {
                stored = max(stored, Int(line.dropFirst(7)) ?? 0)
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(stored >= 5_000)

        // Every file of the rotation reads back whole, and together they hold at least what was
        // stored, in order, without a gap.
        var records: [AuditRecord] = []
        for suffix in [".3", ".2", ".1", ""] where FileManager.default.fileExists(atPath: path + suffix) {
            let (read, problems) = try AuditLog.read(contentsOf: path + suffix)
            #expect(problems.isEmpty, "a killed process leaves whole lines: \(problems)")
            records += read
        }
        let numbers = records.compactMap { Int($0.callID.dropFirst(5)) }
        #expect(numbers.count == records.count)
        #expect(
            numbers == Array((numbers.first ?? 1)..<((numbers.first ?? 1) + numbers.count)),
            "no gap, no reordering"
        )
        #expect((numbers.last ?? 0) >= stored, "every record reported stored is in the files")
    }

    /// A full disk (the probe limits its file size with RLIMIT_FSIZE): the batch cut short is
    /// taken back, the records wait in memory (the oldest dropped past `maxPendingRecords`), and
    /// once the file can grow they are written whole, once, in order.
    @Test func aFullDiskKeepsRecordsAndWritesThemWholeLater() async throws {
        let executable = try #require(probe(), "the AuditProbe executable is built with the tests")
        let path = directories.make() + "/audit.jsonl"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["full-disk", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("flush failed:") && text.contains("cannot write the audit file"), "\(text)")
        let dropped = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("dropped ") }.flatMap { Int($0.dropFirst(8)) },
            "\(text)"
        )
        // 150 records met the full disk and at most 100 wait in memory.
        #expect(dropped >= 50 && dropped < 150, "\(dropped) dropped")

        let (records, problems) = try AuditLog.read(contentsOf: path)
        #expect(problems.isEmpty, "no line cut short, none joined to another: \(problems)")
        let numbers = records.compactMap { Int($0.callID.dropFirst(5)) }
        // The 20 written before, then the newest that waited, once each, in order; the dropped
        // ones are the oldest of those that met the full disk.
        #expect(numbers == Array(0..<20) + Array((20 + dropped)..<170))
    }
}
