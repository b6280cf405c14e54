import Foundation
import MQTTCodec
import Synchronization
import Testing
import UplinkIoTFront
import UplinkMQTT

/// The front between a fast device and a broker that stalls (a real mosquitto, stopped with SIGSTOP): it stops
/// reading the device instead of buffering, and delivers everything once the broker resumes.
@Suite("IoT front: backpressure from a stalled broker", .serialized, .timeLimit(.minutes(10)))
struct FrontBackpressureTests {
    static let payload = [UInt8](repeating: 0x42, count: 64 * 1024)
    /// 600 × 64 KiB = 37.5 MiB: more than the sockets' buffers between the device and a stopped broker hold (12 MiB
    /// measured on loopback here), so a front that buffered instead of holding the device back would take all of it.
    static let count = 600

    /// Waits until `counter` reaches `value`, for at most `seconds`.
    static func reaches(_ counter: borrowing Atomic<Int>, _ value: Int, within seconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while counter.load(ordering: .relaxed) < value, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        return counter.load(ordering: .relaxed) >= value
    }

    /// Waits until `counter` has not moved for `quiet` seconds (at most `seconds` in all); its value then, or `nil`
    /// when it kept moving.
    static func settles(_ counter: borrowing Atomic<Int>, quiet: Double, within seconds: Double) async throws -> Int? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last = counter.load(ordering: .relaxed)
        var since = ContinuousClock.now
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let now = counter.load(ordering: .relaxed)
            if now != last {
                last = now
                since = ContinuousClock.now
            } else if ContinuousClock.now - since >= .seconds(quiet) {
                return now
            }
        }
        return nil
    }

    @Test("A device flooding a stalled broker is held back by TCP; once the broker resumes, every message arrives")
    func stalledBroker() async throws {
        let rig = try await BrokerBehaviourTests.onboarded()
        let name = rig.pki.devices[0].name
        let topic = "devices/\(name)/flood"
        let observer = try await rig.observer()
        let inbox = try await observer.subscribe(to: topic, qos: .atMostOnce)
        let received = Atomic<Int>(0)
        let counting = Task {
            for try await _ in inbox {
                if received.add(1, ordering: .relaxed).newValue == Self.count { return }
            }
        }
        let device = try rig.device()
        try await within(30, "connect") { _ = try await device.connect() }

        rig.broker.pause()
        let sent = Atomic<Int>(0)
        let flooding = Task {
            for _ in 0..<Self.count {
                try await device.publish(MQTTMessage(topic: topic, payload: Self.payload, qos: .atMostOnce))
                sent.add(1, ordering: .relaxed)
            }
        }
        // While the broker is stopped, the device gets rid of what the sockets' buffers hold, then waits: the count
        // of messages sent stops short of the whole flood (and does not move for 3 s).
        let sentWhilePaused = try await Self.settles(sent, quiet: 3, within: 120)
        rig.broker.resume()
        #expect(sentWhilePaused != nil, "the device kept sending to a stalled broker: \(sent.load(ordering: .relaxed))")
        #expect(
            (sentWhilePaused ?? Self.count) < Self.count,
            "the front took all \(Self.count) × 64 KiB from a stalled broker's device")

        // Polled, so that a step that never ends fails here instead of holding the test.
        #expect(try await Self.reaches(sent, Self.count, within: 240), "published \(sent.load(ordering: .relaxed))")
        #expect(
            try await Self.reaches(received, Self.count, within: 240), "received \(received.load(ordering: .relaxed))")
        flooding.cancel()
        counting.cancel()
        #expect(device.isConnected)
        await device.disconnect()
        await observer.disconnect()
        await rig.stop()
    }
}
