/// The execution benchmarks; filled in with their module.
enum ExecutionBenchmarks {
    static var all: [Benchmark] { [] }
}
