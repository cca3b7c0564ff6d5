import VictorDocuments

/// Suggestions for names that name nothing: white space trimmed, case ignored, or within two
/// edits of a defined name.
extension Validator {
    mutating func roleHint(_ name: String) -> String {
        guard suggestions < Self.suggestionBound else { return "" }
        suggestions += 1
        let trimmed = Self.trimmed(name)
        if !trimmed.isEmpty, isRole(trimmed) { return "; did you mean \(displayed(trimmed))?" }
        if let match = Self.closest(to: trimmed, among: roleNames) { return "; did you mean \(displayed(match))?" }
        return ""
    }

    /// A suggestion for a subject naming nobody: the name without surrounding white space,
    /// `role:` spelled right, a role named without `role:`, or the closest user id or role.
    mutating func subjectHint(_ subject: String) -> String {
        guard suggestions < Self.suggestionBound else { return "" }
        suggestions += 1
        let trimmed = Self.trimmed(subject)
        var candidates: [String] = []
        let scalars = Array(trimmed.unicodeScalars)
        let prefix = String(String.UnicodeScalarView(scalars.prefix(5))).lowercased()
        if prefix == "role:" || prefix == "role " {
            let role = Self.trimmed(String(String.UnicodeScalarView(scalars.dropFirst(5))))
            if isRole(role) {
                candidates.append("role:" + role)
            } else if let match = Self.closest(to: role, among: roleNames) {
                candidates.append("role:" + match)
            }
        } else {
            if isUser(trimmed) { candidates.append(trimmed) }
            if isRole(trimmed) { candidates.append("role:" + trimmed) }
            if candidates.isEmpty {
                if let match = Self.closest(to: trimmed, among: userNames) { candidates.append(match) }
                if let match = Self.closest(to: trimmed, among: roleNames) { candidates.append("role:" + match) }
            }
        }
        guard !candidates.isEmpty else { return "" }
        return "; did you mean " + candidates.map(displayed).joined(separator: " or ") + "?"
    }

    /// Suggestions computed per validation, at most.
    static let suggestionBound = 64

    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// The name among `names` closest to `name`: equal ignoring case, or within two edits
    /// (for names of four scalars or more). Scans at most 10,000 names.
    static func closest(to name: String, among names: [String]) -> String? {
        let wanted = ExactText.normalized(name)
        let lowered = wanted.lowercased()
        let target = Array(wanted.unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in names.prefix(10_000) {
            let normalized = ExactText.normalized(candidate)
            if ExactBytes.equal(normalized.lowercased(), lowered) { return candidate }
            guard target.count >= 4 else { continue }
            let other = Array(normalized.unicodeScalars)
            guard abs(other.count - target.count) <= 2,
                let distance = editDistance(target, other, limit: 2),
                distance < (best?.distance ?? 3)
            else { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// The Levenshtein distance of `a` and `b` when at most `limit`, else `nil`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(1, a.count) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        let distance = a.isEmpty ? b.count : previous[b.count]
        return distance <= limit ? distance : nil
    }
}
