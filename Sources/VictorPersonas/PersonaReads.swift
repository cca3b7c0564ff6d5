import VictorDocuments

/// What the manager's lock-free reads see: the cached personas and adaptations, frozen into
/// tables keyed by ``FastHash``. The manager builds a new one under its lock after every change
/// and publishes it whole (``PersonaManager/reads``), so a reader sees one consistent cache.
///
/// Every cached persona is in the table. Adaptations join it in batches (see
/// ``PersonaManager/publishAdaptations(_:)``); one not published yet is found under the lock.
final class PersonaReads: Sendable {
    let personas: FrozenTable<String, Persona>
    /// The cached personas' versions, which an adaptation lookup reads: a table of plain
    /// integers, so reading one touches no reference count.
    let versions: FrozenTable<String, Int>
    let adaptations: FrozenTable<PersonaManager.AdaptationKey, AdaptedPersona>

    init(
        personas: FrozenTable<String, Persona>,
        adaptations: FrozenTable<PersonaManager.AdaptationKey, AdaptedPersona>
    ) {
        self.personas = personas
        versions = personas.mapValues(\.version)
        self.adaptations = adaptations
    }

    /// These personas with other adaptations.
    func replacing(adaptations: FrozenTable<PersonaManager.AdaptationKey, AdaptedPersona>) -> PersonaReads {
        PersonaReads(personas: personas, versions: versions, adaptations: adaptations)
    }

    private init(
        personas: FrozenTable<String, Persona>,
        versions: FrozenTable<String, Int>,
        adaptations: FrozenTable<PersonaManager.AdaptationKey, AdaptedPersona>
    ) {
        self.personas = personas
        self.versions = versions
        self.adaptations = adaptations
    }

    static let empty = PersonaReads(personas: FrozenTable([]), adaptations: FrozenTable([]))

    /// The table of `personas`.
    static func table(_ personas: [String: Persona]) -> FrozenTable<String, Persona> {
        FrozenTable(personas.map { (FastHash.wordHash($0.key), $0.key, $0.value) })
    }

    /// The table of `adaptations`.
    static func table(
        _ adaptations: [PersonaManager.AdaptationKey: AdaptedPersona]
    ) -> FrozenTable<PersonaManager.AdaptationKey, AdaptedPersona> {
        FrozenTable(
            adaptations.map { key, value in (hash(FastHash.wordHash(key.id), key.version, key.context), key, value) }
        )
    }

    @inline(__always)
    static func hash(_ idHash: UInt64, _ version: Int, _ context: PersonaContext) -> UInt64 {
        FastHash.combine(
            FastHash.combine(idHash, UInt64(bitPattern: Int64(version))),
            UInt64(bitPattern: Int64(context.precomputedHash))
        )
    }

    /// The cached persona whose id has exactly the bytes of `id`.
    @inline(__always)
    func persona(_ id: String, hash: UInt64) -> Persona? {
        personas.find(hash) { ExactBytes.equal($0, id) }
    }

    /// The cached adaptation of the cached version of the persona `id` to `context`.
    @inline(__always)
    func adaptation(_ id: String, hash: UInt64, _ context: PersonaContext) -> AdaptedPersona? {
        guard let version = versions.find(hash, { ExactBytes.equal($0, id) }) else {
            return nil
        }
        return adaptations.find(Self.hash(hash, version, context)) { key in
            key.version == version && ExactBytes.equal(key.id, id) && key.context == context
        }
    }
}
