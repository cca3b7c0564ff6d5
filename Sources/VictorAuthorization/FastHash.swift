import VictorDocuments

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The authorizer keeps these module-internal, beside the public ones of VictorDocuments the
// persona manager uses: checks through the public ones measured 23 ns slower per cached check
// (169 against 146 ns), as a call from another module reads the per-process seed through an
// accessor and inlines less.

/// The string hash of the check path: FNV-1a over the UTF-8 bytes with a per-process random
/// seed, then a 64-bit finalizer. Much cheaper than `Hasher` for the short names of a request,
/// and computed once per name per check. The tables it feeds are built from the configuration
/// and never grow from requests, so crafted request names cannot degrade them.
enum FastHash {
    static let seed = UInt64.random(in: .min ... .max) | 1
    /// The FNV state before any byte.
    static let basis: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed

    /// The FNV state after one more byte.
    @inline(__always)
    static func step(_ state: UInt64, _ byte: UInt8) -> UInt64 {
        (state ^ UInt64(byte)) &* 0x100_0000_01B3
    }

    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash($0) }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var state = basis
        for byte in bytes { state = step(state, byte) }
        return finalize(state)
    }

    /// The hash of `bytes`, and whether every byte is ASCII: one pass for both.
    @inline(__always)
    static func hashReportingASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, ascii: Bool) {
        var state = basis
        var high: UInt8 = 0
        for byte in bytes {
            high |= byte
            state = step(state, byte)
        }
        return (finalize(state), high < 0x80)
    }

    @inline(__always)
    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019))
    }

    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Comparisons of names by their UTF-8 bytes, which for valid UTF-8 is comparison by Unicode
/// scalars: the module's only way to compare names, never `String ==` (canonical equivalence)
/// or `hasPrefix` (grapheme clusters). Names are in NFC before they get here.
enum ExactBytes {
    /// Whether `a` and `b` hold the same scalars.
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        // Identical representations (the same short text stored inline, or the same storage)
        // hold identical bytes: the common case of a name compared with its own table entry.
        if sameRepresentation(a, b) { return true }
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        if count == 0 { return true }
        let result = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in same(a.baseAddress!, b.baseAddress!, count) }
        }
        if let result, let result { return result }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Whether the two strings' 16-byte representations are bit for bit the same, which implies
    /// the same bytes (the converse does not hold: equal text may be stored twice).
    @inline(__always)
    static func sameRepresentation(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { a in
            withUnsafeBytes(of: b) { b in
                a.count == 16 && b.count == 16
                    && a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        == b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            }
        }
    }

    /// Whether `text` is the first `length` bytes of `bytes`.
    @inline(__always)
    static func equal(_ text: String, prefixOf bytes: UnsafeBufferPointer<UInt8>, length: Int) -> Bool {
        guard text.utf8.count == length, length <= bytes.count else { return false }
        if length == 0 { return true }
        let result = text.utf8.withContiguousStorageIfAvailable { same($0.baseAddress!, bytes.baseAddress!, length) }
        if let result { return result }
        return text.utf8.elementsEqual(bytes[..<length])
    }

    /// Whether `count` bytes at `a` and `b` are the same: eight at a time, as names are short.
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var offset = 0
        while offset + 8 <= count {
            let x = UnsafeRawPointer(a + offset).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b + offset).loadUnaligned(as: UInt64.self)
            if x != y { return false }
            offset += 8
        }
        while offset < count {
            if a[offset] != b[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Whether `text` starts with `prefix`, scalar for scalar.
    @inline(__always)
    static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        let count = prefix.utf8.count
        guard count <= text.utf8.count else { return false }
        if count == 0 { return true }
        let result = text.utf8.withContiguousStorageIfAvailable { text in
            prefix.utf8.withContiguousStorageIfAvailable { prefix in
                same(text.baseAddress!, prefix.baseAddress!, count)
            }
        }
        if let result, let result { return result }
        return text.utf8.starts(with: prefix.utf8)
    }

    /// Whether `text` holds `part` as a run of scalars (an empty part is held by every text).
    /// UTF-8 is self-synchronizing: a byte match of valid text starts on a scalar boundary.
    static func contains(_ text: String, _ part: String) -> Bool {
        let needle = part.utf8.count
        let haystack = text.utf8.count
        if needle == 0 { return true }
        if needle > haystack { return false }
        var text = text
        var part = part
        return text.withUTF8 { text in
            part.withUTF8 { part in
                let first = part[0]
                var index = 0
                while index <= haystack - needle {
                    if text[index] == first, memcmp(text.baseAddress! + index, part.baseAddress!, needle) == 0 {
                        return true
                    }
                    index += 1
                }
                return false
            }
        }
    }
}

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
