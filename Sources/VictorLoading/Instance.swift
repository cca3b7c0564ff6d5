/// A loaded component's value, boxed so the cache can hold any type in one reference.
///
/// Subclasses only add an immutable `Sendable` value, which makes sharing the box safe.
@usableFromInline
class AnyInstance: @unchecked Sendable {
    var anyValue: any Sendable { fatalError("abstract") }
    var valueType: Any.Type { fatalError("abstract") }
}

@usableFromInline
final class Instance<T: Sendable>: AnyInstance, @unchecked Sendable {
    @usableFromInline let value: T
    init(_ value: T) { self.value = value }
    override var anyValue: any Sendable { value }
    override var valueType: Any.Type { T.self }
}

/// A registered factory, boxed with its value type in a single allocation.
class AnyFactory: @unchecked Sendable {
    var valueType: Any.Type { fatalError("abstract") }
    func make(_ resolver: ComponentResolver) async throws -> AnyInstance { fatalError("abstract") }
}

final class Factory<T: Sendable>: AnyFactory, @unchecked Sendable {
    enum Body: Sendable {
        case plain(@Sendable () throws -> T)
        case plainAsync(@Sendable () async throws -> T)
        case resolving(@Sendable (ComponentResolver) throws -> T)
        case resolvingAsync(@Sendable (ComponentResolver) async throws -> T)
    }

    let body: Body
    init(_ body: Body) { self.body = body }

    override var valueType: Any.Type { T.self }

    override func make(_ resolver: ComponentResolver) async throws -> AnyInstance {
        switch body {
        case .plain(let make): Instance(try make())
        case .plainAsync(let make): Instance(try await make())
        case .resolving(let make): Instance(try make(resolver))
        case .resolvingAsync(let make): Instance(try await make(resolver))
        }
    }
}
