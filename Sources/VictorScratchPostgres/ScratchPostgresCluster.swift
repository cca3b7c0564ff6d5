import Foundation
import VictorLocks

/// A throwaway PostgreSQL cluster, for tests and benchmarks: made with `initdb` in a temporary
/// directory, started with `pg_ctl`, listening on a Unix socket in that directory only (no TCP
/// port), without fsync, and removed when the process ends (a watchdog removes it even after a
/// crash). Never for data anyone wants to keep.
///
/// One cluster serves the whole process (``shared()``); each user takes a fresh database from it
/// (``makeDatabase()``), so they never see each other's rows. ``makePrivate()`` makes one for a
/// caller that stops and starts the server.
///
/// When the server binaries are missing, ``unavailableReason`` says why.
///
/// `initdb` refuses to run as root, so a root process runs the server binaries as the
/// `postgres` user (Debian's package creates it) with `runuser`.
public final class ScratchPostgresCluster: Sendable {
    /// The directory holding the cluster's data, its log and its socket.
    public let directory: String
    /// The directory of the server's Unix socket: the host a client connects to.
    public var socketDirectory: String { directory }
    /// The path of the server's socket file.
    public var socketPath: String { "\(directory)/.s.PGSQL.5432" }
    /// The superuser the cluster was made with.
    public let username = "victor"
    private let binaries: String
    private let runAs: String?
    private let databaseCounter = Locked(0)

    /// Why a cluster cannot be made here, or `nil` when it can.
    public static let unavailableReason: String? = findSetup().reason

    /// Whether a cluster can be made here.
    public static var isAvailable: Bool { unavailableReason == nil }

    private static let sharedCluster: Result<ScratchPostgresCluster, ClusterError> = {
        let setup = findSetup()
        guard let binaries = setup.binaries else { return .failure(ClusterError(setup.reason ?? "unavailable")) }
        do throws(ClusterError) {
            let cluster = try ScratchPostgresCluster(binaries: binaries, runAs: setup.runAs)
            atexit { ScratchPostgresCluster.stopShared() }
            return .success(cluster)
        } catch {
            return .failure(error)
        }
    }()

    /// The process's cluster, started on first use.
    /// - Throws: when the binaries are missing or the cluster cannot start.
    public static func shared() throws -> ScratchPostgresCluster {
        try sharedCluster.get()
    }

    /// A cluster of its own, for a caller that stops and starts the server; ``remove()`` it at the
    /// end (a watchdog removes it if the process dies first).
    /// - Throws: when the binaries are missing or the cluster cannot start.
    public static func makePrivate() throws -> ScratchPostgresCluster {
        let setup = findSetup()
        guard let binaries = setup.binaries else { throw ClusterError(setup.reason ?? "unavailable") }
        return try ScratchPostgresCluster(binaries: binaries, runAs: setup.runAs)
    }

    private static func stopShared() {
        if case .success(let cluster) = sharedCluster { cluster.remove() }
    }

    /// A failure to make or run the cluster.
    public struct ClusterError: Error, CustomStringConvertible {
        /// What failed.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    private init(binaries: String, runAs: String?) throws(ClusterError) {
        self.binaries = binaries
        self.runAs = runAs
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("victor-pg-\(UUID().uuidString.prefix(8))")
            .path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ClusterError("cannot create \(directory): \(error)")
        }
        // The watchdog first: it removes the directory however the rest fails.
        startWatchdog()
        do throws(ClusterError) {
            if let runAs { try run("/bin/chown", [runAs, directory], asServer: false) }
            try run(
                "\(binaries)/initdb",
                ["-D", "\(directory)/data", "-A", "trust", "-U", username, "-E", "UTF8", "--locale=C", "--no-sync"]
            )
            try start()
        } catch {
            remove()
            throw error
        }
    }

    /// Starts the server (again, after ``stop()``).
    public func start() throws(ClusterError) {
        // fsync off: a throwaway cluster need not survive a power cut, and runs faster.
        let options =
            "-c listen_addresses='' -c unix_socket_directories=\(directory) -c fsync=off -c max_connections=200"
        try run(
            "\(binaries)/pg_ctl",
            ["-D", "\(directory)/data", "-l", "\(directory)/log", "-o", options, "-w", "start"]
        )
    }

    /// Stops the server at once, dropping every connection, as a crash or a restart would.
    public func stop() throws(ClusterError) {
        try run("\(binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
    }

    /// Creates a fresh, empty database and returns its name.
    public func makeDatabase() throws(ClusterError) -> String {
        let number = databaseCounter.withLock {
            $0 += 1
            return $0
        }
        let name = "scratch_\(ProcessInfo.processInfo.processIdentifier)_\(number)"
        try run("\(binaries)/createdb", ["-h", directory, "-U", username, name], asServer: false)
        return name
    }

    /// A `postgres://` URL for `database` over the cluster's socket.
    public func url(database: String) -> String {
        "postgres://\(username)@localhost/\(database)?host=\(directory)"
    }

    /// Stops the server and removes the cluster's directory.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the server and removes the directory when the process that made it is gone, however it
    /// ended: a crash or a kill skips `atexit`.
    private func startWatchdog() {
        let parent = ProcessInfo.processInfo.processIdentifier
        let stop = command("\(binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        let script = """
            while kill -0 \(parent) 2>/dev/null; do sleep 1; done
            \(stop.map(Self.shellQuoted).joined(separator: " ")) >/dev/null 2>&1
            rm -rf \(Self.shellQuoted(directory))
            """
        _ = Self.spawn(["/bin/sh", "-c", script], output: "/dev/null")
    }

    private func command(_ executable: String, _ arguments: [String], asServer: Bool = true) -> [String] {
        if asServer, let runAs { return ["/usr/sbin/runuser", "-u", runAs, "--", executable] + arguments }
        return [executable] + arguments
    }

    /// Runs a command to its end, its output in a file that is read only on failure.
    ///
    /// `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose exit monitoring can
    /// stall when called from a task while other tasks block in the same initializer.
    private func run(_ executable: String, _ arguments: [String], asServer: Bool = true) throws(ClusterError) {
        let full = command(executable, arguments, asServer: asServer)
        let output = "\(directory)/command-\(UUID().uuidString.prefix(8)).out"
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard let pid = Self.spawn(full, output: output) else {
            throw ClusterError("cannot run \(executable)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WIFEXITED and WEXITSTATUS, which Swift does not import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw ClusterError("\(full.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

    /// Starts `arguments` with standard input from `/dev/null` and its output appended to `output`.
    private static func spawn(_ arguments: [String], output: String) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        return result == 0 ? pid : nil
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Where the server binaries are and which user runs them, or why they cannot run.
    private static func findSetup() -> (binaries: String?, runAs: String?, reason: String?) {
        let manager = FileManager.default
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let versions = (try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        guard
            let binaries = candidates.first(where: { directory in
                ["initdb", "pg_ctl", "createdb"].allSatisfy { manager.isExecutableFile(atPath: "\(directory)/\($0)") }
            })
        else {
            return (nil, nil, "initdb, pg_ctl and createdb not found on PATH or in /usr/lib/postgresql/*/bin")
        }
        guard getuid() == 0 else { return (binaries, nil, nil) }
        // initdb refuses root; Debian's package makes a `postgres` user to run the server.
        guard getpwnam("postgres") != nil else {
            return (nil, nil, "running as root and there is no `postgres` user to run initdb as")
        }
        guard manager.isExecutableFile(atPath: "/usr/sbin/runuser") else {
            return (nil, nil, "running as root and /usr/sbin/runuser is missing")
        }
        return (binaries, "postgres", nil)
    }
}
