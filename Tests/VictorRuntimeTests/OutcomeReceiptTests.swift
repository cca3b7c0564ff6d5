import Testing
import VictorRuntime
import VictorTestSupport

@Suite struct OutcomeReceiptTests {
    func allowedCall() async throws -> (GateFixture, AgentSession, ToolCall, GateDecision) {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker", id: "s-1")
        let call = ToolCall(id: "c-1", tool: "search", arguments: ["query": "cafe\u{301}"])
        let decision = fixture.runtime.authorize(call, in: session)
        try #require(decision.allowed)
        return (fixture, session, call, decision)
    }

    @Test func aSealedReceiptOpensUnderItsKeyOnly() async throws {
        let (_, session, call, decision) = try await allowedCall()
        let receipt = try #require(OutcomeReceipt(call: call, decision: decision, session: session))
        #expect(receipt.argumentsDigest == AgentRuntime.digest(["query": "caf\u{E9}"]))
        let key = ReceiptKey.random()
        let sealed = receipt.sealed(with: key)
        #expect(try OutcomeReceipt(sealed: sealed, key: key) == receipt)
        #expect(throws: RuntimeError.self) { try OutcomeReceipt(sealed: sealed, key: .random()) }
    }

    @Test(arguments: [
        "", ".", "a", "a.b.c", "abc.", ".abc", "a b.c", "YQ.YQ", "YQ==.YQ==", "Y.YQ",
        String(repeating: "A", count: OutcomeReceipt.maximumLength) + ".A",
    ])
    func malformedReceiptsAreRefused(_ text: String) {
        #expect(throws: RuntimeError.self) {
            try OutcomeReceipt(sealed: text, key: ReceiptKey(bytes: Array(repeating: 1, count: 32)))
        }
    }

    /// Every single-byte change of a sealed receipt is refused.
    @Test func anyChangedByteBreaksTheSeal() async throws {
        let (_, session, call, decision) = try await allowedCall()
        let key = ReceiptKey.random()
        let sealed = Array(
            try #require(OutcomeReceipt(call: call, decision: decision, session: session)).sealed(with: key).utf8
        )
        for index in sealed.indices {
            var changed = sealed
            changed[index] = changed[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            let text = String(decoding: changed, as: UTF8.self)
            #expect(throws: RuntimeError.self, "byte \(index)") { try OutcomeReceipt(sealed: text, key: key) }
        }
    }

    /// The last character of the MAC (32 bytes, 43 characters) carries 2 unused bits: flipping
    /// one leaves the bytes a lenient decoder reads unchanged, and the receipt is still refused.
    @Test func aReceiptHasOneSpelling() async throws {
        let (_, session, call, decision) = try await allowedCall()
        let key = ReceiptKey(bytes: Array(repeating: 7, count: 32))
        let sealed = try #require(OutcomeReceipt(call: call, decision: decision, session: session)).sealed(with: key)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let lastCharacter = try #require(sealed.last)
        let last = try #require(alphabet.firstIndex(of: lastCharacter))
        let respelled = String(sealed.dropLast()) + String(alphabet[last ^ 1])
        #expect(throws: RuntimeError.self) { try OutcomeReceipt(sealed: respelled, key: key) }
        #expect(try OutcomeReceipt(sealed: sealed, key: key).callID == call.id)
    }

    @Test func onlyAnAllowedCallHasAReceipt() async throws {
        let fixture = try GateFixture()
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker")
        let call = ToolCall(id: "c-2", tool: "shell")
        let decision = fixture.runtime.authorize(call, in: session)
        #expect(!decision.allowed)
        #expect(OutcomeReceipt(call: call, decision: decision, session: session) == nil)
    }

    @Test func theOutcomeRecordCarriesTheDecisionsFactsAndNoArguments() async throws {
        let fixture = try GateFixture(options: RuntimeOptions(recordArguments: true))
        let session = try await fixture.runtime.openSession(user: "alice", persona: "worker", id: "s-2")
        let call = ToolCall(id: "c-3", tool: "search", arguments: ["query": "x"])
        let decision = fixture.runtime.authorize(call, in: session)
        let receipt = try #require(OutcomeReceipt(call: call, decision: decision, session: session))
        try fixture.runtime.recordOutcome(.timedOut, receipt: receipt, in: session, duration: .milliseconds(3))
        let records = fixture.audit.records
        try #require(records.count == 2)
        let (decided, outcome) = (records[0], records[1])
        #expect(outcome.event == .outcome && outcome.outcome == .timedOut)
        #expect(outcome.callID == decided.callID && outcome.tool == decided.tool)
        #expect(outcome.argumentsDigest == decided.argumentsDigest && outcome.arguments == nil)
        #expect(outcome.step == decided.step && outcome.reason == decided.reason && outcome.policy == decided.policy)
        #expect(outcome.durationNanoseconds == 3_000_000)

        let other = try await fixture.runtime.openSession(user: "alice", persona: "worker", id: "s-3")
        #expect(throws: RuntimeError.self) {
            try fixture.runtime.recordOutcome(.succeeded, receipt: receipt, in: other)
        }
        #expect(fixture.audit.records.count == 2)
    }
}
