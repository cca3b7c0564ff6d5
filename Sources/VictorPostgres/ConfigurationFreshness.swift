/// What an instance knows about how current its configuration is: a pure state machine, driven
/// by ``PostgresChangeListener`` and tested without a database.
///
/// - **starting**: nothing read yet; not ready, and no decision may be made.
/// - **current**: listening, and the latest committed generation is applied; ready.
/// - **reconnecting**: the listening connection was lost at ``lostAt``; changes committed since
///   may be missed. Not ready. Decisions continue from the applied configuration until the
///   staleness bound has passed since the loss, then fail closed until the listener is current
///   again.
public struct ConfigurationFreshness: Sendable, Hashable {
    /// The listener's phase.
    public enum Phase: String, Sendable, Hashable {
        /// Nothing read yet.
        case starting
        /// Listening, with the latest generation applied.
        case current
        /// The listening connection was lost; reconnecting.
        case reconnecting
    }

    /// The listener's phase.
    public private(set) var phase: Phase = .starting
    /// The generation applied, or `nil` before the first read (0: none committed yet).
    public private(set) var generation: Int?
    /// When the listening connection was lost, while ``phase`` is ``Phase/reconnecting``.
    public private(set) var lostAt: ContinuousClock.Instant?
    /// How long after losing its connection the instance still decides from the configuration it
    /// has.
    public let stalenessBound: Duration

    /// Creates the state of an instance that has read nothing yet.
    /// - Parameter stalenessBound: how long decisions continue after the connection is lost.
    public init(stalenessBound: Duration) {
        self.stalenessBound = stalenessBound
    }

    /// Whether the instance knows it runs the latest configuration.
    public var isReady: Bool { phase == .current }

    /// The listener is listening and has applied `generation`, the newest committed.
    /// - Parameter generation: the generation applied.
    public mutating func caughtUp(generation: Int) {
        phase = .current
        self.generation = max(generation, self.generation ?? 0)
        lostAt = nil
    }

    /// A newer generation arrived while current.
    /// - Parameter generation: the generation applied.
    public mutating func applied(generation: Int) {
        self.generation = max(generation, self.generation ?? 0)
    }

    /// The listening connection was lost (or could not be made) at `instant`.
    /// - Parameter instant: when.
    public mutating func lost(at instant: ContinuousClock.Instant) {
        switch phase {
        case .current:
            phase = .reconnecting
            lostAt = instant
        case .starting, .reconnecting:
            break
        }
    }

    /// Why no decision may be made at `instant`, or `nil` when decisions may go ahead.
    /// - Parameter instant: now.
    public func denial(at instant: ContinuousClock.Instant) -> String? {
        switch phase {
        case .current:
            return nil
        case .starting:
            return "the authorization configuration has not been read from the database yet"
        case .reconnecting:
            guard let lostAt, instant - lostAt <= stalenessBound else {
                return
                    "the authorization configuration may be stale: the database has been unreachable for longer than \(stalenessBound)"
            }
            return nil
        }
    }
}
