/// The string hash of hot read paths (a cached persona): the UTF-8 bytes a word at a time,
/// from a per-process random seed, then a 64-bit finalizer. Much cheaper than
/// `Hasher` for short names, and computed once per name per read. The tables it feeds
/// (``FrozenTable``) are built by their owners and never grow from a request's names, so
/// crafted names cannot degrade them.
public enum FastHash {
    public static let seed = UInt64.random(in: .min ... .max) | 1
    /// The state before any word.
    public static let basis: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed

    /// The hash of `bytes` taken a word (8 bytes) at a time, and whether every byte is ASCII:
    /// eight times fewer dependent multiplications than the authorizer's byte-wise FNV-1a (which
    /// it keeps for hashes extended byte by byte, as prefix matching needs).
    @inlinable @inline(__always)
    public static func wordHashReportingASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, ascii: Bool) {
        wordHashReportingASCII(bytes, basis: basis)
    }

    /// ``wordHashReportingASCII(_:)`` from a copy of ``basis`` the caller keeps: reading the
    /// lazily initialized global costs a call on every hash, a stored copy one load.
    @inlinable @inline(__always)
    public static func wordHashReportingASCII(
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

    /// ``wordHashReportingASCII(_:)`` of a string's UTF-8 bytes, without the ASCII report.
    @inlinable @inline(__always)
    public static func wordHash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { wordHashReportingASCII($0).hash }
    }

    /// One word into the state: multiply, then rotate the well-mixed high bits down so the next
    /// word's multiplication spreads them again.
    @inlinable @inline(__always)
    static func mixWord(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word) &* 0xFF51_AFD7_ED55_8CCD
        return (product << 31) | (product >> 33)
    }

    @inlinable @inline(__always)
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019))
    }

    @inlinable @inline(__always)
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Comparisons of names by their UTF-8 bytes, which for valid UTF-8 is comparison by Unicode
/// scalars: the module's only way to compare names, never `String ==` (canonical equivalence)
/// or `hasPrefix` (grapheme clusters). Names are in NFC before they get here.
public enum ExactBytes {
    /// Whether `a` and `b` hold the same scalars.
    @inlinable @inline(__always)
    public static func equal(_ a: String, _ b: String) -> Bool {
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
    @inlinable @inline(__always)
    public static func sameRepresentation(_ a: String, _ b: String) -> Bool {
        withUnsafeBytes(of: a) { a in
            withUnsafeBytes(of: b) { b in
                a.count == 16 && b.count == 16
                    && a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        == b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            }
        }
    }

    /// Whether `count` bytes at `a` and `b` are the same: eight at a time, as names are short,
    /// and the last few as overlapping loads rather than byte by byte.
    @inlinable @inline(__always)
    public static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
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

}
