import VictorDocuments

/// What importing one persona did.
public struct PersonaImportOutcome: Sendable, Hashable {
    /// What happened to the persona.
    public enum Action: String, Sendable, Hashable {
        /// It was new to the store and stored as read (its version kept).
        case created
        /// It replaced the stored persona as its next version.
        case updated
        /// The stored persona already had the same content; nothing was written.
        case unchanged
    }

    /// The persona as stored.
    public var persona: Persona
    /// What happened.
    public var action: Action
}

extension PersonaManager {
    /// Imports personas read from documents, all or nothing: every persona is validated and every
    /// id checked for duplicates before anything is written, and the writes are one
    /// ``PersonaStore/saveAll(_:)``, so when one of them fails (a concurrent writer's conflict, a
    /// full disk) the others are undone and the store is as it was.
    ///
    /// A persona new to the store is stored as read (so an export imports back equal); one already
    /// stored becomes its next version unless its content is unchanged.
    /// - Throws: ``PersonaError/Code/invalidValue`` or ``PersonaError/Code/duplicateKey`` for a
    ///   bad persona, ``PersonaError/Code/invalidArgument`` for a stored persona at the largest
    ///   version, or the store's error; in every case nothing was imported.
    public func importPersonas(_ personas: [Persona]) async throws(PersonaError) -> [PersonaImportOutcome] {
        var seen: Set<String> = []
        var plan: [(Persona, Persona?)] = []
        for persona in personas.map({ $0.normalized() }) {
            try persona.validate()
            guard seen.insert(persona.id).inserted else {
                throw PersonaError(
                    .duplicateKey,
                    "the persona \(ExactText.quotedForDisplay(persona.id)) is imported twice",
                    personaID: persona.id
                )
            }
            plan.append((persona, try await store.persona(id: persona.id)))
        }
        var changes: [PersonaChange] = []
        var outcomes: [PersonaImportOutcome] = []
        let now = PersonaTimestamp.normalized(clock())
        for (persona, stored) in plan {
            if let stored {
                if stored.hasSameContent(as: persona) {
                    outcomes.append(PersonaImportOutcome(persona: stored, action: .unchanged))
                    continue
                }
                try Self.checkCanIncrease(stored)
                var next = persona
                next.version = stored.version + 1
                next.createdAt = stored.createdAt
                next.updatedAt = max(now, stored.createdAt)
                changes.append(PersonaChange(next, expectedVersion: stored.version))
                outcomes.append(PersonaImportOutcome(persona: next, action: .updated))
            } else {
                changes.append(PersonaChange(persona, expectedVersion: 0))
                outcomes.append(PersonaImportOutcome(persona: persona, action: .created))
            }
        }
        let saved = try await store.saveAll(changes)
        var savedByID: [String: Persona] = [:]
        for persona in saved {
            savedByID[persona.id] = persona
            didStore(persona)
        }
        for index in outcomes.indices {
            guard let persona = savedByID[outcomes[index].persona.id] else { continue }
            outcomes[index].persona = persona
            switch outcomes[index].action {
            case .created: publish(PersonaCreated(personaID: persona.id, version: persona.version))
            case .updated: publish(PersonaUpdated(personaID: persona.id, version: persona.version, rating: nil))
            case .unchanged: break
            }
        }
        return outcomes
    }
}
