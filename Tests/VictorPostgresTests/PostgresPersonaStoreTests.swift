import Logging
import PostgresNIO
import Testing
import VictorPersonas
import VictorPostgres
import VictorTestSupport

/// The published store contract and the cross-instance guarantees, against a real PostgreSQL.
@Suite(.enabled(if: postgresAvailable, "PostgreSQL binaries are missing: see the SKIPPED line"))
struct PostgresPersonaStoreTests {
    @Test(arguments: PersonaStoreContract.rules)
    func postgresStoreKeepsTheContract(rule: PersonaStoreContract.Rule) async throws {
        try await withTestDatabases { databases in
            try await rule.check { PostgresPersonaStore(database: try await databases.make()) }
        }
    }

    /// Eight writers on four pools (as on several instances) at one version: the database lets
    /// exactly one through.
    @Test func eightWritersAcrossPoolsGiveOneSuccessAndSevenConflicts() async throws {
        try await withTestDatabases { databases in
            let first = try await databases.make()
            var stores = [PostgresPersonaStore(database: first)]
            for _ in 1..<4 { stores.append(PostgresPersonaStore(database: try await databases.reopen(first))) }
            try await stores[0].save(PersonaStoreContract.samplePersona("auditor"), expectedVersion: 0)
            let results = await withTaskGroup(of: PersonaError.Code?.self) { group in
                for writer in 0..<8 {
                    let store = stores[writer % stores.count]
                    group.addTask {
                        var persona = PersonaStoreContract.samplePersona("auditor")
                        persona.name = "Writer \(writer)"
                        persona.version = 2
                        do {
                            try await store.save(persona, expectedVersion: 1)
                            return nil
                        } catch let error as PersonaError {
                            return error.code
                        } catch {
                            return .io
                        }
                    }
                }
                return await group.reduce(into: [PersonaError.Code?]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == nil }.count == 1)
            #expect(results.filter { $0 == .conflict }.count == 7)
            #expect(try await stores[3].history(id: "auditor").map(\.version) == [1, 2])
        }
    }

    @Test func aSaveSeenByOnePoolIsReadByAnother() async throws {
        try await withTestDatabases { databases in
            let first = try await databases.make()
            let second = try await databases.reopen(first)
            let persona = PersonaStoreContract.samplePersona("shared")
            try await PostgresPersonaStore(database: first).save(persona, expectedVersion: 0)
            #expect(try await PostgresPersonaStore(database: second).persona(id: "shared") == persona)
        }
    }

    @Test func storedVersionsCannotBeRewritten() async throws {
        try await withTestDatabases { databases in
            let database = try await databases.make()
            try await PostgresPersonaStore(database: database).save(
                PersonaStoreContract.samplePersona("fixed"),
                expectedVersion: 0
            )
            await #expect(throws: (any Error).self) {
                try await database.client.query(
                    "UPDATE victor_persona_versions SET document = 'x' WHERE id = 'fixed'",
                    logger: Logger(label: "test")
                )
            }
            #expect(try await PostgresPersonaStore(database: database).persona(id: "fixed")?.name == "Persona fixed")
        }
    }
}
