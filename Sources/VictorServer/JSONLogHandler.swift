import Foundation
public import Logging
import Synchronization
import VictorDocuments

/// A swift-log handler that writes one JSON object per line — `time`, `level`, `label`,
/// `message`, `source`, `error` when there is one, and the metadata as nested JSON — the shape of
/// the server's access log.
///
/// Setting metadata stores it and nothing more; the line is built only when a message passes the
/// level. (swift-log's `StreamLogHandler` formats all of its metadata again on every change, and
/// the HTTP server sets a request id on a copy of its logger for every request.)
public struct JSONLogHandler: LogHandler {
    /// Messages below this level are dropped.
    public var logLevel: Logger.Level = .info
    /// The handler's own metadata, under every message's.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added to every message at the time it is logged.
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Creates a handler for `label` that hands each line, without its line feed, to `write`.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - metadataProvider: metadata added to every message when it is logged.
    ///   - write: receives each line, whole; called from any thread.
    public init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    /// A handler that writes its lines to standard error, each whole.
    /// - Parameter label: the logger's label.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in
            standardErrorLock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }
    private static let standardErrorLock = Mutex(())

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line for a message at or above ``logLevel``.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let given = event.metadata { merged.merge(given) { _, new in new } }
        write(Self.line(event, label: label, metadata: merged, time: Date()))
    }

    /// The JSON line for `event` (keys in a fixed order; metadata keys sorted).
    static func line(_ event: LogEvent, label: String, metadata: Logger.Metadata, time: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: #"{"time":"#.utf8)
        DocumentWriter.appendQuoted(
            time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            to: &bytes
        )
        bytes.append(contentsOf: #","level":"#.utf8)
        DocumentWriter.appendQuoted(event.level.rawValue, to: &bytes)
        bytes.append(contentsOf: #","label":"#.utf8)
        DocumentWriter.appendQuoted(label, to: &bytes)
        bytes.append(contentsOf: #","message":"#.utf8)
        DocumentWriter.appendQuoted(event.message.description, to: &bytes)
        bytes.append(contentsOf: #","source":"#.utf8)
        DocumentWriter.appendQuoted(event.source, to: &bytes)
        if let error = event.error {
            bytes.append(contentsOf: #","error":"#.utf8)
            DocumentWriter.appendQuoted(String(describing: error), to: &bytes)
        }
        if !metadata.isEmpty {
            bytes.append(contentsOf: #","metadata":"#.utf8)
            append(.dictionary(metadata), to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func append(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text): DocumentWriter.appendQuoted(text, to: &bytes)
        case .stringConvertible(let item): DocumentWriter.appendQuoted(item.description, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                DocumentWriter.appendQuoted(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(members[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
