import Foundation
import Testing
import VictorBenchmarks
import VictorCommandLine

@Suite struct BenchCommandTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("victor-\(UUID().uuidString)-\(name)")
    }

    @Test func unknownOptionExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--no-such-option"]) == 2)
    }

    @Test func unknownFormatExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--format", "xml"]) == 2)
    }

    @Test func aPrefixMatchingNothingExitsWithTwo() async {
        #expect(await VictorCommand.runMain(["bench", "--only", "nothing."]) == 2)
    }

    @Test func listingExitsWithZero() async {
        #expect(await VictorCommand.runMain(["bench", "--list", "--only", "memory."]) == 0)
    }

    @Test func aPassingRunWritesJSONAndExitsWithZero() async throws {
        let output = temporaryFile("report.json")
        defer { try? FileManager.default.removeItem(at: output) }
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--format", "json", "--output", output.path, "--quick",
        ])
        #expect(code == 0)
        let report = try JSONReportRenderer.parse(Data(contentsOf: output))
        #expect(report.results.map(\.id) == ["memory.lru_cache"])
        #expect(report.summary.passed == 1)
    }

    @Test func anUnwritableOutputExitsWithTwo() async {
        let code = await VictorCommand.runMain([
            "bench", "--only", "memory.lru_cache", "--output", "/nonexistent-directory/report.txt", "--quick",
        ])
        #expect(code == 2)
    }
}
