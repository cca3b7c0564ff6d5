import Synchronization
import Testing
import VictorLocks

@testable import VictorLoading

/// The cancellation rule: a cancelled caller never fails callers that are not cancelled, and a
/// load whose callers have all left is cancelled rather than left running for no one.
@Suite struct LoaderCancellationTests {
    /// A gate a factory waits on until the test opens it.
    final class Gate: Sendable {
        private let opened = Locked<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = opened.withLock { state -> Bool in
                    if state.isOpen { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        func open() {
            let waiters = opened.withLock { state in
                state.isOpen = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Polls `condition` (state only, no timing assertion) until it holds.
    func eventually(_ condition: () -> Bool) async {
        while !condition() { await Task.yield() }
    }

    func waiters(_ loader: ComponentLoader, _ name: String) -> Int {
        loader.state.withLock { state in
            state.names.index(of: name).flatMap { state.pending[$0]?.waiters.count } ?? 0
        }
    }

    @Test func cancellingTheFirstCallerDoesNotFailTheOthers() async throws {
        let loader = ComponentLoader()
        let gate = Gate()
        let calls = Atomic<Int>(0)
        let key = try loader.register("slow") { () async -> Widget in
            calls.add(1, ordering: .relaxed)
            await gate.wait()
            return Widget("slow")
        }
        let first = Task { try await loader.get(key) }
        await eventually { waiters(loader, "slow") == 1 }
        let second = Task { try await loader.get(key) }
        await eventually { waiters(loader, "slow") == 2 }
        first.cancel()
        await #expect(throws: LoaderError.self) { _ = try await first.value }
        gate.open()
        let widget = try await second.value
        #expect(widget.name == "slow")
        let factoryCalls = calls.load(ordering: .relaxed)
        #expect(factoryCalls == 1)
        #expect(loader.isLoaded("slow"))
        do {
            _ = try await first.value
        } catch let error as LoaderError {
            #expect(error.code == .cancelled)
        }
    }

    @Test func whenEveryCallerLeavesTheFactoryIsCancelledAndNothingIsCached() async throws {
        let loader = ComponentLoader()
        let sawCancellation = Atomic<Bool>(false)
        let calls = Atomic<Int>(0)
        let key = try loader.register("sleepy") { () async throws -> Widget in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                do {
                    try await Task.sleep(for: .seconds(3_600))
                } catch {
                    sawCancellation.store(true, ordering: .relaxed)
                    throw error
                }
            }
            return Widget("sleepy")
        }
        let caller = Task { try await loader.get(key) }
        await eventually { waiters(loader, "sleepy") == 1 }
        caller.cancel()
        await #expect(throws: LoaderError.self) { _ = try await caller.value }
        await eventually { loader.state.withLock { $0.pending.isEmpty } }
        let factorySawCancellation = sawCancellation.load(ordering: .relaxed)
        #expect(factorySawCancellation)
        #expect(!loader.isLoaded("sleepy"))
        // The next caller is not cancelled: it gets a fresh load, not the abandoned one's error.
        #expect(try await loader.get(key).name == "sleepy")
        let factoryCalls = calls.load(ordering: .relaxed)
        #expect(factoryCalls == 2)
    }

    @Test func aCallerJoiningAnAbandonedLoadStartsAFreshOne() async throws {
        let loader = ComponentLoader()
        let calls = Atomic<Int>(0)
        let key = try loader.register("flaky") { () async throws -> Widget in
            if calls.add(1, ordering: .relaxed).newValue == 1 {
                // Ignores cancellation for a while, so a new caller can join the abandoned load.
                for _ in 0..<1_000 { await Task.yield() }
                try Task.checkCancellation()
            }
            return Widget("flaky")
        }
        let leaver = Task { try await loader.get(key) }
        await eventually { waiters(loader, "flaky") == 1 }
        leaver.cancel()
        let joiner = Task { try await loader.get(key) }
        #expect(try await joiner.value.name == "flaky")
        await #expect(throws: LoaderError.self) { _ = try await leaver.value }
    }

    @Test func anAlreadyCancelledCallerLeavesNoLoadBehind() async throws {
        let loader = ComponentLoader()
        let key = try loader.register("plain") { Widget("plain") }
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await loader.get(key)
        }
        await #expect(throws: LoaderError.self) { _ = try await cancelled.value }
        #expect(loader.state.withLock { $0.pending.isEmpty && $0.brokenInvariants().isEmpty })
        #expect(try await loader.get(key).name == "plain")
    }

    @Test func aCancelledDependentDoesNotPoisonASharedDependency() async throws {
        let loader = ComponentLoader()
        let gate = Gate()
        let database = try loader.register("db") { () async -> Widget in
            await gate.wait()
            return Widget("db")
        }
        let api = try loader.register("api", dependencies: ["db"]) { resolver in
            Widget("api over \(try resolver.get(database).name)")
        }
        let viaAPI = Task { try await loader.get(api) }
        await eventually { waiters(loader, "db") == 1 }
        let direct = Task { try await loader.get(database) }
        await eventually { waiters(loader, "db") == 2 }
        viaAPI.cancel()
        await eventually { waiters(loader, "api") == 0 }
        gate.open()
        #expect(try await direct.value.name == "db")
        #expect(try await loader.get(api).name == "api over db")
    }
}
