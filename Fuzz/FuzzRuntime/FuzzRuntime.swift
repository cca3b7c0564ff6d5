import VictorDocuments
@testable import VictorRuntime

/// libFuzzer entry: what agents, upstreams and operators hand the runtime. JSON arguments,
/// tool schemas, `victor.yaml` and replay lines end in a value or an error, never a crash; and
/// a JSON value's canonical text reads back as the same value; the token check passes whatever the
/// JSON reader reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuntime(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // `JSONValue` checks a text's tokens only after the reader refused it: that check must pass
    // every text the reader accepts but one opening with a byte-order mark.
    if (try? DocumentReader().readJSONTape(bytes: bytes, file: "fuzz.json")) != nil,
        !bytes.starts(with: JSONValue.byteOrderMark)
    {
        precondition(
            (try? JSONValue.checkJSONTokens(bytes, source: "fuzz.json", firstLine: 1)) != nil,
            "the token check refuses what the JSON reader reads"
        )
    }
    if let value = try? JSONValue.parse(bytes: bytes, source: "fuzz.json") {
        let canonical = value.canonicalJSON
        let again = try? JSONValue.parse(canonical, source: "canonical.json")
        precondition(again == value, "the canonical text \(canonical) reads back as another value")
        precondition(value.normalized() == value, "the JSON reader returned text that is not in NFC")
        // The value as a schema, and as arguments to that schema and to a permissive one.
        if let schema = try? ToolSchema(value) {
            _ = schema.violations(of: value)
            _ = schema.violations(of: .object([:]))
        }
        _ = ToolSchema.anyObject.violations(of: value)
        _ = value.attributeValue
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        _ = try? RuntimeConfiguration.parse(text, file: "fuzz.yaml")
        _ = try? ToolCallReplay.parse(text, source: "fuzz.jsonl", line: 1)
    }
    return 0
}
