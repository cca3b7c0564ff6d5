public import VictorFiles
import VictorLocks

/// A ``VictorFiles/FileSystem`` that passes every call to another one (the real file system by
/// default) and fails the calls it is told to: the Nth write, rename or sync, every call on a
/// chosen path, every call of a kind, or everything after a crash point.
///
/// A crash point models a process killed midway: once the given number of changes (writes,
/// renames, removals, directory creations and syncs) has been made, the write under way leaves
/// half its bytes unsynced and every later call fails, so nothing more reaches the disk. A store
/// opened afterwards over the same directory with the real file system sees what a restarted
/// process would see. Counting ``changes`` in an undisturbed run gives every crash point there is.
///
/// ```swift
/// let files = FaultInjectingFileSystem()
/// files.fail(.rename, call: 2)                     // the second rename from now on
/// files.fail(.rename, at: "\(directory)/b.json")   // every rename into b.json
/// files.crash(afterChanges: 5)                      // the process dies after 5 changes
/// ```
public final class FaultInjectingFileSystem: FileSystem {
    /// A kind of call.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// ``VictorFiles/FileSystem/read(_:)``.
        case read
        /// ``VictorFiles/FileSystem/writeAndSync(_:to:)``.
        case write
        /// ``VictorFiles/FileSystem/rename(_:to:)``; its path is the destination.
        case rename
        /// ``VictorFiles/FileSystem/remove(_:)``.
        case remove
        /// ``VictorFiles/FileSystem/contentsOfDirectory(_:)``.
        case list
        /// ``VictorFiles/FileSystem/createDirectory(_:)``.
        case createDirectory
        /// ``VictorFiles/FileSystem/syncDirectory(_:)``.
        case sync
        /// ``VictorFiles/FileSystem/lock(_:)``.
        case lock
        /// ``VictorFiles/FileSystem/kind(of:)``.
        case kind

