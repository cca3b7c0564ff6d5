import VictorDocuments

/// libFuzzer entry: the command-line `KEY=VALUE` typing (YAML 1.2 core scalars) and the exact-text
/// rules never crash, and agree with the document reader on every plain scalar.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValues(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard case .success(let text) = ExactText.decode(bytes) else {
        precondition(ExactText.firstInvalidUTF8(bytes) != nil, "decode refused valid UTF-8")
        return 0
    }
    precondition(ExactText.firstInvalidUTF8(bytes) == nil, "decode accepted invalid UTF-8")
    let normalized = ExactText.normalized(text)
    precondition(ExactText.normalized(normalized) == normalized, "NFC is not idempotent")
    let resolved = ScalarValue.resolve(plain: text)
    if case .success(.string(let value)) = resolved {
        // A string the writer emits reads back as the same string.
        if ExactText.firstForbidden(in: value) == nil,
            let root = try? DocumentReader().read("v: " + DocumentWriter.scalar(value), file: "fuzz"),
            case .mapping(let entries) = root.content
        {
            precondition(entries.first?.value.scalar == .string(value), "writer/reader round trip changed a string")
        }
    }
    _ = ExactText.contains(text, String(text.prefix(3)))
    _ = ExactText.quotedForDisplay(text)
    return 0
}
