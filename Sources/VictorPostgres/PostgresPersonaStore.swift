import Logging
import PostgresNIO
import VictorDocuments
public import VictorPersonas

/// A `PersonaStore` in PostgreSQL, shared by every instance on the database.
///
/// - **Immutable history.** Each saved version is a row of `victor_persona_versions`, keyed by id
///   and version; a trigger refuses updates, so a version once written reads back unchanged.
///   `victor_personas` holds each persona's current version.
/// - **Optimistic concurrency in the database.** A save updates the current row only `WHERE
///   version = expectedVersion` (a create inserts it only when absent): of concurrent writers at
///   one version the database lets exactly one through, and the others find no row to change and
///   get `PersonaError/Code/conflict`, whichever instance they run on.
/// - **All or nothing.** ``saveAll(_:)`` runs in one transaction; a conflict on its last persona
///   rolls back the first.
/// - **Change notices.** Every committed save and delete sends `NOTIFY victor_changes` with
///   `persona:ID`, which ``PostgresChangeListener`` turns into a reload on every instance.
/// - Documents are stored as the JSON persona documents `PersonaDocument` writes,
///   and read back strictly: a row that does not decode as the persona and version its key names
///   is `PersonaError/Code/damaged`.
/// - A database failure is `PersonaError/Code/io` with the cause; a change it
///   interrupted was rolled back by the server.
public final class PostgresPersonaStore: PersonaStore {
    /// The channel change notices are sent on.
    public static let channel = "victor_changes"
    let database: PostgresStore
    private var logger: Logger { database.logger }

    /// Creates a store over `database`, whose schema ``PostgresSchema/migrate(_:)`` has made.
    /// - Parameter database: the store's pool.
    public init(database: PostgresStore) {
        self.database = database
    }

    // MARK: Reading

    /// The current version of the persona, or `nil`.
    public func persona(id: String) async throws(PersonaError) -> Persona? {
        let id = try Self.checkedID(id)
        return try await read("cannot read \(ExactText.quotedForDisplay(id))") {
            try await database.rows(
                """
                SELECT v.id, v.version, v.document FROM victor_personas p
                JOIN victor_persona_versions v ON v.id = p.id AND v.version = p.version WHERE p.id = \(id)
                """
            )
        }.first
    }

    /// One version of the persona, or `nil`.
    public func persona(id: String, version: Int) async throws(PersonaError) -> Persona? {
        let id = try Self.checkedID(id)
        guard version >= 1, version <= Int(Int32.max) else { return nil }
        return try await read("cannot read \(ExactText.quotedForDisplay(id))") {
            try await database.rows(
                """
                SELECT v.id, v.version, v.document FROM victor_persona_versions v
                JOIN victor_personas p ON p.id = v.id WHERE v.id = \(id) AND v.version = \(version)
                """
            )
        }.first
    }

    /// Every version of the persona, oldest first.
    public func history(id: String) async throws(PersonaError) -> [Persona] {
        let id = try Self.checkedID(id)
        return try await read("cannot read the history of \(ExactText.quotedForDisplay(id))") {
            try await database.rows(
                """
                SELECT v.id, v.version, v.document FROM victor_persona_versions v
                JOIN victor_personas p ON p.id = v.id WHERE v.id = \(id) ORDER BY v.version
                """
            )
        }
    }

    /// The current version of every persona, ordered by id.
    public func list() async throws(PersonaError) -> [Persona] {
        let listing = try await listing()
        if let problem = listing.problems.first { throw problem }
        return listing.personas
    }

    /// The current version of every persona that reads back, and a problem for each that does not.
    public func listing() async throws(PersonaError) -> PersonaListing {
        let rows: [PostgresRow]
        do {
            rows = try await database.rows(
                """
                SELECT v.id, v.version, v.document FROM victor_personas p
                JOIN victor_persona_versions v ON v.id = p.id AND v.version = p.version ORDER BY p.id
                """
            )
        } catch {
            throw PersonaError(.io, "cannot list the personas of \(database.url)", cause: Cause(error))
        }
        var listing = PersonaListing(personas: [])
        for row in rows {
            do throws(PersonaError) {
                listing.personas.append(try decode(row))
            } catch {
                listing.problems.append(error)
            }
        }
        return listing
    }

