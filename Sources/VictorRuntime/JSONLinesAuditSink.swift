import Dispatch
import Foundation
public import Logging
import VictorFiles
import VictorLocks
public import VictorTelemetry

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends audit records to a JSON Lines file, in durable batches, rotating by size.
///
/// ``record(_:)`` only appends the record to a buffer in memory. A writer thread of the sink's
/// own turns the buffer into lines, writes them and syncs the file (`fsync`) when
/// ``Options/batchRecords`` records wait, every ``Options/flushInterval``, and on ``flush()``;
/// neither encoding nor file I/O runs on the caller's task.
///
/// Durability:
/// - **Clean shutdown loses nothing**: ``close()`` writes and syncs every record taken.
/// - **A crash** (`kill -9`, a power cut) loses at most the records not yet synced: those taken
///   in the last ``Options/flushInterval``, or the last batch. A record is one `write` of whole
///   lines, so a killed process leaves whole lines; after a power cut the last line may be cut
///   short, which ``AuditLog/read(contentsOf:)`` reports instead of failing.
/// - **A failed write** (a full disk) takes back what it wrote of the batch, keeps the records
///   in memory, up to ``Options/maxPendingRecords``, and retries with the next batch, so a
///   record is never cut short nor written twice; ``flush()`` throws until it succeeds. Beyond
///   that bound the oldest waiting records are dropped, counted in ``droppedRecords`` and
///   logged.
///
/// Rotation: before a batch would take the file past ``Options/maxFileBytes``, the file is
/// renamed `PATH.1` (an older `PATH.1` becomes `PATH.2`, and so on up to ``Options/keepFiles``;
/// the oldest is removed) and a new file is started. The file is created with mode 0600 and is
/// never opened through a symbolic link.
///
/// Several processes may share one file (gateways started with the same `victor.yaml`): each
/// batch is one `O_APPEND` write, so lines never interleave, and the size that triggers a
/// rotation is the file's own, all writers included. A rotation holds an exclusive `flock` on
/// `PATH.lock`; a writer that finds the file already rotated by another only reopens it, so the
/// files shift once per rotation and every record stays in one of them. Each batch is written
/// under a shared `flock` on `PATH.lock`, and a failed write's take-back holds it exclusively,
/// so no other writer appends between the take-back's size check and its cut. (So the directory
/// must let the writer create `PATH.lock`: when it cannot, every write fails with that reason
/// and the records wait in memory as for any failed write.) Before each batch a
/// writer checks that PATH is still the file it holds, and reopens PATH when it is not (rotated
/// by another process, or moved by a tool such as logrotate).
///
/// The writer thread lives until ``close()`` succeeds: close every sink you open (an
/// ``AgentRuntime`` closes its sinks in ``AgentRuntime/shutdown()``).
public final class JSONLinesAuditSink: AuditSink {
    /// How the sink batches, syncs and rotates.
    public struct Options: Sendable, Hashable {
        /// Records that wake the writer at once.
        public var batchRecords: Int
        /// The longest a record waits before it is written and synced.
        public var flushInterval: Duration
        /// The size at which the file is rotated.
        public var maxFileBytes: Int
        /// Rotated files kept (`PATH.1` … `PATH.N`).
        public var keepFiles: Int
        /// The most records kept in memory while writes fail.
        public var maxPendingRecords: Int
        /// Whether each batch is synced to stable storage.
        public var sync: Bool

        /// Creates options.
        public init(
            batchRecords: Int = 512,
            flushInterval: Duration = .milliseconds(50),
            maxFileBytes: Int = 64 << 20,
            keepFiles: Int = 5,
            maxPendingRecords: Int = 1_000_000,
            sync: Bool = true
        ) {
            self.batchRecords = batchRecords
            self.flushInterval = flushInterval
            self.maxFileBytes = maxFileBytes
            self.keepFiles = keepFiles
            self.maxPendingRecords = maxPendingRecords
            self.sync = sync
        }
    }

    private struct State {
        var pending: [AuditRecord] = []
        var taken: UInt64 = 0
        var stored: UInt64 = 0
        var woken = false
        var waiters: [(target: UInt64, continuation: CheckedContinuation<RuntimeError?, Never>)] = []
        var closing = false
        var closed = false
        var failure: RuntimeError?
        var dropped = 0
    }

