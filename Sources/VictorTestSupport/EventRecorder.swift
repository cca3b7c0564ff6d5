public import VictorEvents
import VictorLocks

/// Records what concurrent code hands it, in arrival order: events a bus delivers, progress
/// reports, calls. Safe from any thread or task.
///
/// ```swift
/// let loaded = EventRecorder(subscribingTo: PersonaLoaded.self, on: bus)
/// _ = try await manager.load("debugger")
/// #expect(loaded.events.map(\.personaID) == ["debugger"])
/// ```
public final class EventRecorder<Event: Sendable>: Sendable {
    private let recorded = Locked<[Event]>([])
    private let subscription = Locked<(bus: EventBus, subscription: EventSubscription)?>(nil)

    /// Creates an empty recorder; hand it events with ``record(_:)``.
    public init() {}

    /// Creates a recorder of every `Event` published on `bus` from now on, until ``stop()``.
    public convenience init(subscribingTo type: Event.Type, on bus: EventBus) where Event: VictorEvent {
        self.init()
        let subscription = bus.subscribe(to: type) { [weak self] event in self?.record(event) }
        self.subscription.withLock { $0 = (bus, subscription) }
    }

    /// Records `event`.
    public func record(_ event: Event) {
        recorded.withLock { $0.append(event) }
    }

    /// What was recorded, oldest first.
    public var events: [Event] {
        recorded.withLock { $0 }
    }

    /// How many events were recorded.
    public var count: Int {
        recorded.withLock { $0.count }
    }

    /// Stops recording from the bus the recorder subscribed to, if any; calling it again does nothing.
    public func stop() {
        guard
            let (bus, subscription) = subscription.withLock({ current in
                defer { current = nil }
                return current
            })
        else { return }
        bus.unsubscribe(subscription)
    }

    deinit {
        stop()
    }
}

extension EventRecorder where Event == String {
    /// A recorder of the name of every event published on `bus` from now on, until ``stop()``.
    public static func names(on bus: EventBus) -> EventRecorder<String> {
        let recorder = EventRecorder<String>()
        let subscription = bus.subscribeToAll { [weak recorder] event in recorder?.record(event.name) }
        recorder.subscription.withLock { $0 = (bus, subscription) }
        return recorder
    }
}
