/// Sample documents shared by the test targets.
public enum AuthorizationSamples {
    /// An authorization configuration: the schema example, with a few more entries.
    public static let yaml = """
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
}
