public import VictorEvents

/// Published when a persona is read from its store (not on cached loads).
public struct PersonaLoaded: VictorEvent {
    /// `persona.loaded`
    public static let name = "persona.loaded"
    /// The persona's id.
    public let personaID: String
    /// The version loaded.
    public let version: Int
}

/// Published when a persona is created.
public struct PersonaCreated: VictorEvent {
    /// `persona.created`
    public static let name = "persona.created"
    /// The persona's id.
    public let personaID: String
    /// Its version.
    public let version: Int
}

/// Published when a persona gets a new version (an update or feedback).
public struct PersonaUpdated: VictorEvent {
    /// `persona.updated`
    public static let name = "persona.updated"
    /// The persona's id.
    public let personaID: String
    /// The new version.
    public let version: Int
    /// The feedback rating that caused the update, if any.
    public let rating: Double?
}

/// Published when a persona is adapted to a context (not on cache hits).
public struct PersonaAdapted: VictorEvent {
    /// `persona.adapted`
    public static let name = "persona.adapted"
    /// The persona's id.
    public let personaID: String
    /// Its version.
    public let version: Int
    /// The context, in canonical text form.
    public let context: String
    /// The names of the rules applied.
    public let rules: [String]
}

/// Published when personas are merged.
public struct PersonaMerged: VictorEvent {
    /// `persona.merged`
    public static let name = "persona.merged"
    /// The merged persona's id.
    public let personaID: String
    /// The ids merged.
    public let sources: [String]
}

/// Published when a persona is deleted.
public struct PersonaDeleted: VictorEvent {
    /// `persona.deleted`
    public static let name = "persona.deleted"
    /// The persona's id.
    public let personaID: String
}
