import Logging
import Synchronization
import VictorLocks
public import VictorTelemetry

/// A typed publish/subscribe bus shared by Victor's modules.
///
/// Subscribers choose events by type: a synchronous handler runs on the publisher's thread, an
/// `AsyncStream` subscription buffers events for a consumer task. Delivery rules:
///
/// - A handler that throws is logged and counted in ``statistics``; the publisher and the other
///   subscribers are unaffected.
/// - A stream subscriber that falls behind loses its *oldest* buffered events (counted as
///   ``EventBusStatistics/dropped``); it never blocks the publisher.
/// - Synchronous handlers should be quick: they run inline, in subscription order. Work that may
///   be slow belongs behind a stream subscription.
/// - Publishing with no subscribers at all costs one atomic load. A publisher on a hot path asks
///   once for the ``EventInterest`` in its event type and reads it before building an event:
///   two atomic loads and no lock, whoever subscribes to other types.
public final class EventBus: Sendable {
    /// What a handler did with an event: a stream subscriber whose buffer is full drops its oldest.
    enum Delivery {
        case delivered
        case dropped
    }
    typealias Handler = @Sendable (any VictorEvent) throws -> Delivery

    struct Entry {
        let id: UInt64
        let handler: Handler
    }

    struct State {
        var nextID: UInt64 = 1
        var byType: [ObjectIdentifier: [Entry]] = [:]
        var wildcard: [Entry] = []
        var subscriptions = 0
        var interests: [ObjectIdentifier: EventInterest] = [:]
    }

    private let state = Locked(State())
    private let subscriberCount = Atomic<Int>(0)
    private let wildcardCount = SubscriberCount()
    // Counters are atomics so publishing with nobody listening takes no lock.
    private let published = Atomic<Int>(0)
    private let delivered = Atomic<Int>(0)
    private let handlerFailures = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let logger: Logger

    /// Creates a bus.
    /// - Parameter telemetry: the logger failing handlers are reported to.
    public init(telemetry: Telemetry = .standard) {
        self.logger = telemetry.logger
    }

    /// A snapshot of the bus's counters.
    public var statistics: EventBusStatistics {
        var statistics = EventBusStatistics()
        statistics.published = published.load(ordering: .relaxed)
        statistics.delivered = delivered.load(ordering: .relaxed)
        statistics.handlerFailures = handlerFailures.load(ordering: .relaxed)
        statistics.dropped = dropped.load(ordering: .relaxed)
        statistics.subscriptions = state.withLock { $0.subscriptions }
        return statistics
    }

    /// Whether anyone listens to events of type `type` (directly or through a wildcard
    /// subscription). Publishers use it to skip building events nobody will read.
    public func hasSubscribers<E: VictorEvent>(for type: E.Type) -> Bool {
        guard subscriberCount.load(ordering: .relaxed) > 0 else { return false }
        return state.withLock { !$0.wildcard.isEmpty || !($0.byType[ObjectIdentifier(type)]?.isEmpty ?? true) }
    }

    /// The live count of subscribers to events of type `type`, to read on a hot path instead of
    /// ``hasSubscribers(for:)``: asking takes the bus's lock once, reading it takes none.
    public func interest<E: VictorEvent>(in type: E.Type) -> EventInterest {
        state.withLock { Self.interest(in: ObjectIdentifier(type), &$0, wildcard: wildcardCount) }
    }

    private static func interest(
        in type: ObjectIdentifier,
        _ state: inout State,
        wildcard: SubscriberCount
    ) -> EventInterest {
        if let interest = state.interests[type] { return interest }
        let interest = EventInterest(wildcard: wildcard)
        state.interests[type] = interest
        return interest
    }

    /// Calls `handler` synchronously for every event of type `type` published from now on.
    /// - Returns: a subscription to pass to ``unsubscribe(_:)``.
    @discardableResult
    public func subscribe<E: VictorEvent>(
        to type: E.Type,
        _ handler: @escaping @Sendable (E) throws -> Void
    ) -> EventSubscription {
        let key = ObjectIdentifier(type)
        return add(eventType: key) { event in
            // The bus only routes events stored under `E`'s identifier to this handler.
            try handler(event as! E)
            return .delivered
        }
    }

    /// Calls `handler` synchronously for every event published from now on, whatever its type.
    @discardableResult
    public func subscribeToAll(_ handler: @escaping @Sendable (any VictorEvent) throws -> Void) -> EventSubscription {
        add(eventType: nil) { event in
            try handler(event)
            return .delivered
        }
    }

