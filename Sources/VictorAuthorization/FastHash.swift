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

/// The string hash of the check path: the UTF-8 bytes a word (8 bytes) at a time from a
/// per-process random seed, then a 64-bit finalizer; the same function as VictorDocuments'
/// word hash. Much cheaper than `Hasher` for the short names of a request, and computed once per
/// name per check. Prefix tables, whose probes extend a hash byte by byte, use FNV-1a instead
/// (``prefixBasis``, ``step(_:_:)``). The tables these feed are built from the configuration and
/// never grow from requests, so crafted request names cannot degrade them.
enum FastHash {
    static let seed = UInt64.random(in: .min ... .max) | 1
    /// The word hash's state before any word.
    static let basis: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    /// The FNV state before any byte, for prefix tables.
    static let prefixBasis: UInt64 = 0x8422_2325_CBF2_9CE4 ^ seed

    /// The FNV state after one more byte.
    @inline(__always)
    static func step(_ state: UInt64, _ byte: UInt8) -> UInt64 {
        (state ^ UInt64(byte)) &* 0x100_0000_01B3
    }

    /// The FNV-1a hash of `text`'s bytes, finalized: a prefix table's key.
    static func prefixHash(_ text: String) -> UInt64 {
        var state = prefixBasis
        for byte in text.utf8 { state = step(state, byte) }
        return finalize(state)
    }

    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { hash($0) }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        hashReportingASCII(bytes).hash
    }

    /// The hash of `bytes`, and whether every byte is ASCII: one pass for both.
    @inline(__always)
    static func hashReportingASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, ascii: Bool) {
        hashReportingASCII(bytes, basis: basis)
    }

    /// ``hashReportingASCII(_:)`` from a copy of ``basis`` the caller keeps: reading the lazily
    /// initialized global costs a call on every hash, a stored copy one load.
    @inline(__always)
    static func hashReportingASCII(
        _ bytes: UnsafeBufferPointer<UInt8>,
        basis: UInt64
    ) -> (hash: UInt64, ascii: Bool) {
        var state = basis ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        var high: UInt64 = 0
        var offset = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while offset + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                high |= word
                state = mixWord(state, word)
                offset += 8
            }
            let rest = bytes.count - offset
            if rest > 0 {
                // The last 1–7 bytes as one word from two overlapping loads, without a loop: the
                // two halves cover every byte, and the length is already in the state.
                let tail: UInt64
                if rest >= 4 {
                    let first = UInt64(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    let last = UInt64(raw.loadUnaligned(fromByteOffset: offset + rest - 4, as: UInt32.self))
                    tail = first | last << 32
                } else if rest >= 2 {
                    let first = UInt64(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                    let last = UInt64(raw.loadUnaligned(fromByteOffset: offset + rest - 2, as: UInt16.self))
                    tail = first | last << 16
                } else {
                    tail = UInt64(bytes[offset])
                }
                high |= tail
                state = mixWord(state, tail)
            }
        }
        return (finalize(state), high & 0x8080_8080_8080_8080 == 0)
    }

    /// One word into the state: multiply, then rotate the well-mixed high bits down so the next
    /// word's multiplication spreads them again.
    @inline(__always)
    static func mixWord(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word) &* 0xFF51_AFD7_ED55_8CCD
        return (product << 31) | (product >> 33)
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

    /// ``same(_:_:_:)`` for `b` from a buffer, whose base address is `nil` when it is empty.
    @inline(__always)
    static func same(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        count == 0 || same(UnsafePointer(a), b!, count)
    }

    /// Whether `count` bytes at `a` and `b` are the same: eight at a time, as names are short,
    /// and the last few as overlapping loads rather than byte by byte.
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let x = UnsafeRawPointer(a)
        let y = UnsafeRawPointer(b)
        if count >= 8 {
            var offset = 0
            while offset + 8 < count {
                if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                {
                    return false
                }
                offset += 8
            }
            return x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                    == y.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        if count >= 2 {
            return x.loadUnaligned(as: UInt16.self) == y.loadUnaligned(as: UInt16.self)
                && x.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self)
                    == y.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self)
        }
        return count == 0 || a[0] == b[0]
    }

    /// Runs `body` on `text`'s UTF-8 bytes: in place for native text, a short one copied to the
    /// stack by inlined code; else on a copy's `withUTF8`. (`utf8Span` is a call into the
    /// standard library per name: 12% of an RBAC check's time in a profile.)
    @inline(__always)
    static func withBytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
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

    /// A name already in NFC whose hash is known.
    @inline(__always)
    init(text: String, hash: UInt64) {
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

    /// Runs `body` on the name's bytes and hash.
    @inline(__always)
    func withRaw<Result>(_ body: (RawName) -> Result) -> Result {
        ExactBytes.withBytes(of: text) { body(RawName($0, hash: hash)) }
    }

    @inline(__always)
    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool {
        lhs.hash == rhs.hash && ExactBytes.equal(lhs.text, rhs.text)
    }

    @inline(__always)
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A name's UTF-8 bytes (in NFC) with their hash, borrowed for the length of one check: it
/// is trivially copyable, so the check path passes it around without counting references. Valid
/// only inside the closure that made it.
struct RawName {
    let bytes: UnsafeBufferPointer<UInt8>
    let hash: UInt64

    @inline(__always)
    init(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        self.bytes = bytes
        self.hash = hash
    }

    /// The name as text, for messages and explanations.
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A resource/action pair of ``RawName``s with the pair's hash, the same as its ``PairKey``'s.
struct RawPair {
    let resource: RawName
    let action: RawName
    let hash: UInt64

    @inline(__always)
    init(_ resource: RawName, _ action: RawName) {
        self.resource = resource
        self.action = action
        hash = FastHash.combine(resource.hash, action.hash)
    }
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

    /// Runs `body` on the pair's bytes and hashes.
    @inline(__always)
    func withRaw<Result>(_ body: (RawPair) -> Result) -> Result {
        resource.withRaw { resource in action.withRaw { action in body(RawPair(resource, action)) } }
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
