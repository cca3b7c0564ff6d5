import Foundation
import Logging
import MCP
import Synchronization
import Testing
import VictorRuntime

@testable import VictorMCP

/// A transport fed by the test, recording what is sent on it.
actor ScriptedTransport: Transport {
    nonisolated let logger = Logger(label: "test")
    nonisolated let incoming: AsyncThrowingStream<Data, any Error>
    nonisolated let feed: AsyncThrowingStream<Data, any Error>.Continuation
    private nonisolated let sentLines = Mutex<[String]>([])

    init() {
        (incoming, feed) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    nonisolated var sent: [String] { sentLines.withLock { $0 } }

    func connect() async throws {}
    func disconnect() async { feed.finish() }
    func send(_ data: Data) async throws { sentLines.withLock { $0.append(String(decoding: data, as: UTF8.self)) } }
    func receive() -> AsyncThrowingStream<Data, any Error> { incoming }

    nonisolated func line(_ text: String) { feed.yield(Data(text.utf8)) }
}

/// The calls a handler received.
final class CallLog: Sendable {
    private let calls = Mutex<[(String, String, JSONValue)]>([])
    func add(_ call: (String, String, JSONValue)) { calls.withLock { $0.append(call) } }
    var all: [(String, String, JSONValue)] { calls.withLock { $0 } }
}

@Suite struct FastCallTransportTests {
    /// Polls until `probe` holds, for at most two seconds.
    func eventually(_ probe: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if probe() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return probe()
    }

    @Test func callsAfterTheHandshakeAreAnsweredBesideTheSDKEvenWithEscapedSlashes() async throws {
        let inner = ScriptedTransport()
        let log = CallLog()
        let transport = FastCallTransport(inner, logger: inner.logger) { requestID, name, arguments in
            log.add((requestID, name, arguments))
            return ["content": [["type": "text", "text": "ok"]]]
        }
        try await transport.connect()
        var toSDK = await transport.receive().makeAsyncIterator()

        // Before the client's initialized notification, a call goes to the SDK.
        let early = #"{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"fx.echo"}}"#
        inner.line(early)
        #expect(try await toSDK.next().map { String(decoding: $0, as: UTF8.self) } == early)

        let initialized = #"{"jsonrpc":"2.0","method":"notifications\/initialized"}"#
        inner.line(initialized)
        #expect(try await toSDK.next().map { String(decoding: $0, as: UTF8.self) } == initialized)

        inner.line(
            #"{"jsonrpc":"2.0","id":7,"method":"tools\/call","params":{"name":"fx.echo","arguments":{"text":"a"}}}"#
        )
        #expect(try await eventually { inner.sent.count == 1 })
        let answer = try JSONValue.parse(try #require(inner.sent.first))
        #expect(answer["id"] == .integer(7))
        #expect(answer["result"]?["content"] == [["type": "text", "text": "ok"]])
        let calls = log.all
        try #require(calls.count == 1)
        #expect(calls[0].0 == "7")
        #expect(calls[0].1 == "fx.echo")
        #expect(calls[0].2 == ["text": "a"])

        // Not a call the fast path can read: the SDK answers it with the protocol's error.
        let malformed = #"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":3}}"#
        inner.line(malformed)
        #expect(try await toSDK.next().map { String(decoding: $0, as: UTF8.self) } == malformed)
        await transport.disconnect()
    }

    @Test func aCallThatIsNotStrictJSONIsRefusedWithAParseErrorAndNeverDecided() async throws {
        let inner = ScriptedTransport()
        let log = CallLog()
        let transport = FastCallTransport(inner, logger: inner.logger) { requestID, name, arguments in
            log.add((requestID, name, arguments))
            return ["content": []]
        }
        try await transport.connect()
        inner.line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        // Two readings of "path": a lenient parser keeps one of them, the gate might see the other.
        inner.line(
            #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"fx.read","arguments":{"path":"a","path":"/secret"}}}"#
        )
        #expect(try await eventually { inner.sent.count == 1 })
        let answer = try JSONValue.parse(try #require(inner.sent.first))
        #expect(answer["id"] == .integer(9))
        #expect(answer["error"]?["code"] == .integer(-32700))
        guard case .string(let message)? = answer["error"]?["message"] else {
            Issue.record("no message in \(answer)")
            return
        }
        #expect(message.contains("not strict JSON"))
        #expect(message.contains("path"))
        #expect(log.all.isEmpty, "a refused call reached the gate")
        await transport.disconnect()
    }

    @Test func messagesAreReadAsTheFastPathNeeds() {
        func reading(_ text: String) -> FastCallTransport.Reading { FastCallTransport.reading(Data(text.utf8)) }
        #expect(
            reading(#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"a.b"}}"#)
                == .call(id: "x", name: "a.b", arguments: [:])
        )
        // Not calls, or calls the SDK should answer: a list, a boolean id, non-object arguments.
        #expect(reading(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#) == .other)
        #expect(reading(#"{"jsonrpc":"2.0","id":true,"method":"tools/call","params":{"name":"a.b"}}"#) == .other)
        #expect(
            reading(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a.b","arguments":[1]}}"#)
                == .other
        )
        #expect(reading(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","x":1,"x":2}"#) == .other)
        #expect(reading("not json, mentions call") == .other)
    }

    @Test func aCancelledCallIsCancelledAndNotAnswered() async throws {
        let inner = ScriptedTransport()
        let started = CallLog()
        let cancelled = Mutex(false)
        let transport = FastCallTransport(inner, logger: inner.logger) { requestID, name, arguments in
            started.add((requestID, name, arguments))
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.withLock { $0 = true }
                return nil
            }
            return ["content": []]
        }
        try await transport.connect()
        inner.line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        inner.line(#"{"jsonrpc":"2.0","id":"c-1","method":"tools/call","params":{"name":"fx.slow"}}"#)
        #expect(try await eventually { started.all.count == 1 })
        inner.line(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c-1"}}"#)
        #expect(try await eventually { cancelled.withLock { $0 } })
        try await Task.sleep(for: .milliseconds(50))
        #expect(inner.sent.isEmpty, "a cancelled call was answered: \(inner.sent)")
        await transport.disconnect()
    }

    @Test func aCallReusingTheIdOfOneInFlightIsRefusedAndNeverRun() async throws {
        let inner = ScriptedTransport()
        let started = CallLog()
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let transport = FastCallTransport(inner, logger: inner.logger) { requestID, name, arguments in
            started.add((requestID, name, arguments))
            if name == "fx.slow" {
                for await _ in release { break }
            }
            return ["content": [["type": "text", "text": .string(name)]]]
        }
        try await transport.connect()
        inner.line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        inner.line(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"fx.slow"}}"#)
        #expect(try await eventually { started.all.count == 1 })

        // The same id while the first call runs: an invalid request, answered, not run.
        inner.line(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"fx.other"}}"#)
        #expect(try await eventually { inner.sent.count == 1 })
        let refusal = try JSONValue.parse(try #require(inner.sent.first))
        #expect(refusal["id"] == .integer(5))
        #expect(refusal["error"]?["code"] == .integer(-32600))
        #expect(refusal["result"] == nil)
        #expect(started.all.map(\.1) == ["fx.slow"])

        // The first call still gets its own answer, and once it has, the id is free again.
        releaser.yield()
        #expect(try await eventually { inner.sent.count == 2 })
        let answer = try JSONValue.parse(inner.sent[1])
        #expect(answer["id"] == .integer(5))
        #expect(answer["result"]?["content"] == [["type": "text", "text": "fx.slow"]])
        inner.line(#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"fx.other"}}"#)
        #expect(try await eventually { inner.sent.count == 3 })
        #expect(try JSONValue.parse(inner.sent[2])["result"]?["content"] == [["type": "text", "text": "fx.other"]])
        await transport.disconnect()
    }

    @Test func aCallCancelledAndItsIdReusedLeavesTheNewCallCancellable() async throws {
        let inner = ScriptedTransport()
        let started = CallLog()
        let cancellations = Mutex(0)
        let transport = FastCallTransport(inner, logger: inner.logger) { requestID, name, arguments in
            started.add((requestID, name, arguments))
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                // The cancelled first call ends only after its id was reused (a detached sleep:
                // this task's own would end at once, cancelled).
                let cancelled = cancellations.withLock { count in
                    count += 1
                    return count
                }
                if cancelled == 1 {
                    await Task.detached { try? await Task.sleep(for: .milliseconds(100)) }.value
                }
                return nil
            }
            return ["content": []]
        }
        try await transport.connect()
        inner.line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        let call = #"{"jsonrpc":"2.0","id":"r","method":"tools/call","params":{"name":"fx.slow"}}"#
        let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r"}}"#
        inner.line(call)
        #expect(try await eventually { started.all.count == 1 })
        inner.line(cancel)
        #expect(try await eventually { cancellations.withLock { $0 } == 1 })
        inner.line(call)
        #expect(try await eventually { started.all.count == 2 })
        // The first call's end must not forget the second: cancelling the id still reaches it.
        try await Task.sleep(for: .milliseconds(200))
        inner.line(cancel)
        #expect(try await eventually { cancellations.withLock { $0 } == 2 })
        #expect(inner.sent.isEmpty, "a cancelled call was answered: \(inner.sent)")
        await transport.disconnect()
    }
}
