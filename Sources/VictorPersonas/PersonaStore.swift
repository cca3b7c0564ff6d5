/// Where personas and their version histories are kept.
///
/// ``PersonaManager`` talks to a store only through this protocol; ``DirectoryPersonaStore``
/// (one file per persona plus its history, on disk) and ``InMemoryPersonaStore`` are the two
/// shipped backends. Every backend must follow these rules:
///
/// - **Optimistic concurrency.** ``save(_:expectedVersion:)`` and ``delete(id:expectedVersion:)``
///   carry the version the caller read (0 for "must not exist yet"). When the stored version
///   differs, the call throws ``PersonaError/Code/conflict`` and changes nothing. Among concurrent
///   writers at the same expected version exactly one succeeds; a stale writer is never silently
///   overwritten, nor does it overwrite.
/// - **Versions only grow.** A saved persona's ``Persona/version`` must be greater than
///   `expectedVersion`, otherwise ``PersonaError/Code/invalidArgument``.
/// - **Immutable history.** Every saved version is kept and returned unchanged by
///   ``persona(id:version:)`` and ``history(id:)``: saving version 2 never alters version 1.
/// - **Validated.** A persona that fails ``Persona/validate()`` is rejected, never stored.
/// - **All or nothing.** A failed save or delete leaves the store as it was; a reader sees either the
///   old or the new version of a persona, never a mixture or a partly written one.
/// - **Strict reading.** Stored data that cannot be read back exactly is an error naming where it
///   is, never skipped or replaced.
/// - Calls are safe from any thread or task; they may block on I/O.
public protocol PersonaStore: Sendable {
    /// The current version of the persona, or `nil` when there is none.
    func persona(id: String) throws(PersonaError) -> Persona?

    /// A specific version of the persona, or `nil` when the persona or the version does not exist.
    func persona(id: String, version: Int) throws(PersonaError) -> Persona?

    /// Every stored version of the persona, oldest first; empty when the persona does not exist.
    func history(id: String) throws(PersonaError) -> [Persona]

    /// The current version of every persona, ordered by id.
    func list() throws(PersonaError) -> [Persona]

    /// Makes `persona` the current version, provided the stored version is `expectedVersion`
    /// (0: the persona must not exist yet), and appends it to the history.
    /// - Returns: the persona as stored.
    /// - Throws: ``PersonaError/Code/conflict`` when the stored version differs,
    ///   ``PersonaError/Code/invalidArgument`` when `persona.version <= expectedVersion`,
    ///   ``PersonaError/Code/invalidValue`` when the persona is invalid, ``PersonaError/Code/io``.
    @discardableResult
    func save(_ persona: Persona, expectedVersion: Int) throws(PersonaError) -> Persona

    /// Removes the persona and its history, provided its stored version is `expectedVersion`.
    /// - Throws: ``PersonaError/Code/notFound``, ``PersonaError/Code/conflict``, ``PersonaError/Code/io``.
    func delete(id: String, expectedVersion: Int) throws(PersonaError)
}

extension PersonaStore {
    /// Checks a save against the stored version; shared by the shipped backends.
    static func checkSave(_ persona: Persona, expectedVersion: Int, current: Int) throws(PersonaError) {
        try persona.validate()
        guard current == expectedVersion else {
            throw PersonaError(
                .conflict,
                current == 0
                    ? "'\(persona.id)' does not exist (expected version \(expectedVersion))"
                    : "'\(persona.id)' is at version \(current), not the expected \(expectedVersion)",
                personaID: persona.id
            )
        }
        guard persona.version > expectedVersion else {
            throw PersonaError(
                .invalidArgument,
                "version \(persona.version) of '\(persona.id)' does not follow version \(expectedVersion)",
                personaID: persona.id
            )
        }
    }

    static func checkDelete(id: String, expectedVersion: Int, current: Int) throws(PersonaError) {
        guard current > 0 else { throw PersonaError(.notFound, "no persona '\(id)'", personaID: id) }
        guard current == expectedVersion else {
            throw PersonaError(
                .conflict,
                "'\(id)' is at version \(current), not the expected \(expectedVersion)",
                personaID: id
            )
        }
    }
}
