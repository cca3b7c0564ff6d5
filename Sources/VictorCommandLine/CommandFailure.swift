import ArgumentParser
import VictorAuthorization
import VictorPersonas
import VictorPostgres
import VictorRuntime

/// Why a `victor` command failed; each kind has one exit status (``exitCode``), the same for
/// every subcommand.
///
/// | kind | exit status | for example |
/// |---|---|---|
/// | ``unmetExpectations`` | 1 | a test case got another decision, a benchmark missed its target |
/// | ``notFound`` | 1 | an unknown persona id or version |
/// | ``conflict`` | 1 | a stale version, an id that exists, personas that cannot merge |
/// | ``storeFailure`` | 1 | an unreadable stored file, a refused link, a failed store write |
/// | ``unexpected`` | 1 | anything else |
/// | ``usage`` | 2 | an unknown option, a missing or malformed argument |
/// | ``invalidInput`` | 2 | a document with errors, an input that cannot be read, an output that cannot be written |
/// | ``regression`` | 3 | benchmarks pass, but a figure regressed against the baseline |
public enum CommandFailureKind: Sendable, CaseIterable {
    /// What was checked did not hold: failing test cases, benchmarks that missed their targets.
    case unmetExpectations
    /// Something named does not exist.
    case notFound
    /// A change collided with the stored state.
    case conflict
    /// A store could not be read or written.
    case storeFailure
    /// An error of no other kind.
    case unexpected
    /// The arguments are wrong.
    case usage
    /// An input document or file is wrong or unreadable, or an output cannot be written.
    case invalidInput
    /// Every benchmark passed, but a figure regressed against the baseline.
    case regression

    /// The process exit status for this kind.
    public var exitCode: Int32 {
        switch self {
        case .unmetExpectations, .notFound, .conflict, .storeFailure, .unexpected: 1
        case .usage, .invalidInput: 2
        case .regression: 3
        }
    }
}

/// A command's failure: its kind, which decides the exit status, and the lines for standard
/// error (possibly none, when the command has already said everything on standard output).
struct CommandFailure: Error {
    var kind: CommandFailureKind
    var messages: [String]

    init(_ kind: CommandFailureKind, _ messages: [String] = []) {
        self.kind = kind
        self.messages = messages
    }

    /// The failure for an error the command line knows, with its message in the command line's
    /// form; `nil` for ArgumentParser's own errors (usage errors, help), which it reports itself.
    init?(classifying error: any Error) {
        switch error {
        case let failure as CommandFailure:
            self = failure
        case let error as PersonaError:
            self.init(Self.kind(of: error.code), ["error: " + singleLine(error.description)])
        case let error as AuthorizationError:
            // A document's problems, one `FILE:LINE:COLUMN: key.path: message` line each.
            let lines = error.issues.isEmpty ? [error.message] : error.issues.map(\.description)
            self.init(.invalidInput, lines.map(singleLine))
        case let error as RuntimeError:
            // Document problems are `FILE:LINE:COLUMN: key.path: message` lines already.
            let located = error.code == .invalidConfiguration || error.code == .invalidJSON
            let lines = error.message.split(separator: "\n").map { singleLine(String($0)) }
            self.init(Self.kind(of: error), located ? lines : lines.map { "error: " + $0 })
        case let error as PostgresStoreError:
            // The description names the store without its password.
            self.init(.storeFailure, ["error: " + singleLine(error.description)])
        case let error as CommandFileError:
            self.init(.invalidInput, ["error: " + singleLine(error.description)])
        case let error as BenchError:
            self.init(.invalidInput, ["error: " + singleLine(error.description)])
        case let error as ArgumentError:
            self.init(.usage, ["Error: " + singleLine(error.message)])
        default:
            return nil
        }
    }

    /// The kind of a runtime error: a persona's own kind, a store problem, or bad input.
    static func kind(of error: RuntimeError) -> CommandFailureKind {
        if error.code == .persona, let cause = error.cause as? PersonaError { return kind(of: cause.code) }
        return error.code == .io ? .storeFailure : .invalidInput
    }

    /// The kind of a persona error: a missing persona, a collision, a store problem or bad input.
    static func kind(of code: PersonaError.Code) -> CommandFailureKind {
        switch code {
        case .notFound: .notFound
        case .conflict, .alreadyExists, .incompatible: .conflict
        case .io, .damaged: .storeFailure
        default: .invalidInput
        }
    }
}
