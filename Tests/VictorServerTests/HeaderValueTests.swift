import HTTPTypes
import Testing

@testable import VictorServer

/// `HTTPFields.value(_:)` reads a header exactly as the fields' own subscript does.
@Suite struct HeaderValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var fields: [(String, String)]
        var name: String
        var testDescription: String { "\(name) among \(fields.map(\.0))" }
    }

    @Test(arguments: [
        Case(fields: [], name: "Authorization"),
        Case(fields: [("Origin", "https://a.example")], name: "Authorization"),
        Case(fields: [("Authorization", "Bearer t")], name: "Authorization"),
        // Names match whatever their case.
        Case(fields: [("AUTHORIZATION", "Bearer t")], name: "authorization"),
        // Several fields: their values in order, joined; cookies with a semicolon.
        Case(fields: [("If-Match", "\"1\""), ("Origin", "o"), ("if-match", "\"2\"")], name: "If-Match"),
        Case(fields: [("Cookie", "a=1"), ("Cookie", "b=2"), ("Cookie", "")], name: "Cookie"),
        Case(fields: [("X-Request-ID", ""), ("X-Request-ID", "r")], name: "x-request-id"),
    ])
    func readsAsTheSubscriptDoes(_ example: Case) throws {
        var fields = HTTPFields()
        for (name, value) in example.fields {
            fields.append(HTTPField(name: try #require(HTTPField.Name(name)), value: value))
        }
        let name = try #require(HTTPField.Name(example.name))
        #expect(fields.value(name) == fields[name])
    }

    @Test func anAbsentFieldIsNilAndAnEmptyOneIsEmpty() throws {
        let name = try #require(HTTPField.Name("X-Empty"))
        var fields = HTTPFields()
        #expect(fields.value(name) == nil)
        fields.append(HTTPField(name: name, value: ""))
        #expect(fields.value(name) == "")
    }
}
