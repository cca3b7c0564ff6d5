/// What a factory receives: the already-loaded instances of the dependencies it declared.
///
/// The resolver holds the instances themselves, so a dependency evicted from the cache while
/// the factory runs is still available to it.
public struct ComponentResolver: Sendable {
    /// The component being constructed.
    public let component: String
    let loaderID: UInt32
    let instances: [Int32: AnyInstance]
    let names: [String: Int32]

    /// The instance of the declared dependency `key`.
    /// - Throws: ``LoaderError`` with code ``LoaderError/Code/undeclaredDependency`` when `key`
    ///   was not among the component's declared dependencies.
    public func get<T>(_ key: ComponentKey<T>, file: String = #fileID, line: Int = #line) throws(LoaderError) -> T {
        guard key.loaderID == loaderID, let instance = instances[key.index] else {
            throw undeclared(key.name, file: file, line: line)
        }
        return unsafeDowncast(instance, to: Instance<T>.self).value
    }

    /// The instance of the declared dependency named `name`, typed as `T`.
    public func get<T: Sendable>(
        _ name: String,
        as type: T.Type = T.self,
        file: String = #fileID,
        line: Int = #line
    ) throws(LoaderError) -> T {
        guard let index = names[name], let instance = instances[index] else {
            throw undeclared(name, file: file, line: line)
        }
        guard let value = instance.anyValue as? T else {
            throw LoaderError(
                .typeMismatch,
                "dependency '\(name)' of '\(component)' is \(instance.valueType), not \(T.self)",
                component: component,
                file: file,
                line: line
            )
        }
        return value
    }

    private func undeclared(_ name: String, file: String, line: Int) -> LoaderError {
        LoaderError(
            .undeclaredDependency,
            "'\(component)' asked for '\(name)', which is not among its declared dependencies",
            component: component,
            file: file,
            line: line
        )
    }
}