    // MARK: Writing

    /// Saves `persona` if the stored version is `expectedVersion`; see `PersonaStore`.
    @discardableResult
    public func save(_ persona: Persona, expectedVersion: Int) async throws(PersonaError) -> Persona {
        try await saveAll([PersonaChange(persona, expectedVersion: expectedVersion)])[0]
    }

    /// Saves every change or none, in one transaction; see `PersonaStore/saveAll(_:)`.
    @discardableResult
    public func saveAll(_ changes: [PersonaChange]) async throws(PersonaError) -> [Persona] {
        let changes = changes.map { PersonaChange($0.persona.normalized(), expectedVersion: $0.expectedVersion) }
        var seen: Set<String> = []
        for change in changes {
            try change.persona.validate()
            guard seen.insert(change.persona.id).inserted else {
                throw PersonaError(
                    .invalidArgument,
                    "\(ExactText.quotedForDisplay(change.persona.id)) is saved twice in one change",
                    personaID: change.persona.id
                )
            }
            guard change.persona.version <= Int(Int32.max) else {
                throw PersonaError(
                    .invalidArgument,
                    "version \(change.persona.version) of \(ExactText.quotedForDisplay(change.persona.id)) is too large",
                    personaID: change.persona.id
                )
            }
        }
        guard !changes.isEmpty else { return [] }
        let documents = try changes.map { change throws(PersonaError) in
            try PersonaDocument.encode([change.persona], as: .json)
        }
        let logger = logger
        try await write(
            "cannot save \(changes.count == 1 ? ExactText.quotedForDisplay(changes[0].persona.id) : "\(changes.count) personas")"
        ) {
            try await database.transaction { connection in
                for (change, document) in zip(changes, documents) {
                    let id = change.persona.id
                    let version = change.persona.version
                    // A stale writer hears of the conflict first, as from every store.
                    guard version > change.expectedVersion else {
                        let current = try await Self.currentVersion(id, connection, logger)
                        guard current == change.expectedVersion else {
                            throw Self.conflict(id: id, expected: change.expectedVersion, current: current)
                        }
                        throw PersonaError(
                            .invalidArgument,
                            "version \(version) of \(ExactText.quotedForDisplay(id)) does not follow version \(change.expectedVersion)",
                            personaID: id
                        )
                    }
                    let moved: [PostgresRow]
                    if change.expectedVersion == 0 {
                        moved = try await connection.rows(
                            "INSERT INTO victor_personas (id, version) VALUES (\(id), \(version)) ON CONFLICT (id) DO NOTHING RETURNING id",
                            logger: logger
                        )
                    } else {
                        moved = try await connection.rows(
                            "UPDATE victor_personas SET version = \(version) WHERE id = \(id) AND version = \(change.expectedVersion) RETURNING id",
                            logger: logger
                        )
                    }
                    guard !moved.isEmpty else {
                        let current = try await Self.currentVersion(id, connection, logger)
                        throw Self.conflict(id: id, expected: change.expectedVersion, current: current)
                    }
                    try await connection.query(
                        "INSERT INTO victor_persona_versions (id, version, document) VALUES (\(id), \(version), \(document))",
                        logger: logger
                    )
                    try await connection.query("SELECT pg_notify(\(Self.channel), \("persona:" + id))", logger: logger)
                }
            }
        }
        return changes.map(\.persona)
    }

