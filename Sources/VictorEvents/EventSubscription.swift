/// A handle to one subscription on an ``EventBus``, used to end it with
/// ``EventBus/unsubscribe(_:)``.
public struct EventSubscription: Sendable, Hashable {
    let id: UInt64
    let eventType: ObjectIdentifier?

    init(id: UInt64, eventType: ObjectIdentifier?) {
        self.id = id
        self.eventType = eventType
    }
}

/// Counters describing what an ``EventBus`` has done since it was created.
public struct EventBusStatistics: Sendable, Hashable {
    /// Events passed to ``EventBus/publish(_:)``.
    public var published: Int = 0
    /// Handler invocations and stream deliveries that completed.
    public var delivered: Int = 0
    /// Handler invocations that threw; the error was logged and the other subscribers still ran.
    public var handlerFailures: Int = 0
    /// Events a stream subscriber lost because its buffer was full (it consumes too slowly).
    public var dropped: Int = 0
    /// Subscriptions currently active.
    public var subscriptions: Int = 0

    /// Creates statistics with every counter at zero.
    public init() {}
}
