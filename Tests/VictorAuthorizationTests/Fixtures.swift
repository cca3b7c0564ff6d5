import Foundation
import VictorAuthorization

/// The configuration of the issue's schema example, with a few more entries.
let sampleYAML = """
    enabled: true
    default_deny: true
    roles:
      viewer:
        description: Read-only access
        permissions:
          - {resource: code, action: read}
      developer:
        inherits: [viewer]
        permissions:
          - {resource: tools, action: execute, constraints: {context.env: dev}}
          - {resource: code, action: write}
          - {resource: code, action: delete}
      admin:
        permissions:
          - {resource: "*", action: "*"}
    users:
      alice:
        username: alice
        roles: [developer]
        attributes: {clearance_level: 3, department: eng}
        enabled: true
        permissions: []
      bob:
        roles: [viewer]
        permissions:
          - {resource: "reports/*", action: read}
      root:
        roles: [admin]
      mallory:
        roles: [developer]
        enabled: false
    policies:
      - name: no-prod-deletes
        effect: deny
        resource: code
        action: delete
        subjects: ["role:developer"]
        conditions: {context.env: prod, user.clearance_level: {lt: 5}}
        priority: 10
        description: Developers below clearance 5 never delete in prod
    """

func sampleConfiguration() throws -> AuthorizationConfiguration {
    try AuthorizationConfiguration.parse(sampleYAML, file: "sample.yaml")
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
