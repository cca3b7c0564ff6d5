public import VictorEvents

/// Published when a component is registered.
public struct ComponentRegistered: VictorEvent {
    /// `loader.component.registered`
    public static let name = "loader.component.registered"
    /// The component's name.
    public let component: String
    /// The names of its declared dependencies.
    public let dependencies: [String]
}

/// Published when a component's factory has built an instance, before any `get` waiting for
/// it returns.
public struct ComponentLoaded: VictorEvent {
    /// `loader.component.loaded`
    public static let name = "loader.component.loaded"
    /// The component's name.
    public let component: String
    /// How long its factory ran, in nanoseconds.
    public let nanoseconds: UInt64
    /// Heap bytes attributed to the load, when heap tracking is on.
    public let heapBytes: Int?
}

/// Published when the cache limit evicts a component, before the `get` whose load evicted it
/// returns.
public struct ComponentEvicted: VictorEvent {
    /// `loader.component.evicted`
    public static let name = "loader.component.evicted"
    /// The component's name.
    public let component: String
}

/// Published when a component is unloaded on request (``ComponentLoader/unload(_:)`` or ``ComponentLoader/clear()``).
public struct ComponentUnloaded: VictorEvent {
    /// `loader.component.unloaded`
    public static let name = "loader.component.unloaded"
    /// The component's name.
    public let component: String
}

/// Published when a component's factory, or one of its dependencies, failed, before any `get`
/// waiting for it returns.
public struct ComponentLoadFailed: VictorEvent {
    /// `loader.component.load_failed`
    public static let name = "loader.component.load_failed"
    /// The component's name.
    public let component: String
    /// The error, described.
    public let error: String
}
