import Testing
import VictorEvents
import VictorTestSupport

@Suite struct EventInterestTests {
    @Test func interestFollowsSubscriptionsOfItsTypeAndWildcards() {
        let bus = EventBus()
        let pings = bus.interest(in: Ping.self)
        #expect(!pings.hasSubscribers)
        let pong = bus.subscribe(to: Pong.self) { _ in }
        #expect(!pings.hasSubscribers, "a subscriber to another type is no interest in pings")
        let ping = bus.subscribe(to: Ping.self) { _ in }
        #expect(pings.hasSubscribers)
        #expect(bus.interest(in: Ping.self) === pings, "one interest per type")
        bus.unsubscribe(ping)
        bus.unsubscribe(ping)
        #expect(!pings.hasSubscribers, "unsubscribing twice counts once")
        let all = bus.subscribeToAll { _ in }
        #expect(pings.hasSubscribers, "a wildcard subscriber hears every type")
        bus.unsubscribe(all)
        #expect(!pings.hasSubscribers)
        bus.unsubscribe(pong)
    }

    @Test func interestAskedBeforeAnySubscriberSeesLaterOnes() {
        let bus = EventBus()
        let early = bus.interest(in: Ping.self)
        let received = EventRecorder<Int>()
        bus.subscribe(to: Ping.self) { received.record($0.value) }
        #expect(early.hasSubscribers)
        bus.publish(Ping(value: 7))
        #expect(received.events == [7])
    }

    @Test func streamInterestEndsWithTheStream() async {
        let bus = EventBus()
        let pings = bus.interest(in: Ping.self)
        do {
            let stream = bus.events(of: Ping.self, bufferSize: 1)
            #expect(pings.hasSubscribers)
            bus.publish(Ping(value: 1))
            bus.publish(Ping(value: 2))
            #expect(bus.statistics.dropped == 1, "a full buffer drops the oldest event")
            var iterator = stream.makeAsyncIterator()
            #expect(await iterator.next()?.value == 2)
        }
        // The stream is gone: its termination handler unsubscribed it.
        #expect(!pings.hasSubscribers)
    }
}
