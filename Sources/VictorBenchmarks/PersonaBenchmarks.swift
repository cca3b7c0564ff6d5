/// The persona benchmarks; filled in with their module.
enum PersonaBenchmarks {
    static var all: [Benchmark] { [] }
}
