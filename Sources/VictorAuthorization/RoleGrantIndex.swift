/// The roles a user holds, directly or through inheritance: a bitset over role indices when
/// that is compact (at most one 64-bit word per member), else a sorted array. One instance is
/// shared by every user holding the same roles directly.
final class RoleSet: Sendable {
    private let bits: [UInt64]
    private let sorted: [Int32]
    private let usesBits: Bool
    /// How many roles the set holds.
    let count: Int

    /// - Parameters:
    ///   - members: distinct role indices.
    ///   - roleCount: how many roles there are.
    init(members: [Int32], roleCount: Int) {
        count = members.count
        let words = (roleCount + 63) / 64
        usesBits = words <= max(4, members.count)
        if usesBits {
            var bits = [UInt64](repeating: 0, count: words)
            for member in members { bits[Int(member) >> 6] |= 1 << UInt64(member & 63) }
            self.bits = bits
            sorted = []
        } else {
            bits = []
            sorted = members.sorted()
        }
    }

    /// Whether the set holds `role`.
    /// - Complexity: O(1) for a bitset, O(log count) otherwise.
    @inline(__always)
    func contains(_ role: Int32) -> Bool {
        if usesBits {
            let word = Int(role) >> 6
            return role >= 0 && word < bits.count && bits[word] & (1 << UInt64(role & 63)) != 0
        }
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < role { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == role
    }

    /// The members, ascending.
    var members: [Int32] {
        if !usesBits { return sorted }
        var result: [Int32] = []
        result.reserveCapacity(count)
        for (index, word) in bits.enumerated() where word != 0 {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { result.append(Int32(index * 64 + bit)) }
        }
        return result
    }
}

/// The inheritance graph and every role's own grants, each permission filed once in one
/// ``PatternIndex`` and tagged with the role defining it. A check walks the candidate grants of
/// the request and keeps those whose role the user holds (``RoleSet``), so nothing is copied
/// into inheriting roles.
///
/// Grants are offered in the index's bucket order, then in role definition order, then in each
/// role's permission order: the first grant that applies decides which role is reported.
/// - Complexity: compiled size O(roles + permissions + inheritance edges).
final class RoleGrantIndex: Sendable {
    /// Every role's own grants.
    let grants: PatternIndex<Grant>
    /// For each role, the roles it inherits, as indices, in order (undefined names left out).
    let parents: [[Int32]]

    /// - Parameters:
    ///   - roles: the roles, by index, in NFC.
    ///   - roleIndex: each role name's index.
    ///   - compile: compiles a role's permission into its grant.
    init(roles: [Role], roleIndex: [HashedKey: Int32], compile: (Int32, Permission) -> Grant) {
        var builder = PatternIndex<Grant>.Builder()
        var parents: [[Int32]] = []
        parents.reserveCapacity(roles.count)
        for (index, role) in roles.enumerated() {
            for permission in role.permissions {
                builder.insert(
                    resource: permission.resource,
                    action: permission.action,
                    tag: Int32(index),
                    compile(Int32(index), permission)
                )
            }
            parents.append(role.inherits.compactMap { roleIndex[HashedKey($0)] })
        }
        grants = PatternIndex(builder)
        self.parents = parents
    }

    /// Every role reachable from `held` through inheritance, `held` included, each once: an
    /// iterative walk, so depth costs no stack.
    /// - Parameter visited: scratch space of one stamp per role, reused between calls.
    /// - Complexity: O(roles reached + their inheritance edges).
    func closure(of held: [Int32], visited: inout Visited) -> [Int32] {
        visited.next()
        var result: [Int32] = []
        var stack: [Int32] = []
        for role in held.reversed() where visited.insert(role) { stack.append(role) }
        while let role = stack.popLast() {
            result.append(role)
            for parent in parents[Int(role)].reversed() where visited.insert(parent) { stack.append(parent) }
        }
        return result
    }

    /// Marks for graph walks: a role is visited when its stamp is the current one, so starting a
    /// walk costs nothing however many roles there are.
    struct Visited {
        private var stamps: [UInt32]
        private var current: UInt32 = 0

        init(roleCount: Int) { stamps = [UInt32](repeating: 0, count: roleCount) }

        mutating func next() {
            if current == .max {
                for index in stamps.indices { stamps[index] = 0 }
                current = 0
            }
            current += 1
        }

