/// The security benchmarks; filled in with their module.
enum SecurityBenchmarks {
    static var all: [Benchmark] { [] }
}
