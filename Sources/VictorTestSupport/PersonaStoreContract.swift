import Foundation
public import Testing
public import VictorPersonas

/// The rules every ``VictorPersonas/PersonaStore`` backend keeps, as checks any backend's tests
/// can run: one function per rule, each given a function that makes a fresh, empty store.
///
/// Run them all with one parameterised test:
///
/// ```swift
/// @Test(arguments: PersonaStoreContract.rules)
/// func keepsTheContract(rule: PersonaStoreContract.Rule) async throws {
///     try await rule.check { MyPersonaStore(…) }
/// }
/// ```
///
/// A check records its failures with Swift Testing's `#expect` and `#require`, so it runs inside
/// a test. Each check makes as many stores as it needs and leaves removing them to the caller
/// (make them under one ``withTemporaryDirectory(_:_:)-(_,(String)async throws->_)``, say).
public enum PersonaStoreContract {
    /// A function making a fresh, empty store.
    public typealias MakeStore = @Sendable () async throws -> any PersonaStore

    /// One rule: its name and its check.
    public struct Rule: Sendable, CustomTestStringConvertible {
        /// The rule's name, such as `optimisticConcurrency`.
        public let name: String
        private let body: @Sendable (MakeStore) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (MakeStore) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Checks the rule against stores `makeStore` makes.
        public func check(_ makeStore: MakeStore) async throws {
            try await body(makeStore)
        }

        /// The rule's name.
        public var testDescription: String { name }
    }

    /// Every rule, in the order of ``VictorPersonas/PersonaStore``'s documentation.
    public static let rules: [Rule] = [
        Rule("optimisticConcurrency", optimisticConcurrency),
        Rule("concurrentWritersOneWinner", concurrentWritersOneWinner),
        Rule("versionsOnlyGrow", versionsOnlyGrow),
        Rule("immutableHistory", immutableHistory),
        Rule("validation", validation),
        Rule("normalizedText", normalizedText),
        Rule("allOrNothingSaveAll", allOrNothingSaveAll),
        Rule("deleteSemantics", deleteSemantics),
        Rule("listing", listing),
    ]

    // MARK: The rules

    /// A save or delete at a version other than the stored one is a conflict that changes nothing:
    /// a stale writer neither overwrites nor is silently overwritten.
    public static func optimisticConcurrency(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        try await store.save(samplePersona("auditor"), expectedVersion: 0)
        let alice = revised(samplePersona("auditor"), name: "Alice's edit", version: 2)
        let bob = revised(samplePersona("auditor"), name: "Bob's edit", version: 2)
        try await store.save(alice, expectedVersion: 1)
        #expect(await code { try await store.save(bob, expectedVersion: 1) } == .conflict)
        #expect(await code { try await store.save(samplePersona("auditor"), expectedVersion: 0) } == .conflict)
        #expect(await code { try await store.save(samplePersona("absent"), expectedVersion: 1) } == .conflict)
        #expect(await code { try await store.delete(id: "auditor", expectedVersion: 1) } == .conflict)
        #expect(try await store.persona(id: "auditor") == alice)
        #expect(try await store.history(id: "auditor") == [samplePersona("auditor"), alice])
        #expect(try await store.persona(id: "absent") == nil)
    }

