/// The grants of every role, each role's own and its ancestors', in one set of flat tables
/// keyed by (role, resource, action): a check probes one table slot per role the user holds
/// instead of walking per-role structures.
///
/// Buckets per role, tried in order: exact resource and action; exact resource with any action;
/// any resource with exact action; everything else (`*`/`*` and prefixes), tested one by one.
/// Grants sharing a bucket are chained through ``Grant/next`` in definition order.
final class RoleGrantIndex: Sendable {
    struct Key: Hashable, Sendable {
        let role: Int32
        let resource: String
        let action: String
    }

    private let exact: FrozenTable<Key, Grant>
    private let anyAction: FrozenTable<Key, Grant>
    private let anyResource: FrozenTable<Key, Grant>
    /// Per role: the grants that need pattern tests; empty for most roles.
    private let others: [[(resource: Pattern, action: Pattern, grant: Grant)]]

    /// - Parameters:
    ///   - roles: the roles, by index.
    ///   - closures: for each role, the indices of the role and all its ancestors, in order.
    init(roles: [Role], closures: [[Int32]]) {
        var exact: [Key: [(String, Permission)]] = [:]
        var anyAction: [Key: [(String, Permission)]] = [:]
        var anyResource: [Key: [(String, Permission)]] = [:]
        var others: [[(resource: Pattern, action: Pattern, grant: Grant)]] = Array(repeating: [], count: roles.count)
        for (index, closure) in closures.enumerated() {
            let role = Int32(index)
            for member in closure {
                let definer = roles[Int(member)]
                for permission in definer.permissions {
                    switch (Pattern(permission.resource), Pattern(permission.action)) {
                    case (.exact(let r), .exact(let a)):
                        exact[Key(role: role, resource: r, action: a), default: []].append((definer.name, permission))
                    case (.exact(let r), .any):
                        anyAction[Key(role: role, resource: r, action: ""), default: []].append(
                            (definer.name, permission)
                        )
                    case (.any, .exact(let a)):
                        anyResource[Key(role: role, resource: "", action: a), default: []].append(
                            (definer.name, permission)
                        )
                    case (let r, let a):
                        others[index].append((r, a, Grant(role: definer.name, permission: permission)))
                    }
                }
            }
        }
        func freeze(_ buckets: [Key: [(String, Permission)]], _ hash: (Key) -> UInt64) -> FrozenTable<Key, Grant> {
            FrozenTable(
                buckets.map { key, grants in
                    var chain: Grant?
                    for (role, permission) in grants.reversed() {
                        chain = Grant(role: role, permission: permission, next: chain)
                    }
                    return (hash(key), key, chain!)
                }
            )
        }
        self.exact = freeze(exact) { Self.hash($0.role, PairKey(resource: $0.resource, action: $0.action).hash) }
        self.anyAction = freeze(anyAction) { Self.hash($0.role, FastHash.hash($0.resource)) }
        self.anyResource = freeze(anyResource) { Self.hash($0.role, FastHash.hash($0.action)) }
        self.others = others
    }

    @inline(__always)
    static func hash(_ role: Int32, _ hash: UInt64) -> UInt64 {
        FastHash.combine(hash, UInt64(UInt32(bitPattern: role)))
    }

    /// Calls `body` with each grant of a bucket's chain, until it returns `true`.
    @inline(__always)
    static func walk(_ chain: Grant?, _ body: (Grant) -> Bool) -> Bool {
        var chain = chain
        while let grant = chain {
            if body(grant) { return true }
            chain = grant.next
        }
        return false
    }

    /// Calls `body` with each grant of `role` matching the request, until it returns `true`.
    /// - Returns: whether `body` returned `true`.
    @inline(__always)
    func forEachCandidate(role: Int32, _ key: PairKey, _ body: (Grant) -> Bool) -> Bool {
        let exactChain = exact.find(Self.hash(role, key.hash)) {
            $0.role == role && $0.resource == key.resource.text && $0.action == key.action.text
        }
        if Self.walk(exactChain, body) { return true }
        if anyAction.count > 0 {
            let chain = anyAction.find(Self.hash(role, key.resource.hash)) {
                $0.role == role && $0.resource == key.resource.text
            }
            if Self.walk(chain, body) { return true }
        }
        if anyResource.count > 0 {
            let chain = anyResource.find(Self.hash(role, key.action.hash)) {
                $0.role == role && $0.action == key.action.text
            }
            if Self.walk(chain, body) { return true }
        }
        for entry in others[Int(role)]
        where entry.resource.matches(key.resource.text) && entry.action.matches(key.action.text) {
            if body(entry.grant) { return true }
        }
        return false
    }
}
