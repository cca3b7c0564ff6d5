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
    /// Imports personas read from documents, all or nothing as far as checks go: every persona is
    /// validated and every id checked for duplicates before anything is written, so an invalid
    /// persona means nothing is imported.
    ///
    /// A persona new to the store is stored as read (so an export imports back equal); one already
    /// stored becomes its next version unless its content is unchanged.
    /// - Throws: ``PersonaError/Code/invalidValue`` or ``PersonaError/Code/duplicateKey`` before any
    ///   write; a store error (such as a concurrent writer's ``PersonaError/Code/conflict``) during
    ///   the writes, which stops at the failing persona.
    public func importPersonas(_ personas: [Persona]) throws(PersonaError) -> [PersonaImportOutcome] {
        var seen: Set<String> = []
        var plan: [(Persona, Persona?)] = []
        for persona in personas {
            try persona.validate()
            guard seen.insert(persona.id).inserted else {
                throw PersonaError(
                    .duplicateKey,
                    "the persona '\(persona.id)' is imported twice",
                    personaID: persona.id
                )
            }
            plan.append((persona, try store.persona(id: persona.id)))
        }
        var outcomes: [PersonaImportOutcome] = []
        for (persona, stored) in plan {
            if let stored {
                if stored.hasSameContent(as: persona) {
                    outcomes.append(PersonaImportOutcome(persona: stored, action: .unchanged))
                    continue
                }
                var next = persona
                next.version = stored.version
                next.createdAt = stored.createdAt
                outcomes.append(PersonaImportOutcome(persona: try update(next), action: .updated))
            } else {
                let saved = try store.save(persona, expectedVersion: 0)
                didStore(saved)
                publish(PersonaCreated(personaID: saved.id, version: saved.version))
                outcomes.append(PersonaImportOutcome(persona: saved, action: .created))
            }
        }
        return outcomes
    }
}
