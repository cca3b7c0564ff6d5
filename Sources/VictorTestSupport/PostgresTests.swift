public import VictorScratchPostgres

/// The throwaway cluster as the tests know it.
public typealias PostgresTestCluster = ScratchPostgresCluster

/// Whether tests that need PostgreSQL run here.
///
/// ```swift
/// @Suite(.enabled(if: PostgresTests.isAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
/// struct StoreTests { … }
/// ```
public enum PostgresTests {
    /// Whether a throwaway cluster can be made here. Computed once; when it cannot, the first
    /// read prints a line starting with `SKIPPED`, so a run without PostgreSQL says so loudly
    /// instead of passing silently.
    public static let isAvailable: Bool = {
        guard let reason = ScratchPostgresCluster.unavailableReason else { return true }
        print("SKIPPED: tests that need PostgreSQL: \(reason)")
        return false
    }()
}
