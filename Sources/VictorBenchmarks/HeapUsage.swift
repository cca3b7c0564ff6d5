import CVictorHeap
import VictorLoading

/// Bytes currently allocated on the C heap: the figure Python's tracemalloc plays for the seed.
enum HeapUsage {
    /// In-use heap bytes (glibc `mallinfo2`, Darwin's zone statistics), or `nil` where unavailable.
    ///
    /// The figure covers the whole process, so attributing it to one operation is exact only
    /// when nothing else allocates concurrently.
    static func allocatedBytes() -> Int? {
        let bytes = victor_heap_allocated_bytes()
        return bytes < 0 ? nil : Int(bytes)
    }

    /// The process heap as a loader's probe.
    static let probe = HeapProbe(name: "mallinfo2") { allocatedBytes() }
}
