import CoreMetrics
import VictorDocuments
import VictorLocks

extension PersonaManager {
    /// Merges personas (see ``Persona/merging(_:name:id:now:)``) without storing the result.
    public func merge(_ personas: [Persona], name: String, id: String? = nil) throws(PersonaError) -> Persona {
        let merged = try Persona.merging(
            personas,
            name: ExactText.normalized(name),
            id: id.map(ExactText.normalized),
            now: clock()
        )
        state.withLock { $0.statistics.merges += 1 }
        metrics.merges.increment()
        return merged
    }

    /// Loads the personas `ids`, merges them and stores the result as a new persona.
    /// - Throws: ``PersonaError/Code/invalidArgument`` when an id is named twice,
    ///   ``PersonaError/Code/notFound`` for an unknown id, the merge's errors, and
    ///   ``PersonaError/Code/alreadyExists`` when the merged id is taken.
    @discardableResult
    public func merge(ids: [String], name: String, id: String? = nil) async throws(PersonaError) -> Persona {
        let ids = ids.map(ExactText.normalized)
        var seen: Set<String> = []
        for sourceID in ids where !seen.insert(sourceID).inserted {
            throw PersonaError(
                .invalidArgument,
                "\(ExactText.quotedForDisplay(sourceID)) is named more than once; merging needs distinct personas",
                personaID: sourceID
            )
        }
        var personas: [Persona] = []
        for sourceID in ids { personas.append(try await load(sourceID)) }
        let merged = try await create(try merge(personas, name: name, id: id))
        publish(PersonaMerged(personaID: merged.id, sources: ids))
        return merged
    }
}
