import Synchronization
import VictorLocks

/// The cheapest operations a hot read path competes with, measured on the machine running the
/// benchmarks, so that a nanosecond figure can be judged against the machine and not against a
/// number that only holds where it was written down.
///
/// Each floor is a median nanoseconds per operation over a tight loop, measured in the process
/// that measures the figure judged against it (``CalibratedTarget``), just before and just after
/// that figure, so both see the same clock speed, caches and neighbours.
public enum MachineFloor: String, Sendable, CaseIterable {
    /// An uncontended round-trip of the project's lock (`Locked`, a `Synchronization.Mutex`):
    /// lock, increment an `Int`, unlock. What any read that takes a lock pays at least.
    case lockRoundTrip = "lock round-trip"
    /// A `[String: Int]` lookup of a short key (at most 15 UTF-8 bytes, stored inline) in a
    /// dictionary of 100 entries, cycling through 8 keys: hashing the key with the standard
    /// library's seeded SipHash and one probe. What any read by name pays at least.
    case dictionaryLookup = "dictionary lookup"
    /// An acquiring load of a `Synchronization.Atomic<Int>` whose address depends on the previous
    /// load: the cheapest way to read a value another thread publishes.
    case atomicLoad = "atomic load"

    /// The identifier of the benchmark reporting this floor, such as `floor.lock_ns`.
    public var benchmarkID: String {
        switch self {
        case .lockRoundTrip: "floor.lock_ns"
        case .dictionaryLookup: "floor.dictionary_ns"
        case .atomicLoad: "floor.atomic_load_ns"
        }
    }

    /// Operations per timed sample: enough that the clock's own cost vanishes.
    static let batch = 100_000

    /// Measures this floor now, in this process.
    /// - Returns: the median nanoseconds per operation over `context`'s samples.
    public func measure(_ context: BenchmarkContext) -> Double {
        let samples = context.iterations(31, minimum: 5)
        switch self {
        case .lockRoundTrip:
            let lock = Locked(0)
            return Measure.nanosecondsPerOperation(samples: samples, batch: Self.batch) { count in
                for _ in 0..<count { lock.withLock { $0 &+= 1 } }
                blackHole(lock.withLock { $0 })
            }
        case .dictionaryLookup:
            let table = Self.lookupTable()
            let keys = Self.lookupKeys
            return Measure.nanosecondsPerOperation(samples: samples, batch: Self.batch) { count in
                var sum = 0
                for index in 0..<count { sum &+= table[keys[index & 7]] ?? 0 }
                blackHole(sum)
            }
        case .atomicLoad:
            // Eight atomics of 1, each load choosing the next: the loads can't be hoisted or merged.
            let atomics = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 8)
            for index in 0..<8 { (atomics + index).initialize(to: Atomic(1)) }
            defer {
                atomics.deinitialize(count: 8)
                atomics.deallocate()
            }
            return Measure.nanosecondsPerOperation(samples: samples, batch: Self.batch) { count in
                var sum = 0
                for _ in 0..<count { sum &+= atomics[sum & 7].load(ordering: .acquiring) }
                blackHole(sum)
            }
        }
    }

    /// The dictionary floor's table: 100 entries, `component.0` to `component.99`.
    static func lookupTable() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: (0..<100).map { ("component.\($0)", $0) })
    }

    /// The 8 short keys the dictionary floor cycles through, all in ``lookupTable()``.
    static let lookupKeys = (0..<8).map { "component.\($0 * 11)" }

    /// The benchmark that reports this floor: informational, no target.
    var benchmark: Benchmark {
        let floor = self
        return Benchmark(
            id: benchmarkID,
            category: .machineFloors,
            name: rawValue.prefix(1).uppercased() + rawValue.dropFirst(),
            metric: "Median per operation",
            unit: .nanoseconds,
            target: nil,
            direction: .lower
        ) { context in
            BenchmarkMeasurement(value: floor.measure(context), details: floor.explanation)
        }
    }

    /// What the floor measures and which figures are judged against it.
    var explanation: String {
        switch self {
        case .lockRoundTrip:
            "uncontended Locked (Synchronization.Mutex) lock, Int increment, unlock; \(Self.batch) per sample, "
                + "median of samples. Cached reads that must not take a lock are judged against it"
        case .dictionaryLookup:
            "[String: Int] lookup of a short inline key in 100 entries, cycling 8 keys; \(Self.batch) per "
                + "sample, median of samples. Reads by name are judged against it"
        case .atomicLoad:
            "acquiring Atomic<Int> load; \(Self.batch) per sample, median of samples. The cost of reading a "
                + "published value, for reference"
        }
    }

    /// The benchmarks reporting the floors, in report order.
    static var all: [Benchmark] { allCases.map(\.benchmark) }
}

/// A target for a nanosecond figure expressed against a ``MachineFloor``: at most `ratio` times
/// the floor measured in the same process, and, when `cap` is set, at most `cap` nanoseconds.
///
/// The report shows the figure in nanoseconds as its value, the effective target (the smaller
/// of the two bounds) as its target, and the ratio and the floor in its details.
public struct CalibratedTarget: Sendable {
    /// The floor the figure competes with.
    public var floor: MachineFloor
    /// The most the figure may cost, in multiples of the floor.
    public var ratio: Double
    /// An absolute bound in nanoseconds that holds as well, if any.
    public var cap: Double?

    /// Creates a calibrated target.
    public init(_ floor: MachineFloor, ratio: Double, cap: Double? = nil) {
        self.floor = floor
        self.ratio = ratio
        self.cap = cap
    }

    /// The effective target for a floor of `floorNanoseconds`.
    public func target(floorNanoseconds: Double) -> Double {
        let relative = ratio * floorNanoseconds
        return cap.map { min($0, relative) } ?? relative
    }

    /// How the target reads in a report: `≤ 1× lock round-trip and ≤ 12 ns`.
    public var description: String {
        "≤ \(formatNumber(ratio))× \(floor.rawValue)" + (cap.map { " and ≤ \(formatNumber($0)) ns" } ?? "")
    }

    /// Measures the floor just before and just after `workload` and returns the workload's
    /// figure judged against the mean of the two.
    /// - Parameters:
    ///   - context: the run's options, passed to the floor's measurement.
    ///   - workload: measures the figure; returns nanoseconds and the workload's details.
    public func measure(
        _ context: BenchmarkContext,
        _ workload: () async throws -> (nanoseconds: Double, details: String)
    ) async rethrows -> BenchmarkMeasurement {
        let before = floor.measure(context)
        let (nanoseconds, details) = try await workload()
        let after = floor.measure(context)
        return measurement(nanoseconds, floorNanoseconds: (before + after) / 2, details: details)
    }

    /// The measurement for a figure of `nanoseconds` against a floor of `floorNanoseconds`.
    public func measurement(_ nanoseconds: Double, floorNanoseconds: Double, details: String) -> BenchmarkMeasurement {
        let ratioToFloor = floorNanoseconds > 0 ? nanoseconds / floorNanoseconds : .infinity
        return BenchmarkMeasurement(
            value: nanoseconds,
            details: "\(formatNumber(nanoseconds)) ns = \(formatNumber(ratioToFloor))× the \(floor.rawValue) floor "
                + "(\(formatNumber(floorNanoseconds)) ns in this process); target \(description). " + details,
            target: target(floorNanoseconds: floorNanoseconds)
        )
    }
}
