import Foundation
import VictorLocks

/// Fresh temporary directories that remove themselves: every directory ``make(_:)`` created is
/// removed, with everything in it, when the owner is deinitialized.
///
/// Keep one in a stored property of a test suite: Swift Testing makes a suite instance for each
/// test and releases it when the test ends, so each test's directories go with it.
///
/// ```swift
/// @Suite struct StoreTests {
///     let directories = TemporaryDirectories()
///
///     @Test func saves() async throws {
///         let store = DirectoryPersonaStore(directory: directories.make())
///         …
///     }
/// }
/// ```
public final class TemporaryDirectories: Sendable {
    private let made = Locked<[String]>([])

    /// Creates an owner with no directories yet.
    public init() {}

    /// Creates a new empty directory under the system's temporary directory and returns its path.
    /// - Parameter label: the start of the directory's name, to tell leftovers apart.
    public func make(_ label: String = "victor") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            preconditionFailure("cannot create the temporary directory \(path): \(error)")
        }
        made.withLock { $0.append(path) }
        return path
    }

    /// Removes every directory made so far; deinitialization does it too.
    public func removeAll() {
        for path in made.withLock({ made in
            defer { made.removeAll() }
            return made
        }) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    deinit {
        removeAll()
    }
}

/// Runs `body` with a fresh empty temporary directory, removed with everything in it when `body`
/// returns or throws.
public func withTemporaryDirectory<Result>(
    _ label: String = "victor",
    _ body: (String) async throws -> Result
) async rethrows -> Result {
    let directories = TemporaryDirectories()
    defer { directories.removeAll() }
    return try await body(directories.make(label))
}

/// Runs `body` with a fresh empty temporary directory, removed with everything in it when `body`
/// returns or throws.
public func withTemporaryDirectory<Result>(
    _ label: String = "victor",
    _ body: (String) throws -> Result
) rethrows -> Result {
    let directories = TemporaryDirectories()
    defer { directories.removeAll() }
    return try body(directories.make(label))
}
