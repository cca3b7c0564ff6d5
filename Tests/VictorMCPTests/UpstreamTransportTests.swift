import Foundation
import Logging
import Testing
import VictorRuntime

@testable import VictorMCP

/// The gateway's raw requests to an upstream, beside the SDK client's messages.
@Suite struct UpstreamTransportTests {
    /// Sends one `tools/call` through `transport` and waits until it was written; the request's id.
    func start(
        _ transport: UpstreamTransport,
        on inner: ScriptedTransport
    ) async throws -> (Task<JSONValue, any Error>, String) {
        let request = Task { try await transport.request("tools/call", params: ["name": "echo"]) }
        for _ in 0..<200 where inner.sent.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let written = try JSONValue.parse(try #require(inner.sent.last))
        guard case .string(let id)? = written["id"] else { throw CancellationError() }
        return (request, id)
    }

    @Test func answersGoToTheirRequestsAndEverythingElseToTheClient() async throws {
        let inner = ScriptedTransport()
        let transport = UpstreamTransport(inner, logger: inner.logger)
        try await transport.connect()
        var toClient = await transport.receive().makeAsyncIterator()
        let (request, id) = try await start(transport, on: inner)
        #expect(id.hasPrefix(UpstreamTransport.idPrefix))
        let notice = #"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#
        inner.line(notice)
        #expect(try await toClient.next().map { String(decoding: $0, as: UTF8.self) } == notice)
        inner.line(#"{"jsonrpc":"2.0","id":"\#(id)","result":{"content":[{"type":"text","text":"hi"}]}}"#)
        #expect(try await request.value == ["content": [["type": "text", "text": "hi"]]])
        await transport.disconnect()
    }

    @Test func anAnswerThatIsNotStrictJSONFailsItsRequestAtOnce() async throws {
        let inner = ScriptedTransport()
        let transport = UpstreamTransport(inner, logger: inner.logger)
        try await transport.connect()
        let (request, id) = try await start(transport, on: inner)
        inner.line(#"{"jsonrpc":"2.0","id":"\#(id)","result":{"isError":false,"isError":true}}"#)
        let error = await #expect(throws: MCPGatewayError.self) { try await request.value }
        #expect(error?.message.contains("not strict JSON") == true)
        await transport.disconnect()
    }

    @Test func aCancelledRequestIsCancelledUpstream() async throws {
        let inner = ScriptedTransport()
        let transport = UpstreamTransport(inner, logger: inner.logger)
        try await transport.connect()
        let (request, id) = try await start(transport, on: inner)
        request.cancel()
        await #expect(throws: CancellationError.self) { try await request.value }
        for _ in 0..<200 where inner.sent.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let notice = try JSONValue.parse(try #require(inner.sent.last))
        #expect(notice["method"] == .string("notifications/cancelled"))
        #expect(notice["params"]?["requestId"] == .string(id))
        await transport.disconnect()
    }

    @Test func aClosedUpstreamFailsTheRequestsWaiting() async throws {
        let inner = ScriptedTransport()
        let transport = UpstreamTransport(inner, logger: inner.logger)
        try await transport.connect()
        let (request, _) = try await start(transport, on: inner)
        inner.feed.finish()
        await #expect(throws: MCPGatewayError.self) { try await request.value }
    }
}
