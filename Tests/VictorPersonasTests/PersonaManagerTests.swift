import Foundation
import Testing
import VictorEvents
import VictorPersonas
import VictorTestSupport

@Suite struct PersonaManagerTests {
    let directories = TemporaryDirectories()

    @Test func worksWithNoStoreOverTheBuiltInLibrary() async throws {
        let manager = PersonaManager()
        #expect(PersonaLibrary.all.count >= 10)
        for persona in PersonaLibrary.all { try persona.validate() }
        #expect(try await manager.list().map(\.id) == PersonaLibrary.all.map(\.id))
        #expect(try await manager.load("security_auditor").constraints.forbiddenTools.contains("shell"))
        #expect(await personaError { _ = try await manager.load("nobody") }?.code == .notFound)
    }

    @Test func loadIsCachedAndPublishesLoadedOnce() async throws {
        let bus = EventBus()
        let loaded = EventRecorder(subscribingTo: PersonaLoaded.self, on: bus)
        let manager = PersonaManager(eventBus: bus)
        _ = try await manager.load("debugger")
        _ = try await manager.load("debugger")
        #expect(loaded.events.map(\.personaID) == ["debugger"])
        #expect(manager.statistics.storeLoads == 1)
    }

    @Test func createUpdateDeleteWithVersions() async throws {
        let bus = EventBus()
        let names = EventRecorder.names(on: bus)
        let manager = PersonaManager(eventBus: bus, clock: { Date(timeIntervalSince1970: 1_800_000_000) })
        let created = try await manager.create(samplePersona())
        #expect(created.version == 1)
        #expect(await personaError { try await manager.create(samplePersona()) }?.code == .alreadyExists)
        #expect(await personaError { try await manager.create(samplePersona("debugger")) }?.code == .alreadyExists)
        var edit = created
        edit.name = "Renamed"
        let updated = try await manager.update(edit)
        #expect(updated.version == 2)
        #expect(updated.updatedAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(await personaError { try await manager.update(edit) }?.code == .conflict)
        #expect(try await manager.history("auditor").map(\.name) == ["Persona auditor", "Renamed"])
        #expect(try await manager.load("auditor", version: 1).name == "Persona auditor")
        #expect(await personaError { try await manager.delete("auditor", expectedVersion: 1) }?.code == .conflict)
        try await manager.delete("auditor", expectedVersion: 2)
        #expect(await personaError { _ = try await manager.load("auditor") }?.code == .notFound)
        #expect(names.events == ["persona.created", "persona.updated", "persona.deleted"])
    }

    @Test func victorsRulesApplyWithReasons() async throws {
        let manager = PersonaManager()
        let adapted = try await manager.adapt(
            "senior_developer",
            to: ["task_type": "security_review", "urgency": "high", "user_preference": "thorough"]
        )
        #expect(adapted.personality == .cautious)
        #expect(adapted.communicationStyle == .concise)
        #expect(adapted.constraints.responseLength == .short)
        #expect(adapted.constraints.explanationDepth == .detailed)
        #expect(adapted.expertise.suffix(2) == ["security", "vulnerabilities"])
        #expect(adapted.adjustments.map(\.rule) == ["security_review", "high_urgency", "thorough"])
        #expect(adapted.adjustments[0].changes.map(\.description).contains("personality: pragmatic → cautious"))
        #expect(adapted.traits.map(\.name).contains("efficiency_focus"))
        let plain = try await manager.adapt("senior_developer", to: .empty)
        #expect(plain.adjustments.isEmpty)
        #expect(plain.personality == .pragmatic)
    }

