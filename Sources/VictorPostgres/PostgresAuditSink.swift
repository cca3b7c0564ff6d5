import Foundation
import Logging
import PostgresNIO
import VictorLocks
public import VictorRuntime

/// An `AuditSink` writing records to `victor_audit`, many rows per statement.
///
/// ``record(_:)`` only appends to a buffer under a lock, so the gate never waits on the database.
/// A writer task inserts the buffer every ``Options/flushInterval`` (and ``flush()`` at once), one
/// statement per batch: a batch is stored whole or not at all. A batch that fails is put back and
/// retried; past ``Options/maxPendingRecords`` the oldest records are dropped and counted in
/// ``droppedRecords``. Each row keeps the record's JSON line, the form the file sink writes.
public final class PostgresAuditSink: AuditSink {
    /// How the sink batches.
    public struct Options: Sendable, Hashable {
        /// How often buffered records are written.
        public var flushInterval: Duration
        /// The most records one statement inserts.
        public var batchRecords: Int
        /// The most records kept while the database fails; the oldest go first.
        public var maxPendingRecords: Int

        /// Creates options.
        /// - Parameters:
        ///   - flushInterval: how often buffered records are written.
        ///   - batchRecords: the most records one statement inserts.
        ///   - maxPendingRecords: the most records kept while the database fails.
        public init(
            flushInterval: Duration = .milliseconds(200),
            batchRecords: Int = 500,
            maxPendingRecords: Int = 100_000
        ) {
            self.flushInterval = flushInterval
            self.batchRecords = batchRecords
            self.maxPendingRecords = maxPendingRecords
        }
    }

    private struct State {
        var pending: [AuditRecord] = []
        var dropped = 0
        var closed = false
    }

    let database: PostgresStore
    /// How the sink batches.
    public let options: Options
    private let state = Locked(State())
    private let writer: Writer
    private let ticker: Locked<Task<Void, Never>?> = Locked(nil)

    /// Creates a sink over `database`, whose schema ``PostgresSchema/migrate(_:)`` has made, and
    /// starts its writer.
    /// - Parameters:
    ///   - database: the store's pool.
    ///   - options: how the sink batches.
    public init(database: PostgresStore, options: Options = Options()) {
        self.database = database
        self.options = options
        writer = Writer()
        let interval = options.flushInterval
        ticker.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    try? await self.flush()
                }
            }
        }
    }

    deinit {
        ticker.withLock { $0?.cancel() }
    }

    /// Records dropped because writes kept failing past ``Options/maxPendingRecords``, or taken
    /// after ``close()``.
    public var droppedRecords: Int { state.withLock { $0.dropped } }

    /// Buffers the record; never waits on the database.
    /// - Parameter record: the record.
    public func record(_ record: AuditRecord) {
        state.withLock { state in
            guard !state.closed else {
                state.dropped += 1
                return
            }
            state.pending.append(record)
            if state.pending.count > options.maxPendingRecords {
                state.pending.removeFirst(state.pending.count - options.maxPendingRecords)
                state.dropped += 1
            }
        }
    }

    /// Writes every record taken so far.
    /// - Throws: `RuntimeError/Code/io` when the database fails; the records stay
    ///   buffered and are retried.
    public func flush() async throws(RuntimeError) {
        try await writer.drain(self)
    }

    /// Writes every record taken, then stops the writer; records taken afterwards are dropped.
    public func close() async throws(RuntimeError) {
        state.withLock { $0.closed = true }
        ticker.withLock { $0?.cancel() }
        try await flush()
    }

    fileprivate func take() -> [AuditRecord] {
        state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending
        }
    }

    fileprivate func putBack(_ records: [AuditRecord]) {
        state.withLock { state in
            state.pending = records + state.pending
            let excess = state.pending.count - options.maxPendingRecords
            if excess > 0 {
                state.pending.removeFirst(excess)
                state.dropped += excess
            }
        }
    }

    fileprivate func insert(_ batch: ArraySlice<AuditRecord>) async throws {
        let times = batch.map(\.time)
        let sessions = batch.map(\.session)
        let tools = batch.map(\.tool)
        let verdicts = batch.map(\.verdict.rawValue)
        let lines = batch.map(\.jsonLine)
        try await database.execute(
            """
            INSERT INTO victor_audit (time, session, tool, verdict, record)
            SELECT t, s, o, v, r::jsonb FROM unnest(\(times)::timestamptz[], \(sessions)::text[], \(tools)::text[], \(verdicts)::text[], \(lines)::text[]) AS b(t, s, o, v, r)
            """
        )
    }

    /// Serializes the writes, so records are stored in the order they were taken.
    private actor Writer {
        func drain(_ sink: PostgresAuditSink) async throws(RuntimeError) {
            let records = sink.take()
            var start = 0
            while start < records.count {
                let end = min(start + sink.options.batchRecords, records.count)
                do {
                    try await sink.insert(records[start..<end])
                } catch {
                    sink.putBack(Array(records[start...]))
                    throw RuntimeError(
                        .io,
                        "cannot write audit records to \(sink.database.url); they are kept and retried",
                        cause: Cause(error)
                    )
                }
                start = end
            }
        }
    }
}
