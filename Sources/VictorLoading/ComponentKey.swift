/// A typed handle to a component registered with a ``ComponentLoader``.
///
/// A key carries the component's value type and the dense slot index the loader assigned at
/// registration, so ``ComponentLoader/get(_:)-(ComponentKey<T>)`` returns a `T` with no cast and
/// no string hashing. Keys are obtained from the loader's `register` methods or
/// ``ComponentLoader/key(for:as:)`` and are valid only with the loader that issued them.
public struct ComponentKey<Value: Sendable>: Sendable, Hashable, CustomStringConvertible {
    /// The component's name.
    public let name: String
    @usableFromInline let index: Int32
    @usableFromInline let loaderID: UInt32

    init(name: String, index: Int32, loaderID: UInt32) {
        self.name = name
        self.index = index
        self.loaderID = loaderID
    }

    /// The component's name.
    public var description: String { name }
}