        /// Marks `role`; `false` when it was marked already in this walk.
        mutating func insert(_ role: Int32) -> Bool {
            if stamps[Int(role)] == current { return false }
            stamps[Int(role)] = current
            return true
        }
    }
}

/// The roles a user holds, directly or through inheritance, as a check tests them: up to eight
/// inline (one vector comparison, no memory beyond the user's entry), more in a shared
/// ``RoleSet``.
struct RoleMembership: Sendable, TagSet {
    private let inline: SIMD8<Int32>
    private let set: RoleSet?
    /// The roles packed for a user table entry, when there are at most eight.
    let packed: InlineRoles?

    /// Lanes that hold no role: no role index and no grant's role (-1 for direct grants) equals it.
    private static let empty = Int32.min

    /// - Parameters:
    ///   - members: distinct role indices.
    ///   - roleCount: how many roles there are.
    init(members: [Int32], roleCount: Int) {
        var inline = SIMD8<Int32>(repeating: Self.empty)
        packed = InlineRoles(members, roleCount: roleCount)
        if members.count <= 8 {
            for (lane, member) in members.sorted().enumerated() { inline[lane] = member }
            set = nil
        } else {
            set = RoleSet(members: members, roleCount: roleCount)
        }
        self.inline = inline
    }

    /// Whether `role` is held.
    @inline(__always)
    func contains(_ role: Int32) -> Bool {
        if let set { return set.contains(role) }
        return any(inline .== SIMD8<Int32>(repeating: role))
    }

    /// The roles held, ascending.
    var members: [Int32] {
        if let set { return set.members }
        return (0..<8).map { inline[$0] }.filter { $0 != Self.empty }.sorted()
    }
}

/// Up to eight roles packed in two words (16-bit lanes), for a user table entry: testing one
/// reads no memory beyond the entry. Only for configurations of fewer than 32,767 roles.
struct InlineRoles: Sendable, TagSet {
    private let low: UInt64
    private let high: UInt64

    private static let ones: UInt64 = 0x0001_0001_0001_0001
    private static let signs: UInt64 = 0x8000_8000_8000_8000
    /// The most roles a configuration may have for memberships to be packed.
    static let roleLimit = 0x7FFF

    /// Packs `members` (at most eight role indices below ``roleLimit``); `nil` otherwise.
    init?(_ members: [Int32], roleCount: Int) {
        guard members.count <= 8, roleCount <= Self.roleLimit else { return nil }
        var lanes = [UInt64](repeating: 0xFFFF, count: 8)  // 0xFFFF is no role
        for (lane, member) in members.enumerated() { lanes[lane] = UInt64(UInt16(member)) }
        low = lanes[0] | lanes[1] << 16 | lanes[2] << 32 | lanes[3] << 48
        high = lanes[4] | lanes[5] << 16 | lanes[6] << 32 | lanes[7] << 48
    }

    /// Whether `role` (an index below ``roleLimit``) is one of the packed roles.
    @inline(__always)
    func contains(_ role: Int32) -> Bool {
        let pattern = UInt64(UInt16(truncatingIfNeeded: role)) &* Self.ones
        return Self.hasZeroLane(low ^ pattern) || Self.hasZeroLane(high ^ pattern)
    }

    /// Whether some 16-bit lane of `word` is zero.
    @inline(__always)
    private static func hasZeroLane(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & signs != 0
    }
}

/// Builds the membership of each distinct set of directly held roles once, so users holding the
/// same roles share one ``RoleSet``.
struct RoleSetInterner {
    private let index: RoleGrantIndex
    private let roleCount: Int
    private var visited: RoleGrantIndex.Visited
    private var sets: [[Int32]: RoleMembership] = [:]

    init(index: RoleGrantIndex, roleCount: Int) {
        self.index = index
        self.roleCount = roleCount
        visited = RoleGrantIndex.Visited(roleCount: roleCount)
    }

    /// The effective roles of a user holding `held` directly.
    /// - Complexity: O(roles reached) the first time a set is seen, O(held) after.
    mutating func roles(holding held: [Int32]) -> RoleMembership {
        let key = held.sorted()
        if let set = sets[key] { return set }
        let set = RoleMembership(members: index.closure(of: key, visited: &visited), roleCount: roleCount)
        sets[key] = set
        return set
    }
}
