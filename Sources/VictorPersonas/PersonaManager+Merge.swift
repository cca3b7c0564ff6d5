import CoreMetrics
import VictorLocks

extension PersonaManager {
    /// Merges personas (see ``Persona/merging(_:name:id:now:)``) without storing the result.
    public func merge(_ personas: [Persona], name: String, id: String? = nil) throws(PersonaError) -> Persona {
        let merged = try Persona.merging(personas, name: name, id: id, now: clock())
        state.withLock { $0.statistics.merges += 1 }
        metrics.merges.increment()
        return merged
    }

    /// Loads the personas `ids`, merges them and stores the result as a new persona.
    /// - Throws: ``PersonaError/Code/notFound`` for an unknown id, the merge's errors, and
    ///   ``PersonaError/Code/alreadyExists`` when the merged id is taken.
    @discardableResult
    public func merge(ids: [String], name: String, id: String? = nil) throws(PersonaError) -> Persona {
        var personas: [Persona] = []
        for sourceID in ids { personas.append(try load(sourceID)) }
        let merged = try create(try merge(personas, name: name, id: id))
        publish(PersonaMerged(personaID: merged.id, sources: ids))
        return merged
    }
}