    @Test func contextIsCanonical() async {
        let a = PersonaContext(["Task_Type": " Debugging ", "urgency": "high", "empty": ""])
        let b = PersonaContext(["urgency": "HIGH", "task_type": "debugging"])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.description == "task_type=debugging,urgency=high")
    }

    @Test func cachedAdaptationIsReusedAndNeverStale() async throws {
        let manager = PersonaManager()
        try await manager.create(samplePersona())
        let context = PersonaContext(taskType: "debugging")
        let first = try await manager.adapt("auditor", to: context)
        #expect(try await manager.adapt("auditor", to: context) === first)
        #expect(manager.statistics.adaptationHits == 1)
        #expect(manager.statistics.adaptationHitRate == 0.5)
        var edit = try await manager.load("auditor")
        edit.expertise = ["changed"]
        try await manager.update(edit)
        let after = try await manager.adapt("auditor", to: context)
        #expect(after !== first)
        #expect(after.base.version == 2)
        #expect(after.expertise.first == "changed")
        // An edited persona that was not saved is adapted afresh, never served the cached version.
        var unsaved = try await manager.load("auditor")
        unsaved.expertise = ["unsaved"]
        #expect(manager.adapt(unsaved, to: context).expertise.first == "unsaved")
        #expect(try await manager.adapt("auditor", to: context).expertise.first == "changed")
    }

    @Test func adaptedIsPublishedOnComputedAdaptationsOnly() async throws {
        let bus = EventBus()
        let events = EventRecorder(subscribingTo: PersonaAdapted.self, on: bus)
        let manager = PersonaManager(eventBus: bus)
        let context = PersonaContext(taskType: "debugging", urgency: "high")
        _ = try await manager.adapt("architect", to: context)
        _ = try await manager.adapt("architect", to: context)
        let published = events.events
        #expect(published.count == 1)
        #expect(published.first?.rules == ["debugging", "high_urgency"])
        #expect(published.first?.context == "task_type=debugging,urgency=high")
    }

    @Test func rulesCanBeExtendedOrReplacedFromYAML() async throws {
        let extended = try AdaptationRuleSet.decode(
            """
            rules:
              - name: incident
                when: {task_type: incident}
                reason: incidents need care
                personality: cautious
                add_forbidden_tools: [deploy]
                prompt_additions: ["Stay calm."]
              - name: high_urgency
                when: {urgency: high}
                reason: replaced
                response_length: medium
            """,
            file: "rules.yaml"
        )
        #expect(extended.rules.map(\.name) == ["security_review", "debugging", "high_urgency", "thorough", "incident"])
        let manager = PersonaManager(configuration: .init(rules: extended))
        let adapted = try await manager.adapt("devops_engineer", to: ["task_type": "incident", "urgency": "high"])
        #expect(adapted.personality == .cautious)
        #expect(adapted.constraints.forbiddenTools.contains("deploy"))
        #expect(!adapted.constraints.preferredTools.contains("deploy"))
        #expect(adapted.constraints.responseLength == .medium)
        #expect(try PersonaManager.systemPrompt(for: adapted).contains("Stay calm."))
        let replaced = try AdaptationRuleSet.decode(
            "mode: replace\nrules:\n  - {name: only, when: {urgency: low}, explanation_depth: brief}\n",
            file: "r.yaml"
        )
        #expect(replaced.rules.map(\.name) == ["only"])
        let error = await personaError {
            _ = try AdaptationRuleSet.decode(
                "rules:\n  - name: x\n    when: {a: b}\n    personality: odd\n",
                file: "r.yaml"
            )
        }
        #expect(error?.code == .unknownValue)
        #expect(error?.location?.line == 4)
        #expect(error?.location?.keyPath == "rules[0].personality")
    }

    @Test func mergeFollowsVictorsStrategy() async throws {
        let a = samplePersona(
            "a",
            personality: .methodical,
            style: .technical,
            expertise: ["x", "y"],
            constraints: .init(preferredTools: ["read"], responseLength: .short)
        )
        let b = samplePersona(
            "b",
            personality: .pragmatic,
            style: .formal,
            expertise: ["y", "z"],
            constraints: .init(forbiddenTools: ["read"], explanationDepth: .detailed)
        )
        let c = samplePersona("c", personality: .systematic, style: .formal, expertise: [], constraints: .init())
        let merged = try Persona.merging([a, b, c], name: "Hybrid")
        #expect(merged.id == "merged_a_b_c")
        #expect(merged.personality == .methodical)
        #expect(merged.communicationStyle == .formal)
        #expect(merged.expertise == ["x", "y", "z"])
        #expect(merged.constraints.maxToolCalls == nil)  // none set: no crash, no limit
        #expect(merged.constraints.forbiddenTools == ["read"])
        #expect(merged.constraints.preferredTools.isEmpty)
        #expect(merged.constraints.responseLength == .medium)
        #expect(merged.constraints.explanationDepth == .detailed)
        var limited = c
        limited.constraints.maxToolCalls = 7
        var more = b
        more.constraints.maxToolCalls = 12
        #expect(try Persona.merging([a, more, limited], name: "H").constraints.maxToolCalls == 12)
    }

    @Test func incompatibleMergesAreRejectedWithTheReason() async {
        let cautious = samplePersona("careful", personality: .cautious)
        let creative = samplePersona("bold", personality: .creative)
        let error = await personaError { _ = try Persona.merging([cautious, creative], name: "X") }
        #expect(error?.code == .incompatible)
        #expect(error?.message.contains("careful") == true)
        #expect(error?.message.contains("creative") == true)
        #expect(await personaError { _ = try Persona.merging([cautious], name: "X") }?.code == .invalidArgument)
    }

    @Test func mergeByIDStoresTheResult() async throws {
        let bus = EventBus()
        let merged = EventRecorder(subscribingTo: PersonaMerged.self, on: bus)
        let manager = PersonaManager(eventBus: bus)
        let result = try await manager.merge(
            ids: ["debugger", "performance_engineer"],
            name: "Speed Debugger",
            id: "speed"
        )
        #expect(try await manager.load("speed") == result)
        #expect(merged.events.map(\.sources) == [["debugger", "performance_engineer"]])
        #expect(manager.statistics.merges == 1)
        #expect(
            await personaError { try await manager.merge(ids: ["debugger", "ghost"], name: "X") }?.code == .notFound
        )
    }

    @Test func suggestionsAreRankedWithScores() async throws {
        let manager = PersonaManager()
        let security = try await manager.suggest(for: "Run a security audit of the login code")
        #expect(security.first?.persona.id == "security_auditor")
        #expect(security.map(\.score) == security.map(\.score).sorted(by: >))
        #expect(security.allSatisfy { $0.score > 0 && $0.score <= 1 })
        #expect(security.first?.reasons.isEmpty == false)
        #expect(try await manager.suggest(for: "Debug the crash in the parser").first?.persona.id == "debugger")
        #expect(try await manager.suggest(for: "zzz").isEmpty)
        #expect(try await manager.suggest(for: "security review", limit: 2).count == 2)
    }

    @Test func feedbackUpdatesAndBumpsTheVersion() async throws {
        let manager = PersonaManager()
        try await manager.create(samplePersona())
        let improved = try await manager.applyFeedback(
            PersonaFeedback(
                rating: 4.5,
                improvements: .init(
                    addExpertise: ["cryptography"],
                    communicationStyle: .direct,
                    addForbiddenTools: ["deploy"]
                )
            ),
            to: "auditor"
        )
        #expect(improved.version == 2)
        #expect(improved.expertise.last == "cryptography")
        #expect(improved.communicationStyle == .direct)
        #expect(improved.constraints.forbiddenTools == ["shell", "deploy"])
        #expect(try await manager.applyFeedback(PersonaFeedback(rating: 2), to: "auditor").version == 2)
        #expect(
            await personaError { try await manager.applyFeedback(PersonaFeedback(rating: 9), to: "auditor") }?.code
                == .invalidArgument
        )
        // Feedback on a built-in persona stores its next version.
        #expect(
            try await manager.applyFeedback(
                PersonaFeedback(rating: 5, improvements: .init(maxToolCalls: 3)),
                to: "mentor"
            )
            .version == 2
        )
        #expect(try await manager.isStored("mentor"))
    }

    @Test func systemPromptRendersMustacheAndVictorPlaceholders() async throws {
        let manager = PersonaManager()
        let imported = try PersonaDocument.decode(
            """
            id: guide
            name: Guide <&>
            personality: supportive
            communication_style: educational
            expertise: [teaching, swift]
            prompt_templates:
              system_prompt: "You are {name}; you know {expertise}. Style: {communication_style}. Keep {braces}."
            """,
            file: "guide.yaml"
        )
        try await manager.create(imported[0])
        let prompt = try await manager.systemPrompt("guide", context: ["urgency": "high"])
        #expect(prompt.hasPrefix("You are Guide <&>; you know teaching, swift. Style: concise. Keep {braces}."))
        #expect(prompt.contains("Response length: short"))
        #expect(prompt.contains("efficiency_focus"))
        let auditor = try await manager.systemPrompt("security_auditor")
        #expect(auditor.hasPrefix("You are Security Auditor, an AI assistant"))
        #expect(auditor.contains("Never use these tools: deploy, shell, write_file."))
        var broken = samplePersona("broken")
        broken.promptTemplates = PromptTemplates(system: "{{#open}} never closed")
        #expect(await personaError { try broken.validate() }?.location?.keyPath == "prompt_templates.system_prompt")
    }

    @Test func importIsAllOrNothingOnValidationAndKeepsExportedVersions() async throws {
        let directory = directories.make()
        let manager = PersonaManager(store: DirectoryPersonaStore(directory: directory))
        var versioned = samplePersona("kept")
        versioned.version = 5
        var invalid = samplePersona("bad")
        invalid.name = " "
        #expect(
            await personaError { _ = try await manager.importPersonas([versioned, invalid]) }?.code == .invalidValue
        )
        #expect(try await manager.isStored("kept") == false)
        let outcomes = try await manager.importPersonas([versioned])
        #expect(outcomes.map(\.action) == [.created])
        #expect(try await manager.load("kept") == versioned)
        #expect(try await manager.importPersonas([versioned]).map(\.action) == [.unchanged])
        var changed = versioned
        changed.name = "Changed"
        let again = try await manager.importPersonas([changed])
        #expect(again.map(\.action) == [.updated])
        #expect(again[0].persona.version == 6)
    }
}