    /// The file records are appended to.
    public let path: String
    /// The options the sink was created with.
    public let options: Options
    private let state = Locked(State())
    private let wake = DispatchSemaphore(value: 0)
    private let logger: Logger

    /// Opens (or creates) the file and starts the writer thread.
    /// - Throws: ``RuntimeError/Code/io`` when the file cannot be opened, is a symbolic link or
    ///   not a regular file; ``RuntimeError/Code/invalidArgument`` for options out of range.
    public init(
        path: String,
        options: Options = Options(),
        logger: Logger = Telemetry.silent
    ) throws(RuntimeError) {
        guard options.batchRecords >= 1, options.keepFiles >= 1, options.maxFileBytes >= 1,
            options.maxPendingRecords >= 1, options.flushInterval > .zero
        else {
            throw RuntimeError(.invalidArgument, "audit options out of range: \(options)")
        }
        self.path = path
        self.options = options
        self.logger = logger
        let opened = try AuditFile(path: path)
        let thread = Thread { [self] in
            var file = opened
            self.run(&file)
        }
        thread.name = "victor-audit"
        thread.start()
    }

    /// Records dropped because writes kept failing past ``Options/maxPendingRecords``, or taken
    /// after ``close()``.
    public var droppedRecords: Int { state.withLock { $0.dropped } }

    /// Buffers the record; never blocks on I/O.
    public func record(_ record: AuditRecord) {
        let wakeWriter = state.withLock { state -> Bool in
            guard !state.closing else {
                state.dropped += 1
                return false
            }
            state.pending.append(record)
            state.taken += 1
            guard state.pending.count >= options.batchRecords, !state.woken else { return false }
            state.woken = true
            return true
        }
        if wakeWriter { wake.signal() }
    }

    /// Writes and syncs every record taken so far.
    /// - Throws: ``RuntimeError/Code/io`` when the write or the sync failed (the records stay
    ///   buffered and are retried), ``RuntimeError/Code/closed`` after ``close()``.
    public func flush() async throws(RuntimeError) {
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<RuntimeError?, Never>) in
            let immediate = state.withLock { state -> RuntimeError?? in
                if state.closed { return .some(RuntimeError(.closed, "the audit sink for \(path) is closed")) }
                if state.stored >= state.taken { return .some(nil) }
                state.waiters.append((state.taken, continuation))
                return .none
            }
            if let immediate {
                continuation.resume(returning: immediate)
            } else {
                wake.signal()
            }
        }
        if let failure { throw failure }
    }

    /// Writes and syncs everything taken, then closes the file and stops the writer. Records
    /// taken afterwards are dropped and counted.
    public func close() async throws(RuntimeError) {
        let alreadyClosed = state.withLock { state -> Bool in
            let closed = state.closing
            state.closing = true
            return closed
        }
        guard !alreadyClosed else { return }
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<RuntimeError?, Never>) in
            state.withLock { $0.waiters.append((UInt64.max, continuation)) }
            wake.signal()
        }
        if let failure { throw failure }
    }

    // MARK: Writer

    private func run(_ file: inout AuditFile) {
        let nanoseconds = Int(options.flushInterval.totalNanoseconds)
        // Kept across batches with their capacity (the drained batch array becomes the next
        // `pending`): a fresh buffer of a batch's size is a fresh mapping, paid for in page
        // faults on every batch.
        var bytes: [UInt8] = []
        var batch: [AuditRecord] = []
        while true {
            _ = wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
            let (target, closing) = state.withLock { state in
                swap(&batch, &state.pending)
                if state.pending.capacity < options.batchRecords {
                    state.pending.reserveCapacity(options.batchRecords)
                }
                state.woken = false
                return (state.taken, state.closing)
            }
            var failure: RuntimeError?
            if !batch.isEmpty {
                // A batch of unusually large records (recorded arguments) does not pin its buffer.
                bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 22)
                bytes.reserveCapacity(batch.count * 400)
                for record in batch {
                    record.appendJSONLine(to: &bytes)
                    bytes.append(0x0A)
                }
                do throws(RuntimeError) {
                    try file.append(bytes, options: options)
                } catch {
                    failure = error
                    keep(batch, after: error)
                }
                batch.removeAll(keepingCapacity: true)
            }
            if closing, failure == nil { file.closeFile() }
            let ready = state.withLock { state -> [(CheckedContinuation<RuntimeError?, Never>, RuntimeError?)] in
                if failure == nil { state.stored = target }
                state.failure = failure
                if closing, failure == nil { state.closed = true }
                var ready: [(CheckedContinuation<RuntimeError?, Never>, RuntimeError?)] = []
                state.waiters.removeAll { waiter in
                    if let failure {
                        ready.append((waiter.continuation, failure))
                        return true
                    }
                    guard waiter.target <= state.stored || (waiter.target == .max && state.closed) else { return false }
                    ready.append((waiter.continuation, nil))
                    return true
                }
                return ready
            }
            for (continuation, failure) in ready { continuation.resume(returning: failure) }
            if closing, failure == nil { return }
        }
    }

    /// Puts a batch that failed back in front of the buffer, dropping the oldest records past
    /// the memory bound.
    private func keep(_ batch: [AuditRecord], after error: RuntimeError) {
        let dropped = state.withLock { state -> Int in
            let combined = batch + state.pending
            let dropped = max(0, combined.count - options.maxPendingRecords)
            state.pending = Array(combined.dropFirst(dropped))
            state.dropped += dropped
            return dropped
        }
        logger.error(
            "audit write failed; records kept for the next attempt",
            metadata: ["path": "\(path)", "error": "\(error.message)", "dropped": "\(dropped)"]
        )
    }
}

