import Synchronization

/// A flag one task raises and others watch, with release/acquire ordering: a task that sees it
/// raised also sees everything the raising task did before. For the stop signals of
/// concurrency tests.
public final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Creates a lowered flag.
    public init() {}

    /// Whether the flag has been raised.
    public var isRaised: Bool { value.load(ordering: .acquiring) }

    /// Raises the flag.
    public func raise() { value.store(true, ordering: .releasing) }
}

/// A number one task publishes and others read, with release/acquire ordering: a reader that
/// sees a number also sees everything the writer did before storing it. For the progress marks
/// of concurrency tests (the newest version written, say).
public final class SharedNumber: Sendable {
    private let value: Atomic<Int>

    /// Creates the number.
    public init(_ initial: Int) {
        value = Atomic(initial)
    }

    /// The number last stored.
    public func load() -> Int { value.load(ordering: .acquiring) }

    /// Publishes `number`.
    public func store(_ number: Int) { value.store(number, ordering: .releasing) }
}
