import Synchronization
public import VictorEvents
import VictorLocks

/// Where audit records go. A sink must not block: ``record(_:)`` is called on the gate's path.
public protocol AuditSink: Sendable {
    /// Takes one record.
    func record(_ record: AuditRecord)
    /// Returns once every record taken before the call is stored as durably as the sink stores
    /// anything.
    /// - Throws: ``RuntimeError`` when the sink could not store them.
    func flush() async throws(RuntimeError)
    /// Stores every record taken and releases what the sink holds (a file); records taken
    /// afterwards may be dropped.
    func close() async throws(RuntimeError)
}

extension AuditSink {
    /// Nothing to flush.
    public func flush() async throws(RuntimeError) {}
    /// Flushes; nothing else to release.
    public func close() async throws(RuntimeError) { try await flush() }
}

/// Keeps records in memory: for tests and for hosts that ship records themselves.
public final class MemoryAuditSink: AuditSink {
    private let stored = Locked<[AuditRecord]>([])

    /// Creates an empty sink.
    public init() {}

    /// Appends the record.
    public func record(_ record: AuditRecord) {
        stored.withLock { $0.append(record) }
    }

    /// Every record taken, in order.
    public var records: [AuditRecord] { stored.withLock { $0 } }
}

/// Publishes each record as a ``ToolCallAudited`` event, when anyone listens.
public final class EventBusAuditSink: AuditSink {
    private let bus: EventBus
    private let interest: EventInterest

    /// Creates a sink publishing on `bus`.
    public init(bus: EventBus) {
        self.bus = bus
        interest = bus.interest(in: ToolCallAudited.self)
    }

    /// Publishes the record.
    public func record(_ record: AuditRecord) {
        guard interest.hasSubscribers else { return }
        bus.publish(ToolCallAudited(record: record))
    }
}

/// An audit record, published on the event bus.
public struct ToolCallAudited: VictorEvent {
    /// `runtime.tool_call_audited`.
    public static let name = "runtime.tool_call_audited"
    /// The record.
    public let record: AuditRecord
}

/// Sends every record to several sinks.
public struct AuditSinks: AuditSink {
    /// The sinks, in order.
    public let sinks: [any AuditSink]

    /// Creates a fan-out to `sinks`.
    public init(_ sinks: [any AuditSink]) {
        self.sinks = sinks
    }

    /// Gives the record to every sink.
    public func record(_ record: AuditRecord) {
        for sink in sinks { sink.record(record) }
    }

    /// Flushes every sink; throws the first failure after trying them all.
    public func flush() async throws(RuntimeError) {
        var first: RuntimeError?
        for sink in sinks {
            do throws(RuntimeError) {
                try await sink.flush()
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }

    /// Closes every sink; throws the first failure after trying them all.
    public func close() async throws(RuntimeError) {
        var first: RuntimeError?
        for sink in sinks {
            do throws(RuntimeError) {
                try await sink.close()
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }
}
