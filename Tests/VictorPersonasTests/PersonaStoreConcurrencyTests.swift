import Foundation
import Testing
import VictorPersonas

@Suite struct PersonaStoreConcurrencyTests {
    @Test(arguments: StoreKind.allCases) func eightWritersAtOneVersionExactlyOneWins(kind: StoreKind) async throws {
        let (store, directory) = kind.make()
        defer { directory.map(removeDirectory) }
        try store.save(samplePersona(), expectedVersion: 0)
        let results = await withTaskGroup(of: (Int, PersonaError?).self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var persona = samplePersona()
                    persona.name = "writer \(writer)"
                    persona.version = 2
                    do {
                        try store.save(persona, expectedVersion: 1)
                        return (writer, nil)
                    } catch {
                        return (writer, error as? PersonaError ?? PersonaError(.io, "\(error)"))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = results.filter { $0.1 == nil }
        #expect(winners.count == 1)
        #expect(results.filter { $0.1?.code == .conflict }.count == 7)
        let history = try store.history(id: "auditor")
        #expect(history.map(\.version) == [1, 2])
        #expect(history[0] == samplePersona())
        #expect(history[1].name == "writer \(winners[0].0)")
    }

    @Test func concurrentBatchesAreAllOrNothingAndLeaveNoTemporaryFiles() async throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = DirectoryPersonaStore(directory: directory)
        try store.saveAll([
            PersonaChange(samplePersona("a"), expectedVersion: 0),
            PersonaChange(samplePersona("b"), expectedVersion: 0),
        ])
        let winners = await withTaskGroup(of: Int?.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var a = samplePersona("a")
                    var b = samplePersona("b")
                    a.name = "writer \(writer)"
                    b.name = "writer \(writer)"
                    a.version = 2
                    b.version = 2
                    let separate = DirectoryPersonaStore(directory: directory)
                    let saved = try? separate.saveAll([
                        PersonaChange(a, expectedVersion: 1), PersonaChange(b, expectedVersion: 1),
                    ])
                    return saved == nil ? nil : writer
                }
            }
            return await group.reduce(into: [Int]()) { if let writer = $1 { $0.append(writer) } }
        }
        #expect(winners.count == 1)
        #expect(try store.persona(id: "a")?.name == "writer \(winners[0])")
        #expect(try store.persona(id: "b")?.name == "writer \(winners[0])")
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func concurrentAdaptationsAndUpdatesThroughOneManager() async throws {
        let manager = PersonaManager()
        try manager.create(samplePersona())
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        let context = PersonaContext(
                            taskType: round.isMultiple(of: 2) ? "debugging" : "security_review"
                        )
                        _ = try? manager.adapt("auditor", to: context)
                        if task == 0, round.isMultiple(of: 10) {
                            _ = try? manager.applyFeedback(
                                PersonaFeedback(rating: 4, improvements: .init(addExpertise: ["topic \(round)"])),
                                to: "auditor"
                            )
                        }
                    }
                }
            }
        }
        let current = try manager.load("auditor")
        #expect(current.version == 6)
        let adapted = try manager.adapt("auditor", to: PersonaContext(taskType: "debugging"))
        #expect(adapted.base == current)
    }
}
