import Testing
import VictorAuthorization
import VictorDocuments
import VictorRuntime

@testable import VictorServer

/// Request members read from the JSON reader's tape: the same values and the same located errors
/// as reading a converted value would give, in document order.
@Suite struct RequestFieldsTests {
    func fields(_ text: String, allowed: AllowedKeys?) throws -> RequestFields {
        try RequestFields(RequestBodyReader.tape(Array(text.utf8), maxDepth: 16), allowed: allowed)
    }

    func failure(_ body: () throws -> Void) -> ServerError? {
        do {
            try body()
            return nil
        } catch let error as ServerError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func membersAreReadWhereTheyStand() throws {
        let body = #"""
            {"user": "alice", "requests": [{"resource": "docs/a", "action": "read"}, {"action": "write",
             "resource": "docs/b"}], "context": {"tier": 3, "tags": ["x", "y"], "ok": true}}
            """#
        let fields = try fields(body, allowed: ["user", "requests", "context"])
        #expect(try fields.name("user") == "alice")
        let pairs = try fields.items("requests").map { entry in
            let pair = try RequestFields(fields.tape, at: entry, allowed: ["resource", "action"])
            return [try pair.name("resource"), try pair.name("action")]
        }
        #expect(pairs == [["docs/a", "read"], ["docs/b", "write"]])
        #expect(
            try fields.context()
                == ["tier": .integer(3), "tags": .list([.string("x"), .string("y")]), "ok": .boolean(true)]
        )
        #expect(
            try fields.array("requests")
                == [["resource": "docs/a", "action": "read"], ["resource": "docs/b", "action": "write"]]
        )
        #expect(fields.value("missing") == [:])
        #expect(try fields.optionalName("missing") == nil)
    }

    @Test func refusalsNameTheMember() throws {
        #expect(
            failure { _ = try fields("[1]", allowed: ["a"]) }?.message == "the body must be a JSON object, not array"
        )
        let unknown = failure { _ = try fields(#"{"b": 1, "zz": 2, "c": 3}"#, allowed: ["b"]) }
        #expect(unknown?.message == "unknown key 'c'; expected one of b")
        let body = try fields(#"{"n": 3, "s": null, "o": [], "i": 1.5}"#, allowed: nil)
        #expect(failure { _ = try body.name("n") }?.message == "n must be a string, not integer")
        #expect(failure { _ = try body.name("absent") }?.message == "missing key absent")
        #expect(try body.optionalString("s") == nil)
        #expect(failure { _ = try body.object("o") }?.message == "o must be an object, not array")
        #expect(failure { _ = try body.integer("i", in: 0...9) }?.location?.path == "i")
        #expect(failure { _ = try body.items("n") }?.message == "n must be an array")
        #expect(failure { _ = try body.flag("n") }?.message == "n must be true or false")
        #expect(try body.object("s") == [:])
        #expect(try body.flag("absent") == nil)
        #expect(try fields(#"{"f": false}"#, allowed: ["f"]).flag("f") == false)
    }

    /// A context is checked member by member in the order the body gives them, so the same body
    /// always names the same member.
    @Test func aContextIsCheckedInDocumentOrder() throws {
        for (first, second) in [("b", "a"), ("a", "b"), ("zeta", "alpha")] {
            let body = try fields(#"{"context": {"\#(first)": {"x": 1}, "\#(second)": null}}"#, allowed: nil)
            let error = failure { _ = try body.context() }
            #expect(error?.location?.path == "context.\(first)")
        }
    }
}
