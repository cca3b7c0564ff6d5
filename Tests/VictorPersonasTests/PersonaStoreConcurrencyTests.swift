import Foundation
import Testing
import VictorPersonas
import VictorTestSupport

@Suite struct PersonaStoreConcurrencyTests {
    let directories = TemporaryDirectories()

    @Test func concurrentBatchesAreAllOrNothingAndLeaveNoTemporaryFiles() async throws {
        let directory = directories.make()
        let store = DirectoryPersonaStore(directory: directory)
        try await store.saveAll([
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
                    let saved = try? await separate.saveAll([
                        PersonaChange(a, expectedVersion: 1), PersonaChange(b, expectedVersion: 1),
                    ])
                    return saved == nil ? nil : writer
                }
            }
            return await group.reduce(into: [Int]()) { if let writer = $1 { $0.append(writer) } }
        }
        #expect(winners.count == 1)
        #expect(try await store.persona(id: "a")?.name == "writer \(winners[0])")
        #expect(try await store.persona(id: "b")?.name == "writer \(winners[0])")
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func concurrentAdaptationsAndUpdatesThroughOneManager() async throws {
        let manager = PersonaManager()
        try await manager.create(samplePersona())
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        let context = PersonaContext(
                            taskType: round.isMultiple(of: 2) ? "debugging" : "security_review"
                        )
                        _ = try? await manager.adapt("auditor", to: context)
                        if task == 0, round.isMultiple(of: 10) {
                            _ = try? await manager.applyFeedback(
                                PersonaFeedback(rating: 4, improvements: .init(addExpertise: ["topic \(round)"])),
                                to: "auditor"
                            )
                        }
                    }
                }
            }
        }
        let current = try await manager.load("auditor")
        #expect(current.version == 6)
        let adapted = try await manager.adapt("auditor", to: PersonaContext(taskType: "debugging"))
        #expect(adapted.base == current)
    }
}
