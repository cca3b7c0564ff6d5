import Synchronization
import VictorLoading
import VictorLocks

/// A component with an identity, so tests can tell instances apart.
final class Widget: Sendable {
    let name: String
    init(_ name: String) { self.name = name }
}

struct FactoryFailure: Error, Equatable {}

/// Counts and orders factory calls from concurrent code.
final class CallLog: Sendable {
    private let storage = Locked<[String]>([])
    func record(_ name: String) { storage.withLock { $0.append(name) } }
    var calls: [String] { storage.withLock { $0 } }
    func count(_ name: String) -> Int { calls.count { $0 == name } }
}

/// A switch a factory consults to decide whether to fail.
final class Flag: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    var isOn: Bool { value.load(ordering: .relaxed) }
    func set(_ on: Bool) { value.store(on, ordering: .relaxed) }
}

extension ComponentLoader {
    /// Registers `count` widgets named `prefix0`, `prefix1`, … and returns their keys.
    func registerWidgets(_ count: Int, prefix: String = "w", log: CallLog? = nil) throws -> [ComponentKey<Widget>] {
        try (0..<count).map { index in
            let name = "\(prefix)\(index)"
            return try register(name) { () -> Widget in
                log?.record(name)
                return Widget(name)
            }
        }
    }
}
