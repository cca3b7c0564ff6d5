/// A user id normalized to NFC and hashed once, for callers that check the same user many
/// times (a session, a connection): ``Authorizer/check(_:_:normalizedContext:)`` then spends
/// nothing on the name.
public struct PreparedUser: Sendable, Hashable {
    let key: HashedKey

    /// Normalizes and hashes `id`.
    public init(_ id: String) {
        key = HashedKey(normalizing: id)
    }

    /// The user's id, in NFC.
    public var id: String { key.text }
}

/// A resource and action normalized to NFC and hashed once, for callers that ask about the same
/// pair many times (a registered tool's `tools/NAME` and `execute`).
public struct PreparedAccess: Sendable, Hashable {
    let key: PairKey

    /// Normalizes and hashes `resource` and `action`.
    public init(resource: String, action: String) {
        key = PairKey(normalizingResource: resource, action: action)
    }

    /// The resource, in NFC.
    public var resource: String { key.resource.text }
    /// The action, in NFC.
    public var action: String { key.action.text }
}
