import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// A broker that keeps sending but stops reading: input keeps arriving, so the keep alive never fires, and the
/// client's output used to grow without bound (issue 12). The write-stall timeout closes the connection with a clear
/// error. A real broker cannot be told to stop reading: an in-process peer that never reads after CONNECT.
@Suite("write stall: a broker that stops reading is detected", .timeLimit(.minutes(1)))
struct WriteStallTests {
    @Test("the connection closes with writeStalled; waiting publishers fail; the output stays bounded")
    func stalledPeer() async throws {
        let broker = try await MQTTFakeBroker()
        let stop = MQTTLockedBox(false)
        let serving = Task {
            try await broker.serve { peer in
                try await peer.accept()
                // Never reads again; keeps sending PINGRESP (harmless input that keeps the keep alive happy).
                while !stop.value {
                    try await peer.send(.pingresp)
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        let client = try hostileClient(port: broker.port, version: .v5) {
            $0.keepAlive = 1
            $0.pingTimeout = .seconds(1)
            $0.writeStallTimeout = .seconds(2)
        }
        try await client.connect()
        let publisher = Task {
            let payload = [UInt8](repeating: 0x55, count: 256 * 1024)
            while true { try await client.publish(MQTTMessage(topic: "t", payload: payload, qos: .atMostOnce)) }
        }
        try await mqttWithTimeout(20, "the stalled connection is detected") {
            try await mqttEventually("the client gives up", seconds: 20) { !client.isConnected }
        }
        #expect(
            client.lastConnectionError == .writeStalled(.seconds(2)),
            "\(String(describing: client.lastConnectionError))")
        let result = await publisher.result
        #expect(throws: MQTTClientError.self) { try result.get() }
        stop.value = true
        await client.disconnect()
        _ = await serving.result
    }
}
