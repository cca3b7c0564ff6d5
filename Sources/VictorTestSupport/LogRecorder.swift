public import Logging
import VictorLocks

/// Keeps every message logged through its ``logger``, to check what a component reports.
public final class LogRecorder: Sendable {
    /// One logged message.
    public struct Entry: Sendable {
        /// The level.
        public var level: Logger.Level
        /// The message.
        public var message: String
        /// The metadata, rendered.
        public var metadata: [String: String]
    }

    private let stored = Locked<[Entry]>([])

    /// Creates an empty recorder.
    public init() {}

    /// A logger writing into this recorder, at every level.
    public var logger: Logger {
        var logger = Logger(label: "test", factory: { _ in Handler(recorder: self) })
        logger.logLevel = .trace
        return logger
    }

    /// Every message logged so far.
    public var entries: [Entry] { stored.withLock { $0 } }

    func append(_ entry: Entry) { stored.withLock { $0.append(entry) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.append(
                Entry(
                    level: event.level,
                    message: event.message.description,
                    metadata: merged.mapValues { "\($0)" }
                )
            )
        }
    }
}
