/// A value published on an ``EventBus``.
///
/// Each event type has a stable dotted ``name`` (for example `loader.component.loaded`) that
/// logs, audits and metrics use to refer to it; subscribers select events by their Swift type.
public protocol VictorEvent: Sendable {
    /// The stable dotted name of this kind of event, such as `loader.component.loaded`.
    static var name: String { get }
}

extension VictorEvent {
    /// The stable dotted name of this event's type.
    public var name: String { Self.name }
}