    /// Deletes the persona and its history if its stored version is `expectedVersion`.
    public func delete(id: String, expectedVersion: Int) async throws(PersonaError) {
        let id = try Self.checkedID(id)
        let logger = logger
        try await write("cannot delete \(ExactText.quotedForDisplay(id))") {
            try await database.transaction { connection in
                let removed = try await connection.rows(
                    "DELETE FROM victor_personas WHERE id = \(id) AND version = \(expectedVersion) RETURNING id",
                    logger: logger
                )
                guard !removed.isEmpty else {
                    let current = try await Self.currentVersion(id, connection, logger)
                    guard current > 0 else {
                        throw PersonaError(.notFound, "no persona \(ExactText.quotedForDisplay(id))", personaID: id)
                    }
                    throw Self.conflict(id: id, expected: expectedVersion, current: current)
                }
                try await connection.query("DELETE FROM victor_persona_versions WHERE id = \(id)", logger: logger)
                try await connection.query("SELECT pg_notify(\(Self.channel), \("persona:" + id))", logger: logger)
            }
        }
    }

    // MARK: Helpers

    static func checkedID(_ id: String) throws(PersonaError) -> String {
        let id = ExactText.normalized(id)
        guard Persona.isValidID(id) else {
            throw PersonaError(
                .invalidArgument,
                "\(ExactText.quotedForDisplay(id)) is not a valid persona id",
                personaID: id
            )
        }
        return id
    }

    private static func currentVersion(
        _ id: String,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Int {
        for try await version in try await connection.query(
            "SELECT version FROM victor_personas WHERE id = \(id)",
            logger: logger
        ).decode(Int.self) {
            return version
        }
        return 0
    }

    private static func conflict(id: String, expected: Int, current: Int) -> PersonaError {
        let quoted = ExactText.quotedForDisplay(id)
        return PersonaError(
            .conflict,
            current == 0
                ? "\(quoted) does not exist (expected version \(expected))"
                : "\(quoted) is at version \(current), not the expected \(expected)",
            personaID: id
        )
    }

    /// Decodes one `(id, version, document)` row strictly.
    private func decode(_ row: PostgresRow) throws(PersonaError) -> Persona {
        let id: String
        let version: Int
        let document: String
        do {
            (id, version, document) = try row.decode((String, Int, String).self)
        } catch {
            throw PersonaError(.damaged, "a row of victor_persona_versions has the wrong columns", cause: Cause(error))
        }
        let place = "victor_persona_versions(\(id), \(version))"
        let personas: [Persona]
        do {
            personas = try PersonaDocument.decode(document, file: place)
        } catch {
            var damaged = error
            damaged.code = .damaged
            damaged.location = error.location ?? DocumentLocation(file: place)
            damaged.personaID = id
            throw damaged
        }
        guard personas.count == 1, personas[0].id == id, personas[0].version == version else {
            throw PersonaError(
                .damaged,
                "\(place) does not hold exactly version \(version) of \(ExactText.quotedForDisplay(id))",
                location: DocumentLocation(file: place),
                personaID: id
            )
        }
        return personas[0]
    }

    private func read(
        _ message: String,
        _ query: () async throws -> [PostgresRow]
    ) async throws(PersonaError) -> [Persona] {
        let rows: [PostgresRow]
        do {
            rows = try await query()
        } catch {
            throw PersonaError(.io, "\(message) from \(database.url)", cause: Cause(error))
        }
        var personas: [Persona] = []
        for row in rows { personas.append(try decode(row)) }
        return personas
    }

    private func write(_ message: String, _ body: () async throws -> Void) async throws(PersonaError) {
        do {
            try await body()
        } catch let error as PersonaError {
            throw error
        } catch {
            throw PersonaError(.io, "\(message) in \(database.url)", cause: Cause(error))
        }
    }
}

/// A database error as a cause: its server message and SQLSTATE, never the query's bound values.
struct Cause: Error, CustomStringConvertible {
    let description: String
    let sqlState: String?

    init(_ error: any Error) {
        description = PostgresStoreError.describe(error)
        sqlState = PostgresStoreError.sqlState(error)
    }
}
