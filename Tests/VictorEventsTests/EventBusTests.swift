import Testing
import VictorEvents
import VictorTestSupport

struct Ping: VictorEvent {
    static let name = "test.ping"
    let value: Int
}

struct Pong: VictorEvent {
    static let name = "test.pong"
    let value: Int
}

struct HandlerFailure: Error {}

@Suite struct EventBusTests {
    @Test func typedSubscriberReceivesOnlyItsType() {
        let bus = EventBus()
        let pings = EventRecorder<Int>()
        bus.subscribe(to: Ping.self) { pings.record($0.value) }
        bus.publish(Ping(value: 1))
        bus.publish(Pong(value: 2))
        bus.publish(Ping(value: 3))
        #expect(pings.events == [1, 3])
    }

    @Test func wildcardSubscriberReceivesEveryType() {
        let bus = EventBus()
        let names = EventRecorder<String>()
        bus.subscribeToAll { names.record($0.name) }
        bus.publish(Ping(value: 1))
        bus.publish(Pong(value: 2))
        #expect(names.events == ["test.ping", "test.pong"])
    }

    @Test func handlersRunInSubscriptionOrder() {
        let bus = EventBus()
        let order = EventRecorder<String>()
        bus.subscribe(to: Ping.self) { _ in order.record("first") }
        bus.subscribeToAll { _ in order.record("wildcard") }
        bus.subscribe(to: Ping.self) { _ in order.record("second") }
        bus.publish(Ping(value: 0))
        #expect(order.events == ["first", "second", "wildcard"])
    }

    @Test func unsubscribeStopsDeliveryAndIsIdempotent() {
        let bus = EventBus()
        let pings = EventRecorder<Int>()
        let subscription = bus.subscribe(to: Ping.self) { pings.record($0.value) }
        bus.publish(Ping(value: 1))
        bus.unsubscribe(subscription)
        bus.unsubscribe(subscription)
        bus.publish(Ping(value: 2))
        #expect(pings.events == [1])
        #expect(bus.statistics.subscriptions == 0)
        #expect(!bus.hasSubscribers(for: Ping.self))
    }

    @Test func failingHandlerDoesNotStopOthers() {
        let bus = EventBus()
        let received = EventRecorder<Int>()
        bus.subscribe(to: Ping.self) { _ in throw HandlerFailure() }
        bus.subscribe(to: Ping.self) { received.record($0.value) }
        bus.publish(Ping(value: 7))
        bus.publish(Ping(value: 8))
        #expect(received.events == [7, 8])
        let statistics = bus.statistics
        #expect(statistics.handlerFailures == 2)
        #expect(statistics.delivered == 2)
        #expect(statistics.published == 2)
    }

    @Test func hasSubscribersReflectsTypedAndWildcardSubscriptions() {
        let bus = EventBus()
        #expect(!bus.hasSubscribers(for: Ping.self))
        let typed = bus.subscribe(to: Pong.self) { _ in }
        #expect(!bus.hasSubscribers(for: Ping.self))
        #expect(bus.hasSubscribers(for: Pong.self))
        bus.unsubscribe(typed)
        bus.subscribeToAll { _ in }
        #expect(bus.hasSubscribers(for: Ping.self))
    }

    @Test func streamDeliversEventsInOrder() async {
        let bus = EventBus()
        let stream = bus.events(of: Ping.self)
        for value in 0..<5 { bus.publish(Ping(value: value)) }
        var received: [Int] = []
        for await event in stream {
            received.append(event.value)
            if received.count == 5 { break }
        }
        #expect(received == [0, 1, 2, 3, 4])
    }

    @Test func slowStreamDropsOldestWithoutBlockingThePublisher() async {
        let bus = EventBus()
        let stream = bus.events(of: Ping.self, bufferSize: 3)
        for value in 0..<10 { bus.publish(Ping(value: value)) }
        #expect(bus.statistics.dropped == 7)
        var received: [Int] = []
        for await event in stream {
            received.append(event.value)
            if received.count == 3 { break }
        }
        #expect(received == [7, 8, 9])
    }

    @Test func endingAStreamUnsubscribes() async {
        let bus = EventBus()
        do {
            let stream = bus.allEvents()
            #expect(bus.statistics.subscriptions == 1)
            bus.publish(Pong(value: 1))
            for await event in stream {
                #expect(event.name == "test.pong")
                break
            }
        }
        // The stream's termination handler runs when the iteration ends and the stream is released.
        for _ in 0..<100 where bus.statistics.subscriptions > 0 { await Task.yield() }
        #expect(bus.statistics.subscriptions == 0)
    }
}