        /// Whether the call changes what is on disk.
        public var isChange: Bool {
            switch self {
            case .write, .rename, .remove, .createDirectory, .sync: true
            case .read, .list, .lock, .kind: false
            }
        }
    }

    /// The error an injected failure throws.
    public struct InjectedFailure: Error, Sendable, CustomStringConvertible {
        /// The call that failed.
        public var operation: Operation
        /// Its path (a rename's destination).
        public var path: String
        /// Whether it failed because the simulated process had crashed.
        public var isCrash: Bool

        /// `injected failure: rename /store/a.json`.
        public var description: String {
            "\(isCrash ? "crashed before" : "injected failure:") \(operation.rawValue) \(path)"
        }
    }

    /// One call that reached the file system: its kind and path.
    public struct Call: Sendable, Hashable {
        /// The kind of call.
        public var operation: Operation
        /// Its path (a rename's destination).
        public var path: String
    }

    private struct Rules {
        var callsToFail: [Operation: Set<Int>] = [:]
        var callCounts: [Operation: Int] = [:]
        var pathsToFail: [Operation: Set<String>] = [:]
        var operationsToFail: Set<Operation> = []
        var changesBeforeCrash: Int?
        var crashed = false
        var changes = 0
        var calls: [Call] = []
    }

    /// The file system calls are passed to.
    public let base: any FileSystem
    private let rules = Locked(Rules())

    /// Creates a file system passing calls to `base`, failing none until told to.
    public init(base: any FileSystem = POSIXFileSystem()) {
        self.base = base
    }

    // MARK: Rules

    /// Fails the `call`th call (1-based) of `operation` counted from now on, once.
    public func fail(_ operation: Operation, call: Int) {
        precondition(call >= 1, "calls are counted from 1")
        rules.withLock { rules in
            _ = rules.callsToFail[operation, default: []].insert(call + rules.callCounts[operation, default: 0])
        }
    }

    /// Fails every call of `operation` on `path` (for a rename, into `path`) until ``heal()``.
    public func fail(_ operation: Operation, at path: String) {
        rules.withLock { _ = $0.pathsToFail[operation, default: []].insert(path) }
    }

    /// Fails every call of `operation` until ``heal()``.
    public func failEvery(_ operation: Operation) {
        rules.withLock { _ = $0.operationsToFail.insert(operation) }
    }

    /// Simulates a crash once `changes` more changes have been made: the change under way then
    /// (a write leaves half its bytes, unsynced) and every later call fail.
    public func crash(afterChanges changes: Int) {
        precondition(changes >= 0, "a crash point is a count of changes")
        rules.withLock { $0.changesBeforeCrash = $0.changes + changes }
    }

    /// Forgets every rule, and the crash: the file system works again.
    public func heal() {
        rules.withLock { rules in
            rules.callsToFail = [:]
            rules.pathsToFail = [:]
            rules.operationsToFail = []
            rules.changesBeforeCrash = nil
            rules.crashed = false
        }
    }

    /// Whether a crash point was reached.
    public var hasCrashed: Bool { rules.withLock { $0.crashed } }

    /// The number of changes made so far (see ``Operation/isChange``).
    public var changes: Int { rules.withLock { $0.changes } }

    /// Every call that reached the file system, failed or not, oldest first.
    public var calls: [Call] { rules.withLock { $0.calls } }

    /// The paths of the calls of `operation` so far, oldest first.
    public func paths(of operation: Operation) -> [String] {
        calls.filter { $0.operation == operation }.map(\.path)
    }

    // MARK: The calls

    /// Counts the call and throws when a rule says it fails; `partialWrite` then runs for a write
    /// a crash cuts short.
    private func enter(_ operation: Operation, _ path: String, partialWrite: (() -> Void)? = nil) throws {
        let (failure, tornWrite) = rules.withLock { rules -> (InjectedFailure?, Bool) in
            rules.calls.append(Call(operation: operation, path: path))
            let count = rules.callCounts[operation, default: 0] + 1
            rules.callCounts[operation] = count
            if rules.crashed { return (InjectedFailure(operation: operation, path: path, isCrash: true), false) }
            if operation.isChange, let limit = rules.changesBeforeCrash, rules.changes >= limit {
                rules.crashed = true
                return (InjectedFailure(operation: operation, path: path, isCrash: true), operation == .write)
            }
            if rules.callsToFail[operation]?.remove(count) != nil || rules.operationsToFail.contains(operation)
                || rules.pathsToFail[operation]?.contains(path) == true
            {
                return (InjectedFailure(operation: operation, path: path, isCrash: false), false)
            }
            if operation.isChange { rules.changes += 1 }
            return (nil, false)
        }
        if let failure {
            if tornWrite { partialWrite?() }
            throw failure
        }
    }

    /// Reads through ``base`` unless a rule fails the call.
    public func read(_ path: String) throws -> [UInt8]? {
        try enter(.read, path)
        return try base.read(path)
    }

    /// Writes through ``base`` unless a rule fails the call; a crash leaves half the bytes.
    public func writeAndSync(_ bytes: [UInt8], to path: String) throws {
        try enter(.write, path) { [base] in try? base.writeAndSync(Array(bytes.prefix(bytes.count / 2)), to: path) }
        try base.writeAndSync(bytes, to: path)
    }

    /// Renames through ``base`` unless a rule fails the call.
    public func rename(_ source: String, to destination: String) throws {
        try enter(.rename, destination)
        try base.rename(source, to: destination)
    }

    /// Removes through ``base`` unless a rule fails the call.
    public func remove(_ path: String) throws {
        try enter(.remove, path)
        try base.remove(path)
    }

    /// Lists through ``base`` unless a rule fails the call.
    public func contentsOfDirectory(_ path: String) throws -> [String] {
        try enter(.list, path)
        return try base.contentsOfDirectory(path)
    }

    /// Creates the directory through ``base`` unless a rule fails the call.
    public func createDirectory(_ path: String) throws {
        try enter(.createDirectory, path)
        try base.createDirectory(path)
    }

    /// Syncs through ``base`` unless a rule fails the call.
    public func syncDirectory(_ path: String) throws {
        try enter(.sync, path)
        try base.syncDirectory(path)
    }

    /// Locks through ``base`` unless a rule fails the call.
    public func lock(_ path: String) throws -> any FileLock {
        try enter(.lock, path)
        return try base.lock(path)
    }

    /// Examines through ``base`` unless a rule fails the call.
    public func kind(of path: String) throws -> FileKind? {
        try enter(.kind, path)
        return try base.kind(of: path)
    }
}
