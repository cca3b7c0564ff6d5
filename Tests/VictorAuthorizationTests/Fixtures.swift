import Foundation
import VictorAuthorization
import VictorTestSupport

func sampleConfiguration() throws -> AuthorizationConfiguration {
    try AuthorizationConfiguration.parse(AuthorizationSamples.yaml, file: "sample.yaml")
}

func sampleAuthorizer(options: AuthorizerOptions = AuthorizerOptions()) throws -> Authorizer {
    try Authorizer(configuration: sampleConfiguration(), options: options)
}

/// The issues a configuration text is rejected with.
func issues(_ text: String, file: String = "bad.yaml") -> [ConfigurationIssue] {
    do {
        _ = try AuthorizationConfiguration.parse(text, file: file)
        return []
    } catch {
        return error.issues
    }
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("victor-authz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
