import VictorDocuments

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
/// - **Validated and exact.** A persona that fails ``Persona/validate()`` is rejected, never
///   stored. Ids enter every call in Unicode Normalization Form C, and a saved persona's strings
///   are stored normalized (``Persona/normalized()``).
/// - **All or nothing.** A failed save or delete leaves the store as it was, and so does a failed
///   ``saveAll(_:)`` for every persona it names, even when a write fails after others succeeded;
///   a reader sees either the old or the new version of a persona, never a mixture or a partly
///   written one.
/// - **Strict reading.** Stored data that cannot be read back exactly is an error naming where it
///   is, never skipped or replaced; ``listing()`` returns what can be read together with a
///   problem for each file that cannot.
/// - **Asynchronous.** Every call is `async`, so a backend that talks to a server (a database)
///   suspends instead of blocking. A backend doing blocking work (file I/O, waiting for a lock
///   another process holds) moves it off Swift's cooperative thread pool, as
///   ``DirectoryPersonaStore`` does. Calls are safe from any task.
///
/// ## Checking a backend
///
/// The rules are published as a contract suite, `PersonaStoreContract` in the package's
/// `VictorTestSupport` target: one `async` function per rule, each taking a function that makes a
/// fresh, empty store. A new backend's test target depends on `VictorTestSupport` and runs every
/// rule against it, as `Tests/VictorPersonasTests/PersonaStoreContractTests.swift` does for the
/// shipped backends:
///
/// ```swift
/// import Testing
/// import VictorTestSupport
///
/// @Test(arguments: PersonaStoreContract.rules)
/// func postgresKeepsTheContract(rule: PersonaStoreContract.Rule) async throws {
///     try await rule.check { try await PostgresPersonaStore(connection: testDatabase()) }
/// }
/// ```
public protocol PersonaStore: Sendable {
    /// The current version of the persona, or `nil` when there is none.
    func persona(id: String) async throws(PersonaError) -> Persona?

    /// A specific version of the persona, or `nil` when the persona or the version does not exist.
    func persona(id: String, version: Int) async throws(PersonaError) -> Persona?

    /// Every stored version of the persona, oldest first; empty when the persona does not exist.
    func history(id: String) async throws(PersonaError) -> [Persona]

    /// The current version of every persona, ordered by id.
    /// - Throws: the first problem when any stored persona cannot be read; ``listing()`` returns
    ///   the readable ones instead.
    func list() async throws(PersonaError) -> [Persona]

    /// The current version of every persona that can be read, ordered by id, and one problem for
    /// each stored persona that cannot, naming its file.
    /// - Throws: only when the store itself cannot be listed.
    func listing() async throws(PersonaError) -> PersonaListing

    /// Makes `persona` the current version, provided the stored version is `expectedVersion`
    /// (0: the persona must not exist yet), and appends it to the history.
    /// - Returns: the persona as stored.
    /// - Throws: ``PersonaError/Code/conflict`` when the stored version differs,
    ///   ``PersonaError/Code/invalidArgument`` when `persona.version <= expectedVersion`,
    ///   ``PersonaError/Code/invalidValue`` when the persona is invalid, ``PersonaError/Code/io``.
    @discardableResult
    func save(_ persona: Persona, expectedVersion: Int) async throws(PersonaError) -> Persona

    /// Saves several personas as one change: every one of them, or none.
    ///
    /// Each change is checked as ``save(_:expectedVersion:)`` checks it before anything is
    /// written; when a write fails after others succeeded, those are undone before the error is
    /// thrown.
    /// - Returns: the personas as stored, in the order of `changes`.
    /// - Throws: what ``save(_:expectedVersion:)`` throws, and ``PersonaError/Code/invalidArgument``
    ///   when two changes name the same persona.
    @discardableResult
    func saveAll(_ changes: [PersonaChange]) async throws(PersonaError) -> [Persona]

    /// Removes the persona and its history, provided its stored version is `expectedVersion`.
    /// - Throws: ``PersonaError/Code/notFound``, ``PersonaError/Code/conflict``, ``PersonaError/Code/io``.
    func delete(id: String, expectedVersion: Int) async throws(PersonaError)
}

/// One save of a ``PersonaStore/saveAll(_:)``: a persona and the version the caller read.
public struct PersonaChange: Sendable, Hashable {
    /// The persona to store.
    public var persona: Persona
    /// The version the store must hold now (0: the persona must not exist yet).
    public var expectedVersion: Int

    /// Creates a change.
    public init(_ persona: Persona, expectedVersion: Int) {
        self.persona = persona
        self.expectedVersion = expectedVersion
    }
}

/// What a store's listing found: the personas that read back, and a problem for each stored file
/// that does not.
public struct PersonaListing: Sendable {
    /// The readable personas, ordered by id.
    public var personas: [Persona]
    /// One error per unreadable stored persona, each naming its file, ordered by file.
    public var problems: [PersonaError]

    /// Creates a listing.
    public init(personas: [Persona], problems: [PersonaError] = []) {
        self.personas = personas
        self.problems = problems
    }
}

extension PersonaStore {
    /// The strict ``list()`` with no problems: for stores whose listing either reads everything or fails.
    public func listing() async throws(PersonaError) -> PersonaListing {
        PersonaListing(personas: try await list())
    }

    /// Checks a save against the stored version; shared by the shipped backends.
    static func checkSave(_ persona: Persona, expectedVersion: Int, current: Int) throws(PersonaError) {
        try persona.validate()
        let id = ExactText.quotedForDisplay(persona.id)
        guard current == expectedVersion else {
            throw PersonaError(
                .conflict,
                current == 0
                    ? "\(id) does not exist (expected version \(expectedVersion))"
                    : "\(id) is at version \(current), not the expected \(expectedVersion)",
                personaID: persona.id
            )
        }
        guard persona.version > expectedVersion else {
            throw PersonaError(
                .invalidArgument,
                "version \(persona.version) of \(id) does not follow version \(expectedVersion)",
                personaID: persona.id
            )
        }
    }

    /// Checks that no two changes name the same persona.
    static func checkDistinct(_ changes: [PersonaChange]) throws(PersonaError) {
        var seen: Set<String> = []
        for change in changes where !seen.insert(change.persona.id).inserted {
            throw PersonaError(
                .invalidArgument,
                "\(ExactText.quotedForDisplay(change.persona.id)) is saved twice in one change",
                personaID: change.persona.id
            )
        }
    }

    static func checkDelete(id: String, expectedVersion: Int, current: Int) throws(PersonaError) {
        let quoted = ExactText.quotedForDisplay(id)
        guard current > 0 else { throw PersonaError(.notFound, "no persona \(quoted)", personaID: id) }
        guard current == expectedVersion else {
            throw PersonaError(
                .conflict,
                "\(quoted) is at version \(current), not the expected \(expectedVersion)",
                personaID: id
            )
        }
    }
}
