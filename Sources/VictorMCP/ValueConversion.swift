import Foundation
public import MCP
public import VictorRuntime

extension JSONValue {
    /// The MCP value as JSON: binary data becomes the data URL the MCP SDK writes for it.
    public init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .integer(number)
        case .double(let number): self = .number(number)
        case .string(let text): self = .string(text)
        case .data:
            // The SDK encodes data as a data URL string; keep exactly that text.
            if let encoded = try? JSONEncoder().encode(value),
                let text = try? JSONDecoder().decode(String.self, from: encoded)
            {
                self = .string(text)
            } else {
                self = .null
            }
        case .array(let elements): self = .array(elements.map { JSONValue($0) })
        case .object(let members): self = .object(members.mapValues { JSONValue($0) })
        }
    }

    /// The JSON value as an MCP value.
    public var mcpValue: MCP.Value {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .string(let text): .string(text)
        case .array(let elements): .array(elements.map(\.mcpValue))
        case .object(let members): .object(members.mapValues(\.mcpValue))
        }
    }
}

/// Turns an upstream's tool into the runtime's definition of its gateway tool.
public enum ToolConversion {
    /// The definition of `tool` of `upstream` as the gateway offers it: named
    /// `UPSTREAM.TOOL`, with the tool's description and its input schema as a `ToolSchema`.
    ///
    /// Fails closed: a schema using a keyword the gate cannot enforce (`anyOf`, `pattern`,
    /// `$ref`, …) throws, and the gateway does not offer the tool, rather than let through
    /// arguments it cannot check.
    /// - Parameters:
    ///   - tool: the tool as the upstream lists it.
    ///   - upstream: the upstream's configured name.
    ///   - policyArguments: the tool's arguments policies may read.
    /// - Throws: ``MCPGatewayError/Code/unsupportedSchema`` naming the tool and the keyword;
    ///   ``MCPGatewayError/Code/invalidArgument`` when the name breaks the exact-name rule.
    public static func definition(
        of tool: Tool,
        upstream: String,
        policyArguments: [String] = []
    ) throws(MCPGatewayError) -> ToolDefinition {
        let name = ToolNamespace.qualified(upstream: upstream, tool: tool.name)
        let schema: ToolSchema
        do {
            schema = try ToolSchema(JSONValue(tool.inputSchema))
        } catch {
            throw MCPGatewayError(.unsupportedSchema, "tool \(name): \(error.message)", cause: error)
        }
        do {
            return try ToolDefinition(
                name: name,
                description: tool.description ?? "",
                inputSchema: schema,
                policyArguments: policyArguments
            )
        } catch {
            let code: MCPGatewayError.Code = error.code == .invalidSchema ? .unsupportedSchema : .invalidArgument
            throw MCPGatewayError(code, error.message, cause: error)
        }
    }
}
