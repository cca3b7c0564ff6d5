import VictorAuthorization
import VictorDocuments
public import VictorLoading
import VictorLocks

/// The tools a runtime knows: their definitions, and their handlers as components of a
/// `ComponentLoader` (built on first use, once however many calls race for them, and at most
/// the loader's cache size alive at a time).
///
/// A tool may be registered without a handler (from a configuration file, to decide calls run
/// elsewhere); calling it through the runtime fails with a tool error.
public final class ToolRegistry: Sendable {
    /// A class: the registry lends it to a decision without copying its definition.
    final class Entry: Sendable {
        let definition: ToolDefinition
        let key: ComponentKey<HandlerBox>?
        /// `execute` on the tool's resource, hashed once for every decision about it.
        let access: PreparedAccess
        /// Who may replace the definition (`ToolRegistry.replace`); `nil`: nobody.
        let origin: String?

        init(definition: ToolDefinition, key: ComponentKey<HandlerBox>?, origin: String? = nil) {
            self.definition = definition
            self.key = key
            self.origin = origin
            access = PreparedAccess(resource: definition.resource, action: "execute")
        }
    }

    /// The entries by name (in NFC), for lookups without a lock or a `Hasher`.
    final class Lookup: Sendable {
        /// Owns the entries the table points to.
        let entries: [Entry]
        /// Unowned references, so a decision reading an entry counts no references: a lookup is
        /// read only while it is published or pinned by the reader (``Published/read(_:)``).
        let table: FrozenTable<String, Unmanaged<Entry>>

        init(_ entries: [String: Entry]) {
            self.entries = Array(entries.values)
            table = FrozenTable(entries.map { (FastHash.wordHash($0.key), $0.key, Unmanaged.passUnretained($0.value)) })
        }
    }

    /// The loader that holds the handlers.
    public let loader: ComponentLoader
    /// The registry itself; every change republishes ``lookup`` under its lock.
    private let entries = Locked<[String: Entry]>([:])
    /// What decisions read. Rebuilt whole on every change, O(tools) each; a list of
    /// replacements is one change.
    private let lookup = Published(Lookup([:]))
    /// ``FastHash/basis``, kept here so a lookup's hash reads no lazy global.
    private let hashBasis = FastHash.basis

    /// Creates an empty registry whose handlers live in `loader`.
    public init(loader: ComponentLoader = ComponentLoader()) {
        self.loader = loader
    }

    /// Registers a tool whose handler `factory` builds on the first call.
    /// - Throws: ``RuntimeError/Code/duplicateTool`` when the name is taken.
    public func register(
        _ definition: ToolDefinition,
        handler factory: @escaping @Sendable () async throws -> any ToolHandler
    ) throws(RuntimeError) {
        try add(definition) { () throws(RuntimeError) -> ComponentKey<HandlerBox>? in
            do throws(LoaderError) {
                return try loader.register("tools/" + definition.name) { HandlerBox(try await factory()) }
            } catch {
                throw RuntimeError(.duplicateTool, error.message, cause: error)
            }
        }
    }

    /// Registers a tool with a handler that exists already.
    public func register(_ definition: ToolDefinition, handler: any ToolHandler) throws(RuntimeError) {
        try register(definition) { handler }
    }

    /// Registers a tool without a handler: its calls are decided, and fail if run here.
    public func register(_ definition: ToolDefinition) throws(RuntimeError) {
        try add(definition) { () throws(RuntimeError) -> ComponentKey<HandlerBox>? in nil }
    }

    /// Registers a tool without a handler on behalf of `origin` (such as an MCP gateway offering
    /// an upstream's tools), or replaces the definition of one `origin` registered before: a
    /// schema an upstream changed takes effect from the next decision. A tool registered any
    /// other way, or by another origin, keeps its definition.
    /// - Returns: whether the registry changed (a new tool, or a different definition).
    /// - Throws: ``RuntimeError/Code/duplicateTool`` when the name belongs to a tool registered
    ///   otherwise.
    @discardableResult
    public func replace(_ definition: ToolDefinition, origin: String) throws(RuntimeError) -> Bool {
        try replace([definition], origin: origin)[0].get()
    }

