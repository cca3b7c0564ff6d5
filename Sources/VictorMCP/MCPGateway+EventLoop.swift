import NIOCore
import NIOPosix

extension MCPGateway {
    /// Makes SwiftNIO's shared event loop group, with one thread, the process's executor for
    /// Swift Concurrency, so that a `victor mcp` process reads a message, decides it, forwards it
    /// and answers on that one thread, where ``PipeTransport`` reads its pipes. Without it, each
    /// message read wakes a thread of the cooperative pool, and each hop between them costs more
    /// than the gateway's own work on a call.
    ///
    /// For a process that serves one client over stdio. Call it once, first thing in `main`,
    /// before anything uses Swift Concurrency or the event loop group; work that blocks its
    /// thread then holds up the whole process, so the gateway's blocking writes and the audit
    /// sink's file I/O run on threads of their own.
    /// - Returns: whether the executor was installed (SwiftNIO declines on platforms or
    ///   runtimes where it cannot).
    @discardableResult
    public static func runConcurrencyOnEventLoop() -> Bool {
        NIOSingletons.groupLoopCountSuggestion = 1
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
