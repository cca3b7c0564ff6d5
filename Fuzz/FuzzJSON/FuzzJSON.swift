import VictorDocuments

/// libFuzzer entry: the JSON reader against the YAML reader it stands in for. Whatever the JSON
/// reader accepts, the YAML reader reads into the same tree (values, plainness, positions), but
/// for the three spellings libyaml refuses (a surrogate-pair escape, a tab before a line's first
/// token, a line break between a key and its colon); and neither ever crashes. The tape, read
/// without positions, accepts what the tree accepts and refuses the rest with the same issues.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    precondition(
        outcome { reader throws(DocumentError) in _ = try reader.readJSON(bytes: bytes, file: "fuzz.json") }
            == outcome { reader throws(DocumentError) in _ = try reader.readJSONTape(bytes: bytes, file: "fuzz.json") },
        "the tape and the tree read the text differently"
    )
    guard let json = try? DocumentReader().readJSON(bytes: bytes, file: "fuzz.json") else {
        _ = try? DocumentReader().read(bytes: bytes, file: "fuzz.json")
        return 0
    }
    // JSON separates tokens with tabs anywhere; YAML not where a line's indentation would be.
    // A tab is one column either way, and the JSON reader refuses one inside a string.
    let spaced = bytes.map { $0 == 0x09 ? 0x20 : $0 }
    let yaml = try? DocumentReader().read(bytes: spaced, file: "fuzz.json")
    guard let yaml else {
        // libyaml refuses surrogate-pair escapes (`\ud83d\ude00`), which JSON spells astral
        // scalars with, and an implicit key that spans lines (`"k"\r\n: 1`), which JSON's
        // whitespace allows: the refusals the JSON reader does not share.
        precondition(
            hasSurrogateEscape(bytes) || hasLineBreakBeforeColon(bytes),
            "the YAML reader refused what the JSON reader read"
        )
        return 0
    }
    precondition(same(json, yaml), "the two readers read different trees")
    return 0
}

/// The issues a reading reports, or none.
func outcome(_ read: (DocumentReader) throws(DocumentError) -> Void) -> [String] {
    do {
        try read(DocumentReader())
        return []
    } catch {
        return error.issues.map(\.description)
    }
}

func same(_ a: DocumentNode?, _ b: DocumentNode?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    guard a.position == b.position, a.isPlain == b.isPlain else { return false }
    switch (a.content, b.content) {
    case (.scalar(let x), .scalar(let y)): return x == y
    case (.sequence(let x), .sequence(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
    case (.mapping(let x), .mapping(let y)):
        return x.count == y.count
            && zip(x, y).allSatisfy { $0.key == $1.key && $0.keyPosition == $1.keyPosition && same($0.value, $1.value) }
    default: return false
    }
}

/// Whether `bytes` hold `\u` followed by a surrogate's first two hex digits (D8 to DF).
func hasSurrogateEscape(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 4 else { return false }
    for index in 0..<(bytes.count - 3)
    where bytes[index] == UInt8(ascii: "\\") && bytes[index + 1] == UInt8(ascii: "u")
        && (bytes[index + 2] | 0x20) == UInt8(ascii: "d")
        && [
            UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c"),
            UInt8(ascii: "d"), UInt8(ascii: "e"), UInt8(ascii: "f"),
        ].contains(bytes[index + 3] | 0x20)
    {
        return true
    }
    return false
}

/// Whether `bytes` hold a closing quote, then whitespace with a line break in it, then `:`. A
/// JSON string holds no raw line break, so this is a key split from its colon across lines.
func hasLineBreakBeforeColon(_ bytes: [UInt8]) -> Bool {
    var afterQuote = false
    var sawBreak = false
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""):
            afterQuote = true
            sawBreak = false
        case 0x0A, 0x0D:
            sawBreak = afterQuote
        case 0x20, 0x09:
            continue
        case UInt8(ascii: ":") where afterQuote && sawBreak:
            return true
        default:
            afterQuote = false
            sawBreak = false
        }
    }
    return false
}
