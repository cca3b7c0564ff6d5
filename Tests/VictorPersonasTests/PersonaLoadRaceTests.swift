import Synchronization
import Testing
import VictorPersonas

/// A store whose next current-version read, once armed, reads and then waits until released:
/// a test can change things between a manager's store read and its use of what it read.
final class HeldReadStore: PersonaStore {
    let inner = InMemoryPersonaStore()
    private let armed = Mutex(false)
    /// What each held read found, as it is held.
    let heldReads: AsyncStream<Persona?>
    private let heldReadsInput: AsyncStream<Persona?>.Continuation
    private let releases: AsyncStream<Void>
    private let releasesInput: AsyncStream<Void>.Continuation

    init() {
        (heldReads, heldReadsInput) = AsyncStream.makeStream()
        (releases, releasesInput) = AsyncStream.makeStream()
    }

    /// Holds the next ``persona(id:)`` after it has read.
    func arm() { armed.withLock { $0 = true } }

    /// Lets the held read return.
    func release() { releasesInput.yield() }

    func persona(id: String) async throws(PersonaError) -> Persona? {
        let persona = try await inner.persona(id: id)
        let held = armed.withLock { armed in
            defer { armed = false }
            return armed
        }
        if held {
            heldReadsInput.yield(persona)
            var waiting = releases.makeAsyncIterator()
            _ = await waiting.next()
        }
        return persona
    }

    func persona(id: String, version: Int) async throws(PersonaError) -> Persona? {
        try await inner.persona(id: id, version: version)
    }
    func history(id: String) async throws(PersonaError) -> [Persona] { try await inner.history(id: id) }
    func list() async throws(PersonaError) -> [Persona] { try await inner.list() }
    func listing() async throws(PersonaError) -> PersonaListing { try await inner.listing() }
    func save(_ persona: Persona, expectedVersion: Int) async throws(PersonaError) -> Persona {
        try await inner.save(persona, expectedVersion: expectedVersion)
    }
    func saveAll(_ changes: [PersonaChange]) async throws(PersonaError) -> [Persona] {
        try await inner.saveAll(changes)
    }
    func delete(id: String, expectedVersion: Int) async throws(PersonaError) {
        try await inner.delete(id: id, expectedVersion: expectedVersion)
    }
}

/// A load from the store that races a change returns what it read, which was current when read,
/// but never caches it over the change: the next load sees the change.
@Suite struct PersonaLoadRaceTests {
    enum Change: String, CaseIterable, CustomTestStringConvertible {
        /// The store changed behind the manager's back, then the manager was told.
        case storeChangedThenInvalidated
        /// The persona updated through the same manager.
        case updatedThroughTheManager
        /// Every cached persona forgotten.
        case invalidatedAll
        var testDescription: String { rawValue }
    }

    @Test(arguments: Change.allCases)
    func aLoadHeldAcrossAChangeDoesNotCacheWhatItRead(change: Change) async throws {
        let store = HeldReadStore()
        let original = try await store.inner.save(samplePersona(), expectedVersion: 0)
        let manager = PersonaManager(store: store)
        store.arm()
        async let racing = manager.load("auditor")
        var heldReads = store.heldReads.makeAsyncIterator()
        let read = await heldReads.next()
        #expect(read??.version == 1)

        var edit = original
        edit.name = "Renamed"
        switch change {
        case .storeChangedThenInvalidated:
            edit.version = 2
            try await store.inner.save(edit, expectedVersion: 1)
            manager.invalidate("auditor")
        case .updatedThroughTheManager:
            try await manager.update(edit)
        case .invalidatedAll:
            edit.version = 2
            try await store.inner.save(edit, expectedVersion: 1)
            manager.invalidate()
        }
        store.release()

        #expect(try await racing.version == 1)
        #expect(manager.cachedPersona("auditor")?.version != 1)
        let next = try await manager.load("auditor")
        #expect(next.version == 2)
        #expect(next.name == "Renamed")
    }

    /// Without a change, the held load caches what it read, as any load does.
    @Test func aLoadHeldAcrossNothingCachesWhatItRead() async throws {
        let store = HeldReadStore()
        try await store.inner.save(samplePersona(), expectedVersion: 0)
        let manager = PersonaManager(store: store)
        store.arm()
        async let racing = manager.load("auditor")
        var heldReads = store.heldReads.makeAsyncIterator()
        _ = await heldReads.next()
        #expect(manager.cachedPersona("auditor") == nil)
        store.release()
        #expect(try await racing.version == 1)
        #expect(manager.cachedPersona("auditor")?.version == 1)
    }
}
