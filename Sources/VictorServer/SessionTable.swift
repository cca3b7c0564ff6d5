import Synchronization
import VictorRuntime

/// The server's open sessions, bounded in number and idle time.
///
/// At most `maxSessions` sessions are held. A session unused (no request naming it) for
/// `idleTimeout` is dropped when next looked up, or when room is needed for a new one; opening a
/// session while the table is full of sessions in use is refused, never served by evicting a
/// live one. Each session remembers the decisions of its last `maxPendingOutcomes` allowed calls
/// so that their outcomes can be recorded; the oldest is forgotten first.
///
/// Time is read from an injected monotonic clock (`now`), so the bound is tested without waiting.
final class SessionTable: Sendable {
    /// A call decided in a session, waiting for its outcome.
    struct PendingCall: Sendable {
        var call: ToolCall
        var decision: GateDecision
    }

    struct Entry {
        var session: AgentSession
        var lastUsed: Duration
        /// When a shared store was last told the session is in use.
        var storeTouched: Duration
        var pending: [String: PendingCall] = [:]
        var pendingOrder: [String] = []
    }

    struct State {
        var entries: [String: Entry] = [:]
    }

    let limits: ServerConfiguration.Sessions
    let now: @Sendable () -> Duration
    private let state = Mutex(State())

    init(limits: ServerConfiguration.Sessions, now: @escaping @Sendable () -> Duration = SessionTable.monotonicNow) {
        self.limits = limits
        self.now = now
    }

    /// Time since an arbitrary fixed point, from the continuous clock.
    static let monotonicNow: @Sendable () -> Duration = {
        let origin = ContinuousClock.Instant.now
        return { origin.duration(to: .now) }
    }()

    /// Sessions held now (idle ones included until they are dropped).
    var count: Int { state.withLock { $0.entries.count } }

    /// Adds a session.
    /// - Throws: ``ServerError/Code/unavailable`` when the table is full of sessions in use.
    func insert(_ session: AgentSession) throws(ServerError) {
        _ = try adopt(session)
    }

    /// Adds a session read from a shared store, unless a concurrent request added it first.
    /// - Returns: the session the table holds now, which later requests also get.
    /// - Throws: ``ServerError/Code/unavailable`` when the table is full of sessions in use.
    func adopt(_ session: AgentSession) throws(ServerError) -> AgentSession {
        let time = now()
        let idle = limits.idleTimeout
        let maximum = limits.maxSessions
        let held = state.withLock { state -> AgentSession? in
            if let entry = state.entries[session.id] { return entry.session }
            if state.entries.count >= maximum {
                state.entries = state.entries.filter { time - $0.value.lastUsed < idle }
            }
            guard state.entries.count < maximum else { return nil }
            state.entries[session.id] = Entry(session: session, lastUsed: time, storeTouched: time)
            return session
        }
        guard let held else {
            throw ServerError(.unavailable, "the session table is full (\(maximum) sessions in use); try again later")
        }
        return held
    }

    /// The session `id`, marked as used; `nil` when unknown or idle too long (it is dropped).
    func session(_ id: String) -> AgentSession? {
        let time = now()
        let idle = limits.idleTimeout
        return state.withLock { state -> AgentSession? in
            guard var entry = state.entries[id] else { return nil }
            guard time - entry.lastUsed < idle else {
                state.entries[id] = nil
                return nil
            }
            entry.lastUsed = time
            let session = entry.session
            state.entries[id] = entry
            return session
        }
    }

    /// Whether a shared store should be told that session `id` is in use: at most once per
    /// `interval`, so that a busy session costs the database one write per interval.
    func storeTouchDue(_ id: String, every interval: Duration) -> Bool {
        let time = now()
        return state.withLock { state -> Bool in
            guard var entry = state.entries[id], time - entry.storeTouched >= interval else { return false }
            entry.storeTouched = time
            state.entries[id] = entry
            return true
        }
    }

    /// Remembers an allowed call of session `id` until its outcome is recorded.
    func remember(_ call: ToolCall, _ decision: GateDecision, in id: String) {
        let maximum = limits.maxPendingOutcomes
        guard maximum > 0 else { return }
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            if entry.pending[call.id] == nil { entry.pendingOrder.append(call.id) }
            entry.pending[call.id] = PendingCall(call: call, decision: decision)
            while entry.pendingOrder.count > maximum {
                entry.pending[entry.pendingOrder.removeFirst()] = nil
            }
            state.entries[id] = entry
        }
    }

    /// Takes the remembered call `callID` of session `id`: it can be reported once.
    func takePending(_ callID: String, in id: String) -> PendingCall? {
        state.withLock { state -> PendingCall? in
            guard var entry = state.entries[id], let pending = entry.pending.removeValue(forKey: callID) else {
                return nil
            }
            entry.pendingOrder.removeAll { $0 == callID }
            state.entries[id] = entry
            return pending
        }
    }
}