/// The audit file: appends whole batches, syncs, and rotates.
struct AuditFile {
    let path: String
    private var descriptor: Int32
    private var size: Int
    /// A failed write left part of a line that could not be taken back (another process had
    /// appended after it): the next batch starts with a line feed, so the fragment stays a line
    /// of its own, which ``AuditLog/read(contentsOf:)`` reports instead of joining it to a record.
    private var endsInFragment = false
    /// `PATH.lock`, kept open: batches are written under a shared lock on it.
    private var lockDescriptor: Int32 = -1

    init(path: String) throws(RuntimeError) {
        self.path = path
        (descriptor, size) = try Self.openFile(path)
    }

    private static func openFile(_ path: String) throws(RuntimeError) -> (Int32, Int) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw RuntimeError(.io, "cannot open the audit file \(path): \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            _ = systemClose(descriptor)
            throw RuntimeError(.io, "the audit file \(path) is not a regular file")
        }
        return (descriptor, Int(status.st_size))
    }

    mutating func append(_ bytes: [UInt8], options: JSONLinesAuditSink.Options) throws(RuntimeError) {
        // PATH is no longer the file this writer holds (another process rotated it, a tool such
        // as logrotate moved it, someone removed it): lines written to the old one could end up
        // in a file already removed, so the writer moves to PATH first. The size is the file's
        // own, other writers' lines included: this process's count alone would rotate late
        // when several processes append to one file.
        if let held = heldSize() {
            size = held
        } else {
            try reopen()
        }
        if size > 0, size + bytes.count > options.maxFileBytes { try rotate(keep: options.keepFiles) }
        let batch = endsInFragment ? [0x0A] + bytes : bytes
        // Shared among writers appending; a take-back needs it exclusively (see `discard`).
        let lock = try lockFile()
        try Self.lock(lock, LOCK_SH, path)
        var written = 0
        let error = writeAll(batch, to: descriptor, written: &written)
        if error != 0 {
            if written > 0 { discard(written, after: size, lock: lock) }
            _ = flock(lock, LOCK_UN)
            throw RuntimeError(.io, "cannot write the audit file \(path): \(String(cString: strerror(error)))")
        }
        _ = flock(lock, LOCK_UN)
        endsInFragment = false
        size += batch.count
        if options.sync, fsync(descriptor) != 0 {
            throw RuntimeError(.io, "cannot sync the audit file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// `PATH.lock`, opened on first use and kept while PATH.lock still names it (a lock on a
    /// lock file someone removed would exclude nobody).
    private mutating func lockFile() throws(RuntimeError) -> Int32 {
        if lockDescriptor >= 0 {
            var named = stat()
            var held = stat()
            if stat(path + ".lock", &named) == 0, fstat(lockDescriptor, &held) == 0,
                named.st_ino == held.st_ino, named.st_dev == held.st_dev
            {
                return lockDescriptor
            }
            _ = systemClose(lockDescriptor)
            lockDescriptor = -1
        }
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else {
            throw RuntimeError(.io, "cannot open the audit lock file \(path).lock: \(String(cString: strerror(errno)))")
        }
        lockDescriptor = lock
        return lock
    }

    /// `flock(lock, operation)`, waiting as long as it takes.
    private static func lock(_ lock: Int32, _ operation: Int32, _ path: String) throws(RuntimeError) {
        while flock(lock, operation) != 0 {
            guard errno == EINTR else {
                throw RuntimeError(.io, "cannot lock \(path).lock: \(String(cString: strerror(errno)))")
            }
        }
    }

    private mutating func rotate(keep: Int) throws(RuntimeError) {
        _ = fsync(descriptor)
        // One rotation at a time among the processes sharing the file, and none while a writer
        // appends. The kept descriptor holds no lock here: appends take it only while writing.
        let lock = try lockFile()
        try Self.lock(lock, LOCK_EX, path)
        defer { _ = flock(lock, LOCK_UN) }
        // Another writer rotated since this one looked: PATH is a new file, so this writer moves
        // to it instead of shifting the files a second time.
        if heldSize() == nil {
            try reopen()
            return
        }
        _ = systemClose(descriptor)
        descriptor = -1
        _ = unlink("\(path).\(keep)")
        for index in stride(from: keep - 1, through: 1, by: -1) {
            _ = rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        guard rename(path, "\(path).1") == 0 else {
            let reason = String(cString: strerror(errno))
            try reopen()
            throw RuntimeError(.io, "cannot rotate the audit file \(path): \(reason)")
        }
        try reopen()
        syncDirectory()
    }

    /// Moves to the file PATH names now. A fragment a failed write left stays the last line of
    /// the file left behind, where ``AuditLog/read(contentsOf:)`` reports it as incomplete.
    private mutating func reopen() throws(RuntimeError) {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
        endsInFragment = false
        (descriptor, size) = try Self.openFile(path)
    }

    /// Takes back the `written` bytes a failed write (a full disk) left after `start`, so the
    /// retried batch is neither cut nor written twice. When another process has appended since,
    /// the bytes stay (cutting would take its lines too) and the next batch begins on a new line.
    ///
    /// Holds `lock` exclusively, so no writer appends between the size check and the cut. (The
    /// shared lock is let go before the exclusive one is taken; a writer appending in that gap
    /// shows in the size.)
    private mutating func discard(_ written: Int, after start: Int, lock: Int32) {
        guard (try? Self.lock(lock, LOCK_EX, path)) != nil else {
            endsInFragment = true
            return
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, Int(status.st_size) == start + written,
            ftruncate(descriptor, off_t(start)) == 0
        {
            return
        }
        endsInFragment = true
    }

    /// The size of the file this writer holds open, when PATH still names it; `nil` when not.
    private func heldSize() -> Int? {
        var named = stat()
        var held = stat()
        guard stat(path, &named) == 0, fstat(descriptor, &held) == 0,
            named.st_ino == held.st_ino, named.st_dev == held.st_dev
        else { return nil }
        return Int(held.st_size)
    }

    private func syncDirectory() {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let handle = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard handle >= 0 else { return }
        _ = fsync(handle)
        _ = systemClose(handle)
    }

    func closeFile() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        if lockDescriptor >= 0 { _ = systemClose(lockDescriptor) }
    }
}

/// `close(2)`, named apart from the methods called `close`.
private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(descriptor)
    #elseif canImport(Musl)
    Musl.close(descriptor)
    #else
    Darwin.close(descriptor)
    #endif
}

/// Reads an audit trail back.
public enum AuditLog {
    /// The records of a JSON Lines audit file, and a problem for each line that is not one.
    ///
    /// A last line without its newline (a write cut short by a power loss) is reported as a
    /// problem, never mistaken for a record.
    /// - Throws: ``RuntimeError/Code/io`` when the file cannot be read.
    public static func read(
        contentsOf path: String
    ) throws(RuntimeError) -> (records: [AuditRecord], problems: [String]) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RuntimeError(.io, "cannot read \(path): \(error.localizedDescription)", cause: error)
        }
        var records: [AuditRecord] = []
        var problems: [String] = []
        let bytes = [UInt8](data)
        var start = 0
        var line = 1
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else {
                problems.append(
                    "\(path):\(line): the last line is incomplete (\(bytes.count - start) bytes without a newline)"
                )
                break
            }
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            do throws(RuntimeError) {
                records.append(try AuditRecord(jsonLine: text, source: "\(path):\(line)"))
            } catch {
                problems.append(error.message)
            }
            start = end + 1
            line += 1
        }
        return (records, problems)
    }
}
