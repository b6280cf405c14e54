import MQTTCodec
import UplinkMQTT

/// QoS 1 publish throughput: `clients` publishers, connected first, share `count` publishes; each client keeps up
/// to `window` of them in flight (each of its `window` senders awaits its PUBACK before its next). Every publish
/// is timed (send to PUBACK) and so is the whole.
enum IoTBenchPublishing {
    static func run(
        clients: [MQTTClient], topics: [String], count: Int, window: Int, progress: IoTBenchProgress?
    ) async throws -> IoTBenchSample {
        for client in clients { _ = try await client.connect() }
        let payload = [UInt8](repeating: 0x55, count: 64)
        let senders = clients.count * window
        let start = ContinuousClock.now
        var durations: [Duration] = []
        durations.reserveCapacity(count)
        try await withThrowingTaskGroup(of: [Duration].self) { group in
            for sender in 0..<senders {
                let client = clients[sender % clients.count]
                let topic = topics[sender % clients.count]
                let share = count / senders + (sender < count % senders ? 1 : 0)
                group.addTask {
                    var timings: [Duration] = []
                    timings.reserveCapacity(share)
                    for _ in 0..<share {
                        let sent = ContinuousClock.now
                        let code = try await client.publish(
                            MQTTMessage(topic: topic, payload: payload, qos: .atLeastOnce))
                        guard code.isSuccess else {
                            throw IoTBenchError("a QoS 1 publish on \(topic) was refused (\(code))")
                        }
                        timings.append(ContinuousClock.now - sent)
                        progress?.advance()
                    }
                    return timings
                }
            }
            for try await timings in group { durations += timings }
        }
        let elapsed = ContinuousClock.now - start
        progress?.finish()
        for client in clients { await client.disconnect() }
        return IoTBenchSample(durations: durations, elapsed: elapsed)
    }
}
