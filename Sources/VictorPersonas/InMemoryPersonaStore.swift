import VictorDocuments
import VictorLocks

/// A ``PersonaStore`` in memory: for tests, benchmarks, and hosts that keep personas elsewhere.
///
/// Every call holds a lock for a few dictionary operations and never suspends.
public final class InMemoryPersonaStore: PersonaStore {
    private let histories: Locked<[String: [Persona]]>

    /// Creates a store holding `personas`, each as its only version.
    /// - Precondition: the personas are valid and their ids distinct.
    public init(personas: [Persona] = []) {
        var initial: [String: [Persona]] = [:]
        for persona in personas.map({ $0.normalized() }) {
            precondition((try? persona.validate()) != nil, "invalid persona '\(persona.id)'")
            precondition(initial[persona.id] == nil, "duplicate persona '\(persona.id)'")
            initial[persona.id] = [persona]
        }
        histories = Locked(initial)
    }

    /// The current version of the persona, or `nil`.
    public func persona(id: String) async throws(PersonaError) -> Persona? {
        let id = ExactText.normalized(id)
        return histories.withLock { $0[id]?.last }
    }

    /// One version of the persona, or `nil`.
    public func persona(id: String, version: Int) async throws(PersonaError) -> Persona? {
        let id = ExactText.normalized(id)
        return histories.withLock { $0[id]?.first { $0.version == version } }
    }

    /// Every version of the persona, oldest first.
    public func history(id: String) async throws(PersonaError) -> [Persona] {
        let id = ExactText.normalized(id)
        return histories.withLock { $0[id] ?? [] }
    }

    /// The current version of every persona, ordered by id.
    public func list() async throws(PersonaError) -> [Persona] {
        histories.withLock { $0.values.compactMap(\.last) }.sorted { $0.id < $1.id }
    }

    /// Saves `persona` if the stored version is `expectedVersion`; see ``PersonaStore``.
    @discardableResult
    public func save(_ persona: Persona, expectedVersion: Int) async throws(PersonaError) -> Persona {
        try await saveAll([PersonaChange(persona, expectedVersion: expectedVersion)])[0]
    }

    /// Saves every change or none; see ``PersonaStore/saveAll(_:)``.
    @discardableResult
    public func saveAll(_ changes: [PersonaChange]) async throws(PersonaError) -> [Persona] {
        let changes = changes.map { PersonaChange($0.persona.normalized(), expectedVersion: $0.expectedVersion) }
        try Self.checkDistinct(changes)
        try histories.withLock { histories throws(PersonaError) in
            for change in changes {
                try Self.checkSave(
                    change.persona,
                    expectedVersion: change.expectedVersion,
                    current: histories[change.persona.id]?.last?.version ?? 0
                )
            }
            for change in changes { histories[change.persona.id, default: []].append(change.persona) }
        }
        return changes.map(\.persona)
    }

    /// Deletes the persona if its stored version is `expectedVersion`; see ``PersonaStore``.
    public func delete(id: String, expectedVersion: Int) async throws(PersonaError) {
        let id = ExactText.normalized(id)
        try histories.withLock { histories throws(PersonaError) in
            try Self.checkDelete(id: id, expectedVersion: expectedVersion, current: histories[id]?.last?.version ?? 0)
            histories[id] = nil
        }
    }
}
