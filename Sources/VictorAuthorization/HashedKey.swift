import VictorDocuments

/// A name with its hash computed once, so several lookups hash it only once. Equality is by
/// bytes (Unicode scalars), so the type is also the key of every name table built at compile
/// time.
struct HashedKey: Hashable, Sendable {
    let text: String
    let hash: UInt64

    /// Hashes `text`, which is already in NFC.
    @inline(__always)
    init(_ text: String) {
        self.init(text: text, hash: FastHash.hash(text))
    }

    @inline(__always)
    private init(text: String, hash: UInt64) {
        self.text = text
        self.hash = hash
    }

    /// Normalizes `text` to NFC and hashes it. ASCII text (already NFC) costs one pass over
    /// its bytes, for the hash, and no copy; other text already in NFC costs a check
    /// (``NFC/isSurelyNFC(_:)``) and no copy; only the rest is normalized.
    @inline(__always)
    init(normalizing text: String) {
        var text = text
        let (hash, ascii) = text.withUTF8 { FastHash.hashReportingASCII($0) }
        if ascii {
            self.init(text: text, hash: hash)
        } else {
            self = Self.normalizing(nonASCII: text, hash: hash)
        }
    }

    /// ``init(normalizing:)`` for text that is not ASCII: out of line, so the ASCII path stays
    /// small enough to inline.
    @inline(never)
    private static func normalizing(nonASCII text: String, hash: UInt64) -> HashedKey {
        NFC.isSurelyNFC(text) ? HashedKey(text: text, hash: hash) : HashedKey(ExactText.normalized(text))
    }

    @inline(__always)
    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool {
        lhs.hash == rhs.hash && ExactBytes.equal(lhs.text, rhs.text)
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A resource/action pair with its hashes computed once.
struct PairKey: Hashable, Sendable {
    let resource: HashedKey
    let action: HashedKey
    let hash: UInt64

    /// A pair of names already in NFC.
    @inline(__always)
    init(resource: String, action: String) {
        self.init(HashedKey(resource), HashedKey(action))
    }

    /// A pair of names as a request gives them: normalized to NFC.
    @inline(__always)
    init(normalizingResource resource: String, action: String) {
        self.init(HashedKey(normalizing: resource), HashedKey(normalizing: action))
    }

    @inline(__always)
    init(_ resource: HashedKey, _ action: HashedKey) {
        self.resource = resource
        self.action = action
        hash = FastHash.combine(resource.hash, action.hash)
    }

    @inline(__always)
    static func == (lhs: PairKey, rhs: PairKey) -> Bool {
        lhs.hash == rhs.hash && ExactBytes.equal(lhs.resource.text, rhs.resource.text)
            && ExactBytes.equal(lhs.action.text, rhs.action.text)
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// NFC on the check path: the Foundation normalizer only for text that may need it.
enum NFC {
    /// Whether `text` is certainly in NFC. Text whose scalars are all below U+0300 (in UTF-8,
    /// bytes below 0xCC) is: no such scalar has a canonical decomposition that NFC does not
    /// compose back, and no two of them compose. Other text takes the standard library's NFC
    /// quick check where it exists (a "yes" is final; "maybe" normalizes).
    @inline(__always)
    static func isSurelyNFC(_ text: String) -> Bool {
        var copy = text
        let belowCombiningMarks = copy.withUTF8 { bytes in
            for byte in bytes where byte >= 0xCC { return false }
            return true
        }
        if belowCombiningMarks { return true }
        if #available(macOS 26.0, iOS 26.0, watchOS 26.0, tvOS 26.0, visionOS 26.0, *) {
            var span = text.utf8Span
            return span.checkForNFC(quickCheck: true)
        }
        return false
    }

    /// `text` in NFC, returned as it is (no copy) when ``isSurelyNFC(_:)``.
    @inline(__always)
    static func normalized(_ text: String) -> String {
        isSurelyNFC(text) ? text : ExactText.normalized(text)
    }
}
