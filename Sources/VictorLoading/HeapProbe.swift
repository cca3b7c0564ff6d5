/// Reads how many heap bytes are in use, so a loader can attribute memory to each load.
///
/// The loader reads the probe just before and just after a factory runs and records the
/// difference. A process-wide figure (such as glibc's `mallinfo2`) is exact only when nothing
/// else allocates meanwhile; the choice of probe, and its cost, is the caller's.
public struct HeapProbe: Sendable, Hashable {
    /// A name that identifies the probe (two probes with one name are equal).
    public let name: String
    let read: @Sendable () -> Int?

    /// Creates a probe.
    /// - Parameters:
    ///   - name: identifies the probe.
    ///   - read: the bytes in use now, or `nil` when they cannot be read.
    public init(name: String, read: @escaping @Sendable () -> Int?) {
        self.name = name
        self.read = read
    }

    /// The bytes in use now, or `nil`.
    public func bytesInUse() -> Int? { read() }

    /// Probes with the same name are equal.
    public static func == (lhs: HeapProbe, rhs: HeapProbe) -> Bool { lhs.name == rhs.name }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
