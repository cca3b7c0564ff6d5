import Logging
import Synchronization
import Testing
import VictorRuntime
import VictorServer

@Suite struct JSONLogHandlerTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk \"full\"" }
    }

    /// The lines a handler wrote.
    final class Lines: Sendable {
        let written = Mutex<[String]>([])
        func append(_ line: String) { written.withLock { $0.append(line) } }
        var all: [String] { written.withLock { $0 } }
    }

    func logger(_ lines: Lines) -> Logger {
        Logger(label: "victor.test") { label in JSONLogHandler(label: label) { line in lines.append(line) } }
    }

    @Test func eachMessageIsOneJSONObjectWithItsMetadataNested() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "request_id"] = "r-1"
        logger.info(
            "reloaded\nwith a line break",
            metadata: [
                "generation": .stringConvertible(7), "files": .array([.string("a.yaml"), .string(#"b"q\.yaml"#)]),
            ]
        )
        logger.debug("dropped below the level")
        logger.error("write failed", error: Failure())
        let written = lines.all
        #expect(written.count == 2)
        #expect(written.allSatisfy { !$0.contains("\n") })
        let first = try JSONValue.parse(written[0])
        #expect(first["level"] == .string("info"))
        #expect(first["label"] == .string("victor.test"))
        #expect(first["message"] == .string("reloaded\nwith a line break"))
        #expect(first["metadata"]?["request_id"] == .string("r-1"))
        #expect(first["metadata"]?["generation"] == .string("7"))
        #expect(first["metadata"]?["files"] == .array([.string("a.yaml"), .string(#"b"q\.yaml"#)]))
        guard case .string(let time) = first["time"] else {
            Issue.record("no time")
            return
        }
        #expect(time.hasSuffix("Z"))
        let second = try JSONValue.parse(written[1])
        #expect(second["error"] == .string(#"disk "full""#))
        #expect(second["metadata"]?["request_id"] == .string("r-1"))
    }

    @Test func messageMetadataWinsOverTheHandlersAndTheProviders() throws {
        let lines = Lines()
        var logger = Logger(label: "victor.test") { label in
            JSONLogHandler(label: label, metadataProvider: Logger.MetadataProvider { ["k": "provided", "p": "1"] }) {
                line in lines.append(line)
            }
        }
        logger[metadataKey: "k"] = "handler"
        logger.info("one")
        logger.info("two", metadata: ["k": "message"])
        let written = try lines.all.map { try JSONValue.parse($0) }
        #expect(written[0]["metadata"]?["k"] == .string("provided"))
        #expect(written[0]["metadata"]?["p"] == .string("1"))
        #expect(written[1]["metadata"]?["k"] == .string("message"))
    }
}
