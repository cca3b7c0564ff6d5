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
///
/// Its fields live in one shared, copy-on-write buffer: copying a persona (out of a cache, into
/// a result) costs one reference count, not one per string and set; the first change to a
/// shared copy copies the buffer.
public struct Persona: Sendable, Hashable, Identifiable {
    /// The fields, as a plain value: compared and hashed as the persona is.
    struct Fields: Hashable {
        var id: String
        var name: String
        var description: String
        var personality: Personality
        var communicationStyle: CommunicationStyle
        var expertise: [String]
        var backstory: String?
        var constraints: PersonaConstraints
        var promptTemplates: PromptTemplates?
        var temperature: Double?
        var version: Int
        var createdAt: Date
        var updatedAt: Date
    }

    /// The shared buffer. Changed only through a reference known to be unique
    /// (``mutableStorage``), so a buffer that two personas share is never written, which is what
    /// makes it sendable.
    final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    /// The storage, copied first when another persona shares it.
    private var mutableStorage: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            return storage
        }
    }

    /// Unique identifier: letters, digits, `_`, `-` and `.`, not starting with `.`, at most 128 characters.
    public var id: String {
        get { storage.fields.id }
        set { mutableStorage.fields.id = newValue }
    }
    /// Display name; not empty.
    public var name: String {
        get { storage.fields.name }
        set { mutableStorage.fields.name = newValue }
    }
    /// One-line description.
    public var description: String {
        get { storage.fields.description }
        set { mutableStorage.fields.description = newValue }
    }
    /// Core personality.
    public var personality: Personality {
        get { storage.fields.personality }
        set { mutableStorage.fields.personality = newValue }
    }
    /// Communication style.
    public var communicationStyle: CommunicationStyle {
        get { storage.fields.communicationStyle }
        set { mutableStorage.fields.communicationStyle = newValue }
    }
    /// Areas of expertise, in order of importance.
    public var expertise: [String] {
        get { storage.fields.expertise }
        set { mutableStorage.fields.expertise = newValue }
    }
    /// Background story, if any.
    public var backstory: String? {
        get { storage.fields.backstory }
        set { mutableStorage.fields.backstory = newValue }
    }
    /// Behavioural limits.
    public var constraints: PersonaConstraints {
        get { storage.fields.constraints }
        set { mutableStorage.fields.constraints = newValue }
    }
    /// Prompt templates, if any.
    public var promptTemplates: PromptTemplates? {
        get { storage.fields.promptTemplates }
        set { mutableStorage.fields.promptTemplates = newValue }
    }
    /// Sampling temperature the host may use, between 0 and 2, if set.
    public var temperature: Double? {
        get { storage.fields.temperature }
        set { mutableStorage.fields.temperature = newValue }
    }
    /// Version, starting at 1; every stored change increases it.
    public var version: Int {
        get { storage.fields.version }
        set { mutableStorage.fields.version = newValue }
    }
    /// When the persona was first created (millisecond precision).
    public var createdAt: Date {
        get { storage.fields.createdAt }
        set { mutableStorage.fields.createdAt = newValue }
    }
    /// When this version was written (millisecond precision).
    public var updatedAt: Date {
        get { storage.fields.updatedAt }
        set { mutableStorage.fields.updatedAt = newValue }
    }

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
        storage = Storage(
            Fields(
                id: id,
                name: name,
                description: description,
                personality: personality,
                communicationStyle: communicationStyle,
                expertise: expertise,
                backstory: backstory,
                constraints: constraints,
                promptTemplates: promptTemplates,
                temperature: temperature,
                version: version,
                createdAt: PersonaTimestamp.normalized(createdAt),
                updatedAt: PersonaTimestamp.normalized(updatedAt ?? createdAt)
            )
        )
    }

    /// Whether the two personas have the same fields; at once when they share their storage.
    public static func == (lhs: Persona, rhs: Persona) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    /// Hashes every field.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.fields)
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
