import Synchronization
import Testing
import VictorEvents
import VictorLocks

struct Ping: VictorEvent {
    static let name = "test.ping"
    let value: Int
}

struct Pong: VictorEvent {
    static let name = "test.pong"
    let value: Int
}

struct HandlerFailure: Error {}

/// Collects values from a `@Sendable` handler.
final class Recorder<T: Sendable>: Sendable {
    private let storage = Locked<[T]>([])
    func append(_ value: T) { storage.withLock { $0.append(value) } }
    var values: [T] { storage.withLock { $0 } }
}

@Suite struct EventBusTests {
    @Test func typedSubscriberReceivesOnlyItsType() {
        let bus = EventBus()
        let pings = Recorder<Int>()
        bus.subscribe(to: Ping.self) { pings.append($0.value) }
        bus.publish(Ping(value: 1))
        bus.publish(Pong(value: 2))
        bus.publish(Ping(value: 3))
        #expect(pings.values == [1, 3])
    }

    @Test func wildcardSubscriberReceivesEveryType() {
        let bus = EventBus()
        let names = Recorder<String>()
        bus.subscribeToAll { names.append($0.name) }
        bus.publish(Ping(value: 1))
        bus.publish(Pong(value: 2))
        #expect(names.values == ["test.ping", "test.pong"])
    }

    @Test func handlersRunInSubscriptionOrder() {
        let bus = EventBus()
        let order = Recorder<String>()
        bus.subscribe(to: Ping.self) { _ in order.append("first") }
        bus.subscribeToAll { _ in order.append("wildcard") }
        bus.subscribe(to: Ping.self) { _ in order.append("second") }
        bus.publish(Ping(value: 0))
        #expect(order.values == ["first", "second", "wildcard"])
    }

    @Test func unsubscribeStopsDeliveryAndIsIdempotent() {
        let bus = EventBus()
        let pings = Recorder<Int>()
        let subscription = bus.subscribe(to: Ping.self) { pings.append($0.value) }
        bus.publish(Ping(value: 1))
        bus.unsubscribe(subscription)
        bus.unsubscribe(subscription)
        bus.publish(Ping(value: 2))
        #expect(pings.values == [1])
        #expect(bus.statistics.subscriptions == 0)
        #expect(!bus.hasSubscribers(for: Ping.self))
    }

    @Test func failingHandlerDoesNotStopOthers() {
        let bus = EventBus()
        let received = Recorder<Int>()
        bus.subscribe(to: Ping.self) { _ in throw HandlerFailure() }
        bus.subscribe(to: Ping.self) { received.append($0.value) }
        bus.publish(Ping(value: 7))
        bus.publish(Ping(value: 8))
        #expect(received.values == [7, 8])
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
