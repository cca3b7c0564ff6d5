import VictorDocuments
import VictorRuntime

/// How the gateway names an upstream's tools: `UPSTREAM.TOOL`.
///
/// An upstream's name follows the exact-name rule and holds no `.`, so the first `.` of a
/// gateway tool name always separates the upstream from the tool, whatever dots the tool's own
/// name has.
public enum ToolNamespace {
    /// What separates the upstream's name from the tool's.
    public static let separator: Character = "."

    /// `UPSTREAM.TOOL`.
    public static func qualified(upstream: String, tool: String) -> String {
        upstream + String(separator) + tool
    }

    /// The upstream's name and the tool's name in that upstream, or `nil` when `name` has no
    /// separator or an empty part.
    public static func split(_ name: String) -> (upstream: String, tool: String)? {
        guard let dot = name.firstIndex(of: separator) else { return nil }
        let upstream = String(name[..<dot])
        let tool = String(name[name.index(after: dot)...])
        guard !upstream.isEmpty, !tool.isEmpty else { return nil }
        return (upstream, tool)
    }

    /// Why `name` cannot name an upstream, or `nil` when it can.
    public static func problem(withUpstreamName name: String) -> String? {
        do throws(RuntimeError) {
            try ToolDefinition.checkName(name, what: "upstream name")
        } catch {
            return error.message
        }
        if name.contains(separator) {
            return
                "upstream name \(ExactText.quotedForDisplay(name)) contains '.', which separates it from its tools' names"
        }
        return nil
    }
}