    /// Registers or replaces each of `definitions` on behalf of `origin`, in order, as the
    /// single-definition `replace` does, publishing the table for
    /// decisions once rather than once per tool: an upstream's whole list costs O(tools), not
    /// O(tools²).
    /// - Returns: for each definition, whether it changed the registry, or why it was refused.
    public func replace(_ definitions: [ToolDefinition], origin: String) -> [Result<Bool, RuntimeError>] {
        entries.withLock { entries -> [Result<Bool, RuntimeError>] in
            var changed = false
            let results = definitions.map { definition -> Result<Bool, RuntimeError> in
                if let existing = entries[definition.name] {
                    guard existing.origin == origin, existing.key == nil else {
                        return .failure(
                            RuntimeError(
                                .duplicateTool,
                                "a tool named \(ExactText.quotedForDisplay(definition.name)) is registered otherwise; "
                                    + "\(origin) cannot replace it"
                            )
                        )
                    }
                    if existing.definition == definition { return .success(false) }
                }
                entries[definition.name] = Entry(definition: definition, key: nil, origin: origin)
                changed = true
                return .success(true)
            }
            if changed { lookup.store(Lookup(entries)) }
            return results
        }
    }

    /// Removes the tools `origin` registered (with `replace`) whose names `shouldRemove`
    /// picks, such as those an upstream no longer offers: from the next decision on, a call to
    /// one is denied at the registry step. Tools registered any other way, or by another origin,
    /// stay.
    /// - Returns: the names removed, in no particular order.
    @discardableResult
    public func remove(origin: String, where shouldRemove: (String) -> Bool) -> [String] {
        entries.withLock { entries -> [String] in
            let names = entries.compactMap { name, entry in
                entry.origin == origin && entry.key == nil && shouldRemove(name) ? name : nil
            }
            if names.isEmpty { return [] }
            for name in names { entries[name] = nil }
            lookup.store(Lookup(entries))
            return names
        }
    }

    private func add(
        _ definition: ToolDefinition,
        _ makeKey: () throws(RuntimeError) -> ComponentKey<HandlerBox>?
    ) throws(RuntimeError) {
        if entries.withLock({ $0[definition.name] != nil }) {
            throw RuntimeError(
                .duplicateTool,
                "a tool named \(ExactText.quotedForDisplay(definition.name)) is already registered"
            )
        }
        let key = try makeKey()
        let added = entries.withLock { entries -> Bool in
            guard entries[definition.name] == nil else { return false }
            entries[definition.name] = Entry(definition: definition, key: key)
            lookup.store(Lookup(entries))
            return true
        }
        if !added {
            throw RuntimeError(
                .duplicateTool,
                "a tool named \(ExactText.quotedForDisplay(definition.name)) is already registered"
            )
        }
    }

    /// The definition of the tool named `name` (in NFC), if registered.
    public func definition(named name: String) -> ToolDefinition? {
        entry(named: name)?.definition
    }

    /// The entry of the tool named `name` (in NFC): a lookup without a lock.
    func entry(named name: String) -> Entry? {
        withEntry(named: name) {
            $0
        } otherwise: {
            nil
        }
    }

    /// Calls `registered` with the entry named `name` (in NFC), lent for the call, or
    /// `otherwise` when there is none: the gate reads an entry on every decision without counting
    /// a reference.
    @inline(__always)
    func withEntry<Result>(
        named name: String,
        _ registered: (Entry) -> Result,
        otherwise unregistered: () -> Result
    ) -> Result {
        var name = name
        let hash = name.withUTF8 { FastHash.wordHashReportingASCII($0, basis: hashBasis).hash }
        return lookup.read { lookup in
            guard let found = lookup.table.find(hash, { ExactBytes.equal($0, name) }) else { return unregistered() }
            return found._withUnsafeGuaranteedRef(registered)
        }
    }

    /// Every registered definition, ordered by name (by Unicode scalars).
    public var definitions: [ToolDefinition] {
        entries.withLock { Array($0.values.map(\.definition)) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The handler of a registered tool, building it if needed.
    func handler(_ entry: Entry) async throws -> any ToolHandler {
        guard let key = entry.key else {
            throw RuntimeError(
                .unknownTool,
                "tool \(ExactText.quotedForDisplay(entry.definition.name)) has no handler in this process"
            )
        }
        return try await loader.get(key).handler
    }
}

/// A handler held as a loader component.
final class HandlerBox: Sendable {
    let handler: any ToolHandler
    init(_ handler: any ToolHandler) { self.handler = handler }
}
