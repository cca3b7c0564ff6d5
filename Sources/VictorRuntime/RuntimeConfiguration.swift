import Foundation
package import VictorDocuments
import VictorExecution

/// What `victor.yaml` says: where the authorization configuration and the persona store are,
/// the tools, the limits and the audit settings.
///
/// ```yaml
/// authorization: authz.yaml             # relative to this file; absent: deny everything
/// store: postgres://victor@db/victor    # a shared PostgreSQL store (`victor serve`); absent: files
/// personas:
///   store: .victor/personas             # a directory store (the default)
/// tools:
///   - name: search
///     description: Searches the code
///     input_schema: {type: object, properties: {query: {type: string}}, required: [query]}
///     policy_arguments: [query]
/// limits:
///   max_concurrent_calls: 8
///   call_timeout_ms: 30000
///   approval_timeout_ms: 60000
///   max_loaded_tools: 64
/// audit:
///   file: .victor/audit.jsonl           # absent: no audit file
///   store: false                        # true: also the shared store's victor_audit table
///   record_arguments: false
///   max_file_bytes: 67108864
///   keep_files: 5
///   batch_records: 512
///   flush_interval_ms: 50
/// ```
///
/// The file is read by the strict document reader; every problem is reported with its
/// location, and a file with any problem configures nothing.
public struct RuntimeConfiguration: Sendable {
    /// The authorization configuration's path; `nil` denies every call.
    public var authorizationPath: String?
    /// The persona store's directory.
    public var personaStorePath: String
    /// The tools calls are decided for.
    public var tools: [ToolDefinition]
    /// The most tool calls running at once.
    public var maxConcurrentCalls: Int
    /// How long one tool call may run; `nil` for no limit.
    public var callTimeout: Duration?
    /// How long a call held for approval waits.
    public var approvalTimeout: Duration
    /// The most tool handlers kept built at once.
    public var maxLoadedTools: Int
    /// Where audit records are written; `nil` for no file.
    public var auditPath: String?
    /// Whether audit records also go to the shared store's table (`audit.store`); only a service
    /// with a store (`victor serve --store`) can honour it, and refuses to start otherwise.
    public var auditToStore: Bool = false
    /// Whether audit records carry the arguments.
    public var recordArguments: Bool
    /// How the audit file is batched, synced and rotated.
    public var auditOptions: JSONLinesAuditSink.Options
    /// The `server` section as written, for the service to read (`victor serve`); `nil` when
    /// the file has none. The runtime itself does not read it.
    package var serverSection: DocumentNode? = nil
    /// The `store` setting as written, for the service to read (`victor serve`); `nil` when the
    /// file has none. The runtime itself does not read it.
    package var storeSetting: DocumentNode? = nil
    /// The `mcp` section as written, for the MCP gateway to read (`victor mcp`); `nil` when the
    /// file has none. The runtime itself does not read it.
    package var mcpSection: DocumentNode? = nil
    /// The directory the file's relative paths are relative to.
    package var baseDirectory = "."

    /// The configuration with no file: no authorization configuration (every call denied), the
    /// store under `.victor/personas`, no tools, no audit file.
    public init() {
        authorizationPath = nil
        personaStorePath = ".victor/personas"
        tools = []
        maxConcurrentCalls = ExecutorConfiguration.defaultMaxWorkers
        callTimeout = .seconds(30)
        approvalTimeout = .seconds(60)
        maxLoadedTools = 64
        auditPath = nil
        recordArguments = false
        auditOptions = JSONLinesAuditSink.Options()
    }

    static let topKeys: Set<String> = [
        "authorization", "store", "personas", "tools", "limits", "audit", "server", "mcp",
    ]
    static let toolKeys: Set<String> = ["name", "description", "input_schema", "policy_arguments"]
    static let limitKeys: Set<String> = [
        "max_concurrent_calls", "call_timeout_ms", "approval_timeout_ms", "max_loaded_tools",
    ]
    static let auditKeys: Set<String> = [
        "file", "store", "record_arguments", "max_file_bytes", "keep_files", "batch_records", "flush_interval_ms",
    ]

