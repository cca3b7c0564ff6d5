import VictorDocuments

/// What the manager's lock-free reads see: the cached personas and adaptations, frozen into
/// tables keyed by ``FastHash``. The manager builds a new one under its lock after every change
/// and publishes it whole (``PersonaManager/reads``), so a reader sees one consistent cache.
///
/// Every cached persona is in the table. Adaptations join it in batches (see
/// ``PersonaManager/publishAdaptations(_:)``); one not published yet is found under the lock.
final class PersonaReads: Sendable {
    /// An adaptation as the published table keys it: the cached persona's ordinal, which the
    /// manager renews whenever the persona it caches under an id changes, stands for id and
    /// version, so a lookup compares integers where the manager's own key compares an id.
    struct Key: Sendable {
        let ordinal: Int
        let context: PersonaContext
    }

    let personas: FrozenTable<String, Persona>
    /// The cached personas' ordinals (``PersonaManager/State/ordinals``): plain integers, so an
    /// adaptation lookup that reads one touches no reference count.
    let ordinals: FrozenTable<String, Int>
    let adaptations: FrozenTable<Key, AdaptedPersona>

    init(
        personas: FrozenTable<String, Persona>,
        ordinals: FrozenTable<String, Int>,
        adaptations: FrozenTable<Key, AdaptedPersona>
    ) {
        self.personas = personas
        self.ordinals = ordinals
        self.adaptations = adaptations
    }

    static let empty = PersonaReads(personas: FrozenTable([]), ordinals: FrozenTable([]), adaptations: FrozenTable([]))

    /// The personas of `state`, with its adaptations when `adaptations`, else with `old`'s.
    static func personas(of state: PersonaManager.State, adaptations: Bool, old: PersonaReads) -> PersonaReads {
        PersonaReads(
            personas: FrozenTable(state.personas.map { (FastHash.wordHash($0.key), $0.key, $0.value) }),
            ordinals: FrozenTable(state.ordinals.map { (FastHash.wordHash($0.key), $0.key, $0.value) }),
            adaptations: adaptations ? table(of: state) : old.adaptations
        )
    }

    /// `old`'s personas with the adaptations of `state`.
    static func adaptations(of state: PersonaManager.State, old: PersonaReads) -> PersonaReads {
        PersonaReads(personas: old.personas, ordinals: old.ordinals, adaptations: table(of: state))
    }

    /// The adaptations of `state`. They are of cached personas in their cached versions only
    /// (an adaptation is cached only of the cached version, and goes when its persona does), so
    /// each one's ordinal is its persona's current one.
    private static func table(of state: PersonaManager.State) -> FrozenTable<Key, AdaptedPersona> {
        FrozenTable(
            state.adaptations.map { key, value in
                (hash(value.ordinal, key.context), Key(ordinal: value.ordinal, context: key.context), value.adapted)
            }
        )
    }

    @inline(__always)
    static func hash(_ ordinal: Int, _ context: PersonaContext) -> UInt64 {
        FastHash.combine(UInt64(bitPattern: Int64(ordinal)), UInt64(bitPattern: Int64(context.precomputedHash)))
    }

    /// The cached persona whose id has exactly the bytes of `id`.
    @inline(__always)
    func persona(_ id: String, hash: UInt64) -> Persona? {
        personas.find(hash) { ExactBytes.equal($0, id) }
    }

    /// The cached adaptation of the cached version of the persona `id` to `context`.
    @inline(__always)
    func adaptation(_ id: String, hash: UInt64, _ context: PersonaContext) -> AdaptedPersona? {
        guard let ordinal = ordinals.find(hash, { ExactBytes.equal($0, id) }) else { return nil }
        return adaptations.find(Self.hash(ordinal, context)) { $0.ordinal == ordinal && $0.context == context }
    }
}
