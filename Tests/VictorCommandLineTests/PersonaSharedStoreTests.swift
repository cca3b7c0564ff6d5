import Foundation
import Testing
import VictorScratchPostgres
import VictorTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `victor persona … --store postgres://…`: the commands on the shared store, and an import
/// killed at random moments leaving all of its personas or none.
@Suite(.enabled(if: PostgresTests.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PersonaSharedStoreTests {
    /// `count` personas `bulk-N` in one document.
    static func bulk(_ count: Int, name: String = "Bulk") -> String {
        "personas:\n"
            + (0..<count).map { index in
                "  bulk-\(index):\n    name: \(name) \(index)\n    personality: pragmatic\n    communication_style: direct\n"
            }.joined()
    }

    /// The ids of stored (not built-in) personas starting with `bulk-`.
    func stored(_ url: String) async throws -> [String] {
        let listing = await victor(["persona", "list", "--store", url, "--format", "json"])
        #expect(listing.status == 0, "\(listing.standardError)")
        let summaries = try listing.decodedOutput(as: [PersonaSummaryOutput].self)
        return summaries.map(\.id).filter { $0.hasPrefix("bulk-") }
    }

    @Test func theCommandsWorkOnTheSharedStoreAndAnImportIsAllOrNothing() async throws {
        let cluster = try ScratchPostgresCluster.shared()
        let url = cluster.url(database: try cluster.makeDatabase())
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        write(Self.bulk(3), to: "\(root)/three.yaml")
        let imported = await victor(["persona", "import", "\(root)/three.yaml", "--store", url])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.outputLines.count == 3)
        #expect(try await stored(url).sorted() == ["bulk-0", "bulk-1", "bulk-2"])
        let shown = await victor(["persona", "show", "bulk-1", "--store", url, "--format", "json"])
        #expect(shown.status == 0)
        #expect(shown.standardOutput.contains("Bulk 1"))

        // One bad persona among new ones: nothing is imported.
        write(Self.bulk(6) + "  broken:\n    name: Broken\n    personality: sideways\n", to: "\(root)/bad.yaml")
        let refused = await victor(["persona", "import", "\(root)/bad.yaml", "--store", url])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("bad.yaml"))
        #expect(try await stored(url).count == 3)
    }

    /// Runs `victor persona import bulk.yaml`, killed with SIGKILL after `killAfter` (when given).
    /// - Returns: its exit status, or -1 when it was killed.
    func runImport(_ executable: URL, root: String, url: String, killAfter: Duration?) async throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["persona", "import", "\(root)/bulk.yaml", "--store", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let start = ContinuousClock.now
        while process.isRunning {
            if let killAfter, ContinuousClock.now - start >= killAfter {
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }
                return -1
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        return process.terminationStatus
    }

    @Test func aBadStoreURLIsAUsageErrorWithoutItsPassword() async {
        let run = await victor(["persona", "list", "--store", "postgres://victor:s3cret@db/victor?pool_size=none"])
        #expect(run.status == 2)
        #expect(run.standardError.contains("pool_size"))
        #expect(!run.standardError.contains("s3cret"))
    }

    // Up to eleven imports of a debug build, one after the other, while the rest of the suite runs
    // in parallel: 57 s in a full `swift test` on a 2-core machine, and past two minutes in one
    // CI run on a slower one. The limit is there to end a hang, not to time the imports.
    @Test(.timeLimit(.minutes(5))) func anImportKilledAtAnyMomentLeavesAllOrNothing() async throws {
        let executable = try #require(victorExecutable(), "the victor executable is built with the tests")
        let cluster = try ScratchPostgresCluster.shared()
        let url = cluster.url(database: try cluster.makeDatabase())
        let root = temporaryDirectory()
        defer { removeDirectory(root) }
        let count = 300
        write(Self.bulk(count), to: "\(root)/bulk.yaml")
        // How long a whole import takes here, on a database of its own; the kills then land
        // across that span, before, during and around the commit.
        let timing = cluster.url(database: try cluster.makeDatabase())
        #expect(await victor(["db", "migrate", "--store", timing]).status == 0)
        #expect(await victor(["db", "migrate", "--store", url]).status == 0)
        let start = ContinuousClock.now
        let whole = try await runImport(executable, root: root, url: timing, killAfter: nil)
        let span = ContinuousClock.now - start
        #expect(whole == 0, "the timed import failed")
        var outcomes: [Int] = []
        for fraction in [0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1] {
            _ = try await runImport(executable, root: root, url: url, killAfter: span * fraction)
            let found = try await stored(url).count
            #expect(found == 0 || found == count, "a killed import left \(found) of \(count) personas")
            outcomes.append(found)
            if found == count { break }
        }
        print("a whole import took \(span); personas found after each killed one: \(outcomes)")
        let finished = await victor(["persona", "import", "\(root)/bulk.yaml", "--store", url])
        #expect(finished.status == 0, "\(finished.standardError)")
        #expect(try await stored(url).count == count)
    }
}