    /// Reads a configuration file; relative paths in it are relative to its directory.
    /// - Throws: ``RuntimeError/Code/invalidConfiguration`` listing every problem, one per line.
    public static func load(contentsOf path: String) throws(RuntimeError) -> RuntimeConfiguration {
        let node: DocumentNode?
        do {
            node = try DocumentReader().read(contentsOf: path)
        } catch {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(node, file: path, baseDirectory: directory.isEmpty ? "." : directory)
    }

    /// Reads configuration text; relative paths are relative to `baseDirectory`.
    public static func parse(
        _ text: String,
        file: String = "victor.yaml",
        baseDirectory: String = "."
    ) throws(RuntimeError) -> RuntimeConfiguration {
        let node: DocumentNode?
        do {
            node = try DocumentReader().read(text, file: file)
        } catch {
            throw RuntimeError(.invalidConfiguration, error.description, cause: error)
        }
        return try parse(node, file: file, baseDirectory: baseDirectory)
    }

    static func parse(
        _ root: DocumentNode?,
        file: String,
        baseDirectory: String
    ) throws(RuntimeError)
        -> RuntimeConfiguration
    {
        var configuration = RuntimeConfiguration()
        configuration.baseDirectory = baseDirectory
        configuration.personaStorePath = resolve(configuration.personaStorePath, baseDirectory)
        guard let root else { return configuration }
        var fields = DocumentFields(file: file)
        func path(_ node: DocumentNode, _ key: String) -> String? {
            fields.string(node, key).map { resolve($0, baseDirectory) }
        }
        if let top = fields.mapping(root, "", allowed: topKeys) {
            if let node = top["authorization"] { configuration.authorizationPath = path(node, "authorization") }
            if let node = top["personas"], let personas = fields.mapping(node, "personas", allowed: ["store"]),
                let store = personas["store"], let resolved = path(store, "personas.store")
            {
                configuration.personaStorePath = resolved
            }
            if let node = top["tools"] { configuration.tools = tools(node, &fields) }
            configuration.serverSection = top["server"]
            configuration.storeSetting = top["store"]
            configuration.mcpSection = top["mcp"]
            if let node = top["limits"], let limits = fields.mapping(node, "limits", allowed: limitKeys) {
                if let value = limits["max_concurrent_calls"],
                    let workers = fields.integer(value, "limits.max_concurrent_calls", in: 1...4_096)
                {
                    configuration.maxConcurrentCalls = workers
                }
                if let value = limits["call_timeout_ms"],
                    let milliseconds = fields.integer(value, "limits.call_timeout_ms", in: 1...86_400_000)
                {
                    configuration.callTimeout = .milliseconds(milliseconds)
                }
                if let value = limits["approval_timeout_ms"],
                    let milliseconds = fields.integer(value, "limits.approval_timeout_ms", in: 1...86_400_000)
                {
                    configuration.approvalTimeout = .milliseconds(milliseconds)
                }
                if let value = limits["max_loaded_tools"],
                    let count = fields.integer(value, "limits.max_loaded_tools", in: 1...100_000)
                {
                    configuration.maxLoadedTools = count
                }
            }
            if let node = top["audit"], let audit = fields.mapping(node, "audit", allowed: auditKeys) {
                if let value = audit["file"] { configuration.auditPath = path(value, "audit.file") }
                if let value = audit["store"], let flag = fields.bool(value, "audit.store") {
                    configuration.auditToStore = flag
                }
                if let value = audit["record_arguments"], let flag = fields.bool(value, "audit.record_arguments") {
                    configuration.recordArguments = flag
                }
                if let value = audit["max_file_bytes"],
                    let bytes = fields.integer(value, "audit.max_file_bytes", in: 4_096...(1 << 40))
                {
                    configuration.auditOptions.maxFileBytes = bytes
                }
                if let value = audit["keep_files"], let count = fields.integer(value, "audit.keep_files", in: 1...1_000)
                {
                    configuration.auditOptions.keepFiles = count
                }
                if let value = audit["batch_records"],
                    let count = fields.integer(value, "audit.batch_records", in: 1...1_000_000)
                {
                    configuration.auditOptions.batchRecords = count
                }
                if let value = audit["flush_interval_ms"],
                    let milliseconds = fields.integer(value, "audit.flush_interval_ms", in: 1...60_000)
                {
                    configuration.auditOptions.flushInterval = .milliseconds(milliseconds)
                }
            }
        }
        guard fields.issues.isEmpty else {
            throw RuntimeError(.invalidConfiguration, fields.issues.map(\.description).joined(separator: "\n"))
        }
        return configuration
    }

    private static func tools(_ node: DocumentNode, _ fields: inout DocumentFields) -> [ToolDefinition] {
        guard let items = fields.list(node, "tools") else { return [] }
        var tools: [ToolDefinition] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "tools[\(index)]"
            guard let entries = fields.mapping(item, path, allowed: toolKeys) else { continue }
            guard let nameNode = entries["name"] else {
                fields.fail(item, path, "a tool needs a name")
                continue
            }
            guard let name = fields.string(nameNode, "\(path).name") else { continue }
            let description = entries["description"].flatMap { fields.string($0, "\(path).description") } ?? ""
            var schema = ToolSchema.anyObject
            if let schemaNode = entries["input_schema"] {
                do throws(RuntimeError) {
                    schema = try ToolSchema(
                        JSONValue(schemaNode, source: fields.file, path: "\(path).input_schema", json: false)
                    )
                } catch {
                    fields.fail(schemaNode, "\(path).input_schema", error.message)
                    continue
                }
            }
            let arguments = entries["policy_arguments"].flatMap { fields.strings($0, "\(path).policy_arguments") } ?? []
            do throws(RuntimeError) {
                let definition = try ToolDefinition(
                    name: name,
                    description: description,
                    inputSchema: schema,
                    policyArguments: arguments
                )
                guard seen.insert(definition.name).inserted else {
                    fields.fail(
                        nameNode,
                        "\(path).name",
                        "a tool named \(ExactText.quotedForDisplay(name)) is defined twice"
                    )
                    continue
                }
                tools.append(definition)
            } catch {
                fields.fail(nameNode, "\(path).name", error.message)
            }
        }
        return tools
    }

    /// `path` relative to `base` unless it is absolute: how every path in `victor.yaml` is read,
    /// by the runtime and by the sections the service and the gateway read.
    package static func resolve(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") || base == "." ? path : base + "/" + path
    }
}
