import Foundation
import PropertyBased
import Testing
import VictorAuthorization
import VictorTestSupport

/// Rewrites every name and string of a configuration.
enum Respell {
    static func value(_ value: AttributeValue, _ f: (String) -> String) -> AttributeValue {
        switch value {
        case .string(let text): .string(f(text))
        case .list(let elements): .list(elements.map { Self.value($0, f) })
        default: value
        }
    }

    static func condition(_ condition: Condition, _ f: (String) -> String) -> Condition {
        let key: AttributeKey =
            switch condition.key {
            case .user(let name): .user(name == "id" || name == "roles" ? name : f(name))
            case .context(let name): .context(f(name))
            }
        return Condition(key, condition.operator, value(condition.value, f))
    }

    static func permission(_ permission: Permission, _ f: (String) -> String) -> Permission {
        Permission(
            resource: f(permission.resource),
            action: f(permission.action),
            constraints: permission.constraints.map { condition($0, f) }
        )
    }

    static func configuration(
        _ configuration: AuthorizationConfiguration,
        _ f: (String) -> String
    )
        -> AuthorizationConfiguration
    {
        AuthorizationConfiguration(
            enabled: configuration.enabled,
            defaultDeny: configuration.defaultDeny,
            roles: configuration.roles.map {
                Role(f($0.name), permissions: $0.permissions.map { permission($0, f) }, inherits: $0.inherits.map(f))
            },
            users: configuration.users.map { user in
                User(
                    f(user.id),
                    roles: user.roles.map(f),
                    attributes: Dictionary(
                        uniqueKeysWithValues: user.attributes.map { (f($0.key), value($0.value, f)) }
                    ),
                    permissions: user.permissions.map { permission($0, f) },
                    enabled: user.enabled
                )
            },
            policies: configuration.policies.map { policy in
                Policy(
                    f(policy.name),
                    effect: policy.effect,
                    resource: f(policy.resource),
                    action: f(policy.action),
                    subjects: policy.subjects.map {
                        $0.hasPrefix("role:") ? "role:" + f(String($0.dropFirst(5))) : f($0)
                    },
                    conditions: policy.conditions.map { condition($0, f) },
                    priority: policy.priority
                )
            }
        )
    }

    /// The random configurations' vocabulary with accents, precomposed (NFC).
    static func accented(_ text: String) -> String {
        var text = text
        for (plain, accented) in [
            ("code", "c\u{F4}de"), ("tools", "t\u{F6}\u{F6}ls"), ("docs", "d\u{F3}cs"), ("reports", "r\u{E9}ports"),
            ("read", "r\u{E9}ad"), ("write", "wr\u{EE}te"), ("execute", "ex\u{E9}cute"), ("level", "l\u{E9}vel"),
            ("env", "\u{E9}nv"), ("dev", "d\u{E9}v"), ("prod", "pr\u{F4}d"), ("team", "t\u{E9}am"), ("eng", "\u{EA}ng"),
            ("u", "\u{FC}"), ("r", "\u{159}"), ("p", "\u{1E55}"),
        ] where text.hasPrefix(plain) {
            text = accented + text.dropFirst(plain.count)
            break
        }
        return text.precomposedStringWithCanonicalMapping
    }

    static func nfd(_ text: String) -> String { text.decomposedStringWithCanonicalMapping }
}