    /// Of eight writers saving one persona at the same expected version at once, exactly one
    /// wins; the others get a conflict, and the history holds the winner's version only.
    public static func concurrentWritersOneWinner(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        try await store.save(samplePersona("auditor"), expectedVersion: 0)
        let results = await withTaskGroup(of: (Int, PersonaError.Code?).self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let persona = revised(samplePersona("auditor"), name: "Writer \(writer)", version: 2)
                    return (writer, await code { try await store.save(persona, expectedVersion: 1) })
                }
            }
            return await group.reduce(into: [(Int, PersonaError.Code?)]()) { $0.append($1) }
        }
        let winners = results.filter { $0.1 == nil }.map(\.0)
        #expect(winners.count == 1)
        #expect(results.filter { $0.1 == .conflict }.count == 7)
        let winner = try #require(winners.first)
        let history = try await store.history(id: "auditor")
        #expect(history.map(\.version) == [1, 2])
        #expect(history.first == samplePersona("auditor"))
        #expect(history.last?.name == "Writer \(winner)")
    }

    /// A saved version must be greater than the expected one; otherwise the save is an invalid
    /// argument and changes nothing.
    public static func versionsOnlyGrow(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        try await store.save(samplePersona("a"), expectedVersion: 0)
        let same = await code {
            try await store.save(revised(samplePersona("a"), name: "Same", version: 1), expectedVersion: 1)
        }
        #expect(same == .invalidArgument)
        try await store.save(revised(samplePersona("a"), name: "Jump", version: 5), expectedVersion: 1)
        #expect(try await store.persona(id: "a")?.version == 5)
        #expect(
            await code { try await store.save(revised(samplePersona("a"), version: 4), expectedVersion: 5) }
                == .invalidArgument
        )
        #expect(try await store.history(id: "a").map(\.version) == [1, 5])
    }

    /// Every saved version stays readable, unchanged, by ``VictorPersonas/PersonaStore/persona(id:version:)``
    /// and ``VictorPersonas/PersonaStore/history(id:)``; versions never saved are not there.
    public static func immutableHistory(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        let first = samplePersona("auditor")
        try await store.save(first, expectedVersion: 0)
        var second = revised(first, name: "Second", version: 2)
        second.expertise.append("cryptography")
        try await store.save(second, expectedVersion: 1)
        let third = revised(second, name: "Third", version: 3)
        try await store.save(third, expectedVersion: 2)
        #expect(try await store.persona(id: "auditor", version: 1) == first)
        #expect(try await store.persona(id: "auditor", version: 2) == second)
        #expect(try await store.persona(id: "auditor", version: 3) == third)
        #expect(try await store.persona(id: "auditor") == third)
        #expect(try await store.history(id: "auditor") == [first, second, third])
        for missing in [0, 4, -1] { #expect(try await store.persona(id: "auditor", version: missing) == nil) }
        #expect(try await store.persona(id: "absent", version: 1) == nil)
        #expect(try await store.history(id: "absent").isEmpty)
    }

    /// An invalid persona is rejected as an invalid value and never stored, alone or in a batch.
    public static func validation(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        var bothPreferredAndForbidden = samplePersona("invalid")
        bothPreferredAndForbidden.constraints.preferredTools = ["shell"]
        var unnamed = samplePersona("unnamed")
        unnamed.name = ""
        var badID = samplePersona("bad")
        badID.id = "../escape"
        for persona in [bothPreferredAndForbidden, unnamed, badID] {
            #expect(await code { try await store.save(persona, expectedVersion: 0) } == .invalidValue)
        }
        let batch = [
            PersonaChange(samplePersona("valid"), expectedVersion: 0),
            PersonaChange(bothPreferredAndForbidden, expectedVersion: 0),
        ]
        #expect(await code { try await store.saveAll(batch) } == .invalidValue)
        #expect(try await store.list().isEmpty)
        #expect(try await store.persona(id: "valid") == nil)
    }

    /// Text is stored in Unicode Normalization Form C, whatever form it was saved in; a lookup by
    /// an id that is not a valid persona id finds nothing (or is an invalid argument).
    public static func normalizedText(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        var persona = samplePersona("cafe")
        persona.name = "Cafe\u{301} au lait"
        persona.description = "Pre\u{301}cis"
        persona.expertise = ["re\u{301}sume\u{301}s"]
        let saved = try await store.save(persona, expectedVersion: 0)
        let stored = try #require(try await store.persona(id: "cafe"))
        #expect(Array(stored.name.unicodeScalars) == Array("Caf\u{E9} au lait".unicodeScalars))
        #expect(Array(stored.description.unicodeScalars) == Array("Pr\u{E9}cis".unicodeScalars))
        #expect(stored.expertise.map { Array($0.unicodeScalars) } == [Array("r\u{E9}sum\u{E9}s".unicodeScalars)])
        #expect(saved == stored)
        #expect(try await store.history(id: "cafe") == [stored])
        for id in ["cafe\u{301}", "../cafe", ""] {
            do {
                #expect(try await store.persona(id: id) == nil)
                #expect(try await store.history(id: id).isEmpty)
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    /// ``VictorPersonas/PersonaStore/saveAll(_:)`` stores every change or none: one conflict, or
    /// two changes of one persona, and nothing is saved; on success the personas come back in order.
    public static func allOrNothingSaveAll(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        try await store.save(samplePersona("existing"), expectedVersion: 0)
        let conflicting = [
            PersonaChange(samplePersona("new"), expectedVersion: 0),
            PersonaChange(revised(samplePersona("existing"), name: "Changed", version: 2), expectedVersion: 1),
            PersonaChange(revised(samplePersona("existing2"), version: 3), expectedVersion: 2),
        ]
        #expect(await code { try await store.saveAll(conflicting) } == .conflict)
        let twice = [
            PersonaChange(samplePersona("new"), expectedVersion: 0),
            PersonaChange(samplePersona("new"), expectedVersion: 0),
        ]
        #expect(await code { try await store.saveAll(twice) } == .invalidArgument)
        #expect(try await store.list() == [samplePersona("existing")])
        #expect(try await store.saveAll([]).isEmpty)
        let changes = [
            PersonaChange(samplePersona("zeta"), expectedVersion: 0),
            PersonaChange(revised(samplePersona("existing"), name: "Changed", version: 2), expectedVersion: 1),
            PersonaChange(samplePersona("alpha"), expectedVersion: 0),
        ]
        let saved = try await store.saveAll(changes)
        #expect(saved == changes.map(\.persona))
        #expect(try await store.list().map(\.id) == ["alpha", "existing", "zeta"])
        #expect(try await store.history(id: "existing").map(\.version) == [1, 2])
    }

    /// A delete needs the stored version; it removes the persona and its whole history, and the
    /// id can then be created afresh.
    public static func deleteSemantics(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        #expect(await code { try await store.delete(id: "auditor", expectedVersion: 1) } == .notFound)
        try await store.save(samplePersona("auditor"), expectedVersion: 0)
        try await store.save(revised(samplePersona("auditor"), name: "Second", version: 2), expectedVersion: 1)
        try await store.save(samplePersona("other"), expectedVersion: 0)
        #expect(await code { try await store.delete(id: "auditor", expectedVersion: 1) } == .conflict)
        #expect(await code { try await store.delete(id: "auditor", expectedVersion: 3) } == .conflict)
        try await store.delete(id: "auditor", expectedVersion: 2)
        #expect(try await store.persona(id: "auditor") == nil)
        #expect(try await store.persona(id: "auditor", version: 1) == nil)
        #expect(try await store.history(id: "auditor").isEmpty)
        #expect(try await store.list() == [samplePersona("other")])
        #expect(await code { try await store.delete(id: "auditor", expectedVersion: 2) } == .notFound)
        try await store.save(samplePersona("auditor"), expectedVersion: 0)
        #expect(try await store.history(id: "auditor") == [samplePersona("auditor")])
    }

    /// ``VictorPersonas/PersonaStore/list()`` and ``VictorPersonas/PersonaStore/listing()`` return
    /// the current version of every persona, ordered by id (byte order), with no problems in a
    /// store that holds only what it wrote.
    public static func listing(_ makeStore: MakeStore) async throws {
        let store = try await makeStore()
        #expect(try await store.list().isEmpty)
        #expect(try await store.listing().personas.isEmpty)
        for id in ["beta", "Alpha", "alpha", "a-1", "a.2", "a_3"] {
            try await store.save(samplePersona(id), expectedVersion: 0)
        }
        try await store.save(revised(samplePersona("beta"), name: "Beta 2", version: 2), expectedVersion: 1)
        let expectedIDs = ["Alpha", "a-1", "a.2", "a_3", "alpha", "beta"]
        let list = try await store.list()
        #expect(list.map(\.id) == expectedIDs)
        #expect(list.last?.version == 2)
        #expect(list.last?.name == "Beta 2")
        let listing = try await store.listing()
        #expect(listing.personas == list)
        #expect(listing.problems.isEmpty)
    }

    // MARK: Helpers

    /// A valid persona with id `id`, at version 1, with a fixed creation time.
    public static func samplePersona(_ id: String) -> Persona {
        Persona(
            id: id,
            name: "Persona \(id)",
            description: "The \(id) persona",
            personality: .cautious,
            communicationStyle: .formal,
            expertise: ["security", "auditing"],
            constraints: PersonaConstraints(maxToolCalls: 10, forbiddenTools: ["shell"]),
            createdAt: Date(timeIntervalSince1970: 1_767_225_600)
        )
    }

    static func revised(_ persona: Persona, name: String? = nil, version: Int) -> Persona {
        var copy = persona
        if let name { copy.name = name }
        copy.version = version
        return copy
    }

    /// The code of the persona error `body` throws, or `nil` when it throws none; another error
    /// is recorded as an issue.
    static func code(_ body: () async throws -> Void) async -> PersonaError.Code? {
        do {
            try await body()
            return nil
        } catch let error as PersonaError {
            return error.code
        } catch {
            Issue.record("not a PersonaError: \(error)")
            return nil
        }
    }
}