    /// An asynchronous sequence of the events of type `type` published from now on.
    ///
    /// The subscription ends when the stream's consumer stops iterating or the stream is
    /// deallocated. When more than `bufferSize` events wait unread, the oldest are dropped.
    public func events<E: VictorEvent>(of type: E.Type, bufferSize: Int = 1024) -> AsyncStream<E> {
        let (stream, continuation) = AsyncStream.makeStream(of: E.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let subscription = add(eventType: ObjectIdentifier(type)) { event in
            if case .dropped = continuation.yield(event as! E) { return .dropped }
            return .delivered
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(subscription) }
        return stream
    }

    /// An asynchronous sequence of every event published from now on, whatever its type.
    public func allEvents(bufferSize: Int = 1024) -> AsyncStream<any VictorEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: (any VictorEvent).self,
            bufferingPolicy: .bufferingNewest(bufferSize)
        )
        let subscription = add(eventType: nil) { event in
            if case .dropped = continuation.yield(event) { return .dropped }
            return .delivered
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(subscription) }
        return stream
    }

    /// Ends a subscription. Unsubscribing twice, or a subscription from another bus, does nothing.
    public func unsubscribe(_ subscription: EventSubscription) {
        let removed = state.withLock { state -> Bool in
            let before: Int
            let after: Int
            if let type = subscription.eventType {
                before = state.byType[type]?.count ?? 0
                state.byType[type]?.removeAll { $0.id == subscription.id }
                after = state.byType[type]?.count ?? 0
                if after == 0 { state.byType[type] = nil }
                if before != after { state.interests[type]?.typed.count.subtract(1, ordering: .relaxed) }
            } else {
                before = state.wildcard.count
                state.wildcard.removeAll { $0.id == subscription.id }
                after = state.wildcard.count
                if before != after { wildcardCount.count.subtract(1, ordering: .relaxed) }
            }
            if before != after { state.subscriptions -= 1 }
            return before != after
        }
        if removed { subscriberCount.subtract(1, ordering: .relaxed) }
    }

    /// Delivers `event` to every subscriber of its type and to every wildcard subscriber.
    public func publish<E: VictorEvent>(_ event: E) {
        published.add(1, ordering: .relaxed)
        guard subscriberCount.load(ordering: .relaxed) > 0 else { return }
        let targets = state.withLock { state -> [Entry] in
            let typed = state.byType[ObjectIdentifier(E.self)] ?? []
            return state.wildcard.isEmpty ? typed : typed + state.wildcard
        }
        guard !targets.isEmpty else { return }
        var delivered = 0
        var failures = 0
        var dropped = 0
        for entry in targets {
            do {
                switch try entry.handler(event) {
                case .delivered: delivered += 1
                case .dropped: dropped += 1
                }
            } catch {
                failures += 1
                logger.warning(
                    "event handler failed",
                    metadata: ["event": "\(E.name)", "error": "\(String(describing: error))"]
                )
            }
        }
        if delivered > 0 { self.delivered.add(delivered, ordering: .relaxed) }
        if failures > 0 { handlerFailures.add(failures, ordering: .relaxed) }
        if dropped > 0 { self.dropped.add(dropped, ordering: .relaxed) }
    }

    private func add(eventType: ObjectIdentifier?, _ handler: @escaping Handler) -> EventSubscription {
        let subscription = state.withLock { state -> EventSubscription in
            let id = state.nextID
            state.nextID += 1
            let entry = Entry(id: id, handler: handler)
            if let eventType {
                state.byType[eventType, default: []].append(entry)
                Self.interest(in: eventType, &state, wildcard: wildcardCount).typed.count.add(1, ordering: .relaxed)
            } else {
                state.wildcard.append(entry)
                wildcardCount.count.add(1, ordering: .relaxed)
            }
            state.subscriptions += 1
            return EventSubscription(id: id, eventType: eventType)
        }
        subscriberCount.add(1, ordering: .relaxed)
        return subscription
    }
}

/// Whether anyone subscribes to one event type, directly or through a wildcard subscription:
/// kept current by its ``EventBus`` and read with two atomic loads and no lock.
public final class EventInterest: Sendable {
    let typed = SubscriberCount()
    let wildcard: SubscriberCount

    init(wildcard: SubscriberCount) {
        self.wildcard = wildcard
    }

    /// Whether an event of this type published now would reach anyone.
    @inline(__always)
    public var hasSubscribers: Bool {
        typed.count.load(ordering: .relaxed) > 0 || wildcard.count.load(ordering: .relaxed) > 0
    }
}

/// A subscriber count shared between a bus and the interests it hands out.
final class SubscriberCount: Sendable {
    let count = Atomic<Int>(0)
}
