public import Foundation

/// A persona's core personality.
public enum Personality: String, Sendable, Hashable, CaseIterable, Codable {
    /// Asks questions, explores.
    case curious
    /// Careful, risk-averse.
    case cautious
    /// Inventive, tries new approaches.
    case creative
    /// Practical, does what works.
    case pragmatic
    /// Works by system and procedure.
    case systematic
    /// Looks for flaws.
    case critical
    /// Encouraging, helpful.
    case supportive
    /// Step by step, thorough.
    case methodical
}

/// How a persona communicates.
public enum CommunicationStyle: String, Sendable, Hashable, CaseIterable, Codable {
    /// Few words.
    case concise
    /// Many words.
    case verbose
    /// Formal register.
    case formal
    /// Casual register.
    case casual
    /// Precise technical language.
    case technical
    /// Plain language for non-specialists.
    case accessible
    /// Explains in order to teach.
    case educational
    /// Straight to the point.
    case direct
    /// Critique framed to help.
    case constructive
}

/// How long a persona's responses should be; ordered from least to most verbose.
public enum ResponseLength: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// A few sentences.
    case short
    /// The default.
    case medium
    /// Extensive.
    case long

    /// Orders by verbosity: `short < medium < long`.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How deep a persona's explanations go; ordered from least to most detailed.
public enum ExplanationDepth: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Just the essentials.
    case brief
    /// The default.
    case standard
    /// Every step.
    case detailed

    /// Orders by detail: `brief < standard < detailed`.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Behavioural limits of a persona.
public struct PersonaConstraints: Sendable, Hashable {
    /// The most tool calls per interaction, or `nil` for no limit; at least 1 when set.
    public var maxToolCalls: Int?
    /// Tools the persona prefers.
    public var preferredTools: Set<String>
    /// Tools the persona must not use; never overlaps ``preferredTools`` or ``allowedTools``.
    public var forbiddenTools: Set<String>
    /// The only tools the persona may use, when set; `nil` for no allow-list. An empty set
    /// allows no tool at all.
    public var allowedTools: Set<String>?
    /// Target response length.
    public var responseLength: ResponseLength
    /// Target explanation depth.
    public var explanationDepth: ExplanationDepth

    /// Creates constraints; the defaults are Victor's (no limit, no tool lists, medium, standard).
    public init(
        maxToolCalls: Int? = nil,
        preferredTools: Set<String> = [],
        forbiddenTools: Set<String> = [],
        allowedTools: Set<String>? = nil,
        responseLength: ResponseLength = .medium,
        explanationDepth: ExplanationDepth = .standard
    ) {
        self.maxToolCalls = maxToolCalls
        self.preferredTools = preferredTools
        self.forbiddenTools = forbiddenTools
        self.allowedTools = allowedTools
        self.responseLength = responseLength
        self.explanationDepth = explanationDepth
    }
}

/// Mustache templates a persona renders its prompts from (`{{name}}`, `{{expertise}}`…).
public struct PromptTemplates: Sendable, Hashable {
    /// The system prompt; the built-in default template is used when `nil`.
    public var system: String?
    /// A task prompt.
    public var task: String?
    /// A greeting.
    public var greeting: String?
    /// A farewell.
    public var farewell: String?

    /// Creates templates.
    public init(system: String? = nil, task: String? = nil, greeting: String? = nil, farewell: String? = nil) {
        self.system = system
        self.task = task
        self.greeting = greeting
        self.farewell = farewell
    }
}

/// A persona: who an agent is, how it speaks, what it knows and which tools it may use.
///
/// A persona is a value; ``PersonaStore`` keeps its versions and ``PersonaManager`` adapts,
/// merges and renders it. ``validate()`` checks the rules every stored persona satisfies.
public struct Persona: Sendable, Hashable, Identifiable {
    /// Unique identifier: letters, digits, `_`, `-` and `.`, not starting with `.`, at most 128 characters.
    public var id: String
    /// Display name; not empty.
    public var name: String
    /// One-line description.
    public var description: String
    /// Core personality.
    public var personality: Personality
    /// Communication style.
    public var communicationStyle: CommunicationStyle
    /// Areas of expertise, in order of importance.
    public var expertise: [String]
    /// Background story, if any.
    public var backstory: String?
    /// Behavioural limits.
    public var constraints: PersonaConstraints
    /// Prompt templates, if any.
    public var promptTemplates: PromptTemplates?
    /// Sampling temperature the host may use, between 0 and 2, if set.
    public var temperature: Double?
    /// Version, starting at 1; every stored change increases it.
    public var version: Int
    /// When the persona was first created (millisecond precision).
    public var createdAt: Date
    /// When this version was written (millisecond precision).
    public var updatedAt: Date

    /// Creates a persona. Timestamps default to now and are kept to millisecond precision so that
    /// an exported persona imports back equal.
    public init(
        id: String,
        name: String,
        description: String,
        personality: Personality,
        communicationStyle: CommunicationStyle,
        expertise: [String] = [],
        backstory: String? = nil,
        constraints: PersonaConstraints = .init(),
        promptTemplates: PromptTemplates? = nil,
        temperature: Double? = nil,
        version: Int = 1,
        createdAt: Date = Date(),
        updatedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.personality = personality
        self.communicationStyle = communicationStyle
        self.expertise = expertise
        self.backstory = backstory
        self.constraints = constraints
        self.promptTemplates = promptTemplates
        self.temperature = temperature
        self.version = version
        self.createdAt = PersonaTimestamp.normalized(createdAt)
        self.updatedAt = PersonaTimestamp.normalized(updatedAt ?? createdAt)
    }

    /// Whether `other` has the same content, ignoring version and timestamps.
    public func hasSameContent(as other: Persona) -> Bool {
        var copy = other
        copy.version = version
        copy.createdAt = createdAt
        copy.updatedAt = updatedAt
        return copy == self
    }
}