@Suite struct ExactPropertyTests {
    /// For random configurations over accented names, every check decides the same whether the
    /// configuration and the request spell names in NFC or in NFD, in any mix.
    @Test func checksDecideTheSameForNFCAndNFDSpellings() async {
        await propertyCheck(count: 150, input: Gen.uint64()) { seed in
            let plain = RandomConfiguration.make(seed: seed)
            let nfc = Respell.configuration(plain, Respell.accented)
            let nfd = Respell.configuration(nfc, Respell.nfd)
            // The two spellings differ scalar for scalar (`ř` is one scalar in NFC, two in NFD)…
            #expect(nfd.roles.map { $0.name.unicodeScalars.count } != nfc.roles.map { $0.name.unicodeScalars.count })
            guard let a = try? Authorizer(configuration: nfc), let b = try? Authorizer(configuration: nfd) else {
                Issue.record("generated configuration is invalid: \(nfc)")
                return
            }
            // …and are one once installed.
            #expect(
                b.configuration.roles.map { Array($0.name.unicodeScalars) }
                    == a.configuration.roles.map { Array($0.name.unicodeScalars) }
            )
            #expect(
                b.configuration.users.map { Array($0.id.unicodeScalars) }
                    == a.configuration.users.map { Array($0.id.unicodeScalars) }
            )
            var rng = SplitMix(state: seed ^ 0x3C3C)
            func spell(_ text: String) -> String {
                let accented = Respell.accented(text)
                return Bool.random(using: &rng) ? accented : Respell.nfd(accented)
            }
            for _ in 0..<40 {
                let user = "u\(Int.random(in: 0..<5, using: &rng))"
                let resource = (RandomConfiguration.resources + ["other"]).randomElement(using: &rng)!
                let action = RandomConfiguration.actions.randomElement(using: &rng)!
                let context = Dictionary(
                    uniqueKeysWithValues: RandomConfiguration.contexts(&rng).map { key, value in
                        (spell(key), Respell.value(value) { spell($0) })
                    }
                )
                let reference = a.check(
                    user: Respell.accented(user),
                    resource: Respell.accented(resource),
                    action: Respell.accented(action),
                    context: Dictionary(
                        uniqueKeysWithValues: context.map { key, value in
                            (
                                key.precomposedStringWithCanonicalMapping,
                                Respell.value(value) { $0.precomposedStringWithCanonicalMapping }
                            )
                        }
                    )
                )
                let (u, r, x) = (spell(user), spell(resource), spell(action))
                #expect(a.check(user: u, resource: r, action: x, context: context) == reference, "seed \(seed)")
                #expect(b.check(user: u, resource: r, action: x, context: context) == reference, "seed \(seed)")
                #expect(b.explain(user: u, resource: r, action: x, context: context).decision == reference)
            }
        }
    }

    /// Integer comparisons near ±2^53 and ±2^63 agree with exact arithmetic: the attribute is an
    /// integer, the operand an integer or a double, and the reference compares them as 128-bit
    /// integers scaled by a power of two (every double involved is a multiple of 2^-60).
    @Test func integerComparisonsAgreeWithExactArithmetic() async {
        let operators: [ConditionOperator] = [.eq, .ne, .gt, .gte, .lt, .lte]
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var rng = SplitMix(state: seed)
            let anchors: [Int] = [1 << 53, -(1 << 53), .max, .min, 1 << 62, 0]
            func near(_ anchor: Int) -> Int {
                let offset = Int.random(in: -4...4, using: &rng)
                return anchor.addingReportingOverflow(offset).overflow ? anchor : anchor + offset
            }
            let value = near(anchors.randomElement(using: &rng)!)
            let operand: AttributeValue
            if Bool.random(using: &rng) {
                operand = .integer(near(anchors.randomElement(using: &rng)!))
            } else {
                var double = Double(anchors.randomElement(using: &rng)!)
                // (No ulp steps from zero: subnormals are not what this property is about.)
                for _ in 0..<(double == 0 ? 0 : Int.random(in: 0...3, using: &rng)) {
                    double = Bool.random(using: &rng) ? double.nextUp : double.nextDown
                }
                if Int.random(in: 0..<4, using: &rng) == 0 { double += [0.5, -0.5, 0.25].randomElement(using: &rng)! }
                operand = .number(double)
            }
            let policies = operators.map { op in
                Policy(
                    "p-\(op)",
                    effect: .allow,
                    resource: "r",
                    action: op.rawValue,
                    conditions: [Condition(.user("n"), op, operand)]
                )
            }
            guard
                let authorizer = try? Authorizer(
                    configuration: AuthorizationConfiguration(
                        users: [User("u", attributes: ["n": .integer(value)])],
                        policies: policies
                    ),
                    options: AuthorizerOptions(cacheEnabled: false)
                )
            else {
                Issue.record("invalid configuration for \(value) and \(operand)")
                return
            }
            let order = Self.referenceOrder(value, operand)
            for op in operators {
                let expected =
                    switch op {
                    case .eq: order == 0
                    case .ne: order != 0
                    case .gt: order > 0
                    case .gte: order >= 0
                    case .lt: order < 0
                    default: order <= 0
                    }
                #expect(
                    authorizer.check(user: "u", resource: "r", action: op.rawValue).allowed == expected,
                    "\(value) \(op) \(operand)"
                )
            }
        }
    }

    /// -1, 0 or 1 as `value` is below, at or above `operand`, computed without `Double`
    /// arithmetic on the integer.
    static func referenceOrder(_ value: Int, _ operand: AttributeValue) -> Int {
        let scale = 60
        let scaledValue = Int128(value) << scale
        let scaledOperand: Int128
        switch operand {
        case .integer(let integer): scaledOperand = Int128(integer) << scale
        case .number(let double) where double == 0:
            scaledOperand = 0
        case .number(let double):
            // double = significand × 2^(exponent - 52), exactly.
            let significand = Int128(double.significandBitPattern | (double.isNormal ? 1 << 52 : 0))
            let shift = Int(double.exponent) - 52 + scale
            let magnitude = shift >= 0 ? significand << shift : significand >> -shift
            precondition(
                shift >= 0 || significand & ((1 << -shift) - 1) == 0,
                "operand needs more than 60 fraction bits"
            )
            scaledOperand = double < 0 ? -magnitude : magnitude
        default: preconditionFailure("numbers only")
        }
        return scaledValue < scaledOperand ? -1 : scaledValue == scaledOperand ? 0 : 1
    }
}
