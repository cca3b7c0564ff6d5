import VictorDocuments

/// What an agent sees of a tool and what the gate checks a call against: its exact name, a
/// description, the input schema, and which arguments policies may read.
public struct ToolDefinition: Sendable, Hashable {
    /// The tool's name, in NFC; the authorization resource is `tools/NAME`.
    public let name: String
    /// What the tool does, shown to the model.
    public var description: String
    /// The schema the call's arguments must satisfy.
    public let inputSchema: ToolSchema
    /// Top-level arguments whose values policies read as `context.args.NAME` (scalars and lists
    /// of scalars). Other arguments never reach the authorizer.
    public let policyArguments: [String]

    /// Creates a definition.
    /// - Throws: ``RuntimeError/Code/invalidName`` when `name` or a policy argument breaks
    ///   ``ToolDefinition/checkName(_:what:)``; ``RuntimeError/Code/invalidSchema`` when a policy
    ///   argument is not a declared property of a schema that declares properties.
    public init(
        name: String,
        description: String = "",
        inputSchema: ToolSchema = .anyObject,
        policyArguments: [String] = []
    ) throws(RuntimeError) {
        let name = ExactText.normalized(name)
        try Self.checkName(name)
        var arguments: [String] = []
        for argument in policyArguments {
            let argument = ExactText.normalized(argument)
            try Self.checkName(argument, what: "policy argument")
            let declared = inputSchema.propertyNames
            if !declared.isEmpty, !declared.contains(where: { ExactText.equals($0, argument) }) {
                throw RuntimeError(
                    .invalidSchema,
                    "tool \(ExactText.quotedForDisplay(name)): policy argument \(ExactText.quotedForDisplay(argument)) "
                        + "is not a property of its input schema"
                )
            }
            arguments.append(argument)
        }
        self.name = name
        self.description = ExactText.normalized(description)
        self.inputSchema = inputSchema
        self.policyArguments = arguments
    }

    /// The longest name, in UTF-8 bytes.
    public static let maximumNameLength = 128

    /// Checks the exact-name rule for tool and argument names: 1 to 128 UTF-8 bytes in NFC, no
    /// whitespace, control or other forbidden characters, no invisible characters (format
    /// characters such as U+200B ZERO WIDTH SPACE, bidirectional controls, variation selectors:
    /// every default-ignorable code point), and none of `/`, `*`, `\`, which patterns and paths
    /// give a meaning. An invisible character would let two tools look like one name in a
    /// listing, an approval or an audit record while the gate tells them apart.
    /// - Throws: ``RuntimeError/Code/invalidName`` saying what is wrong.
    public static func checkName(_ name: String, what: String = "tool name") throws(RuntimeError) {
        // Printable ASCII but `/`, `*` and a backslash is the common case, checked byte by byte.
        if !name.isEmpty, name.utf8.count <= maximumNameLength,
            name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x2F && $0 != 0x2A && $0 != 0x5C })
        {
            return
        }
        let shown = ExactText.quotedForDisplay(name)
        guard !name.isEmpty else { throw RuntimeError(.invalidName, "a \(what) cannot be empty") }
        guard name.utf8.count <= maximumNameLength else {
            throw RuntimeError(.invalidName, "\(what) \(shown) is longer than \(maximumNameLength) bytes")
        }
        guard ExactText.equals(ExactText.normalized(name), name) else {
            throw RuntimeError(.invalidName, "\(what) \(shown) is not in Unicode Normalization Form C")
        }
        for scalar in name.unicodeScalars {
            if ExactText.isForbidden(scalar) || scalar.properties.isWhitespace || "/*\\".unicodeScalars.contains(scalar)
                || scalar.properties.isDefaultIgnorableCodePoint || scalar.properties.generalCategory == .format
            {
                throw RuntimeError(
                    .invalidName,
                    "\(what) \(shown) contains \(ExactText.codePoint(scalar)), which names cannot hold"
                )
            }
        }
    }

    /// The authorization resource of the tool: `tools/NAME`.
    public var resource: String { "tools/" + name }
}

/// Runs a tool: what a registered tool's component holds.
public protocol ToolHandler: Sendable {
    /// Runs the tool with arguments that passed the gate (a JSON object in NFC, valid against
    /// the tool's schema).
    /// - Returns: the result, returned to the agent.
    func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue
}

/// A handler made of a closure.
public struct ClosureToolHandler: ToolHandler {
    let body: @Sendable (JSONValue, ToolCallContext) async throws -> JSONValue

    /// Creates a handler that runs `body`.
    public init(_ body: @escaping @Sendable (JSONValue, ToolCallContext) async throws -> JSONValue) {
        self.body = body
    }

    /// Runs the closure.
    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> JSONValue {
        try await body(arguments, context)
    }
}

/// What a running tool knows about the call it serves.
public struct ToolCallContext: Sendable {
    /// The session the call belongs to.
    public let session: SessionFacts
    /// The call's id, as given by the caller or made by the runtime.
    public let callID: String
}
