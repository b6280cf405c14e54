import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkTestSupport

/// Python with paho-mqtt, from `UPLINK_PYTHON` (scripts/test sets it up in .build-venv).
enum MQTTPaho {
    static func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["UPLINK_PYTHON"], !python.isEmpty else {
            throw MQTTTestSetupError(
                description: "UPLINK_PYTHON is not set: run scripts/test (it creates .build-venv with paho-mqtt)")
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MQTTTestSetupError(description: "UPLINK_PYTHON=\(python) is not an executable: run scripts/test")
        }
        return python
    }

    static func script(filePath: String = #filePath) -> String {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Host/mqtt_paho_peer.py").path
    }

    static func check(in folder: MQTTScratch) async throws -> String {
        let python = try python()
        let probe = try await MQTTChild.run(python, ["-c", "import paho.mqtt"], in: folder, name: "probe")
        guard probe.status == 0 else {
            throw MQTTTestSetupError(
                description: "paho-mqtt is missing from UPLINK_PYTHON=\(python): run scripts/test\n\(probe.err)")
        }
        return python
    }
}

@Suite("interop with Python paho-mqtt as the other party", .serialized)
struct PahoInteropTests {
    static let count = 50

    /// A scratch folder, paho's Python (checked), mosquitto and our client of it, connected; the client disconnected
    /// and the broker stopped when `body` ends, however it ends.
    static func withBrokerAndClient(
        _ version: MQTTProtocolVersion, _ body: (MQTTScratch, String, Mosquitto, MQTTClient) async throws -> Void
    ) async throws {
        let folder = try MQTTScratch("paho")
        let python = try await MQTTPaho.check(in: folder)
        let broker = try await Mosquitto()
        try await withCleanup {
            let client = try await MQTTTestClient.connected("us", port: broker.port, version: version)
            try await withCleanup {
                try await body(folder, python, broker, client)
            } cleanup: {
                await client.disconnect()
            }
        } cleanup: {
            await broker.stop()
        }
    }

    @Test("paho publishes, we subscribe: every QoS", arguments: MQTTVersions.all)
    func pahoPublishes(version: MQTTProtocolVersion) async throws {
        try await Self.withBrokerAndClient(version) { folder, python, broker, client in
            for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                let collector = MQTTCollector(try await client.subscribe(to: "interop/in/\(qos.rawValue)", qos: qos))
                let run = try await MQTTChild.run(
                    python,
                    [
                        MQTTPaho.script(), "pub", "--port", "\(broker.port)", "--topic", "interop/in/\(qos.rawValue)",
                        "--qos", "\(qos.rawValue)", "--count", "\(Self.count)", "--version",
                        version == .v5 ? "5" : "311",
                    ],
                    in: folder, name: "pahopub\(qos.rawValue)")
                #expect(run.status == 0, "paho pub failed: \(run.err)")
                try await collector.waitFor(Self.count)
                #expect(collector.messages.map(\.payloadString) == (0..<Self.count).map(String.init))
                #expect(collector.messages.allSatisfy { $0.qos == qos })
            }
        }
    }

    @Test("we publish, paho subscribes: every QoS", arguments: MQTTVersions.all)
    func pahoSubscribes(version: MQTTProtocolVersion) async throws {
        try await Self.withBrokerAndClient(version) { folder, python, broker, client in
            for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                let name = "pahosub\(qos.rawValue)"
                let sub = try MQTTChild.start(
                    python,
                    [
                        MQTTPaho.script(), "sub", "--port", "\(broker.port)", "--topic", "interop/out/\(qos.rawValue)",
                        "--qos", "\(qos.rawValue)", "--count", "\(Self.count)", "--version",
                        version == .v5 ? "5" : "311",
                        "--timeout", "30",
                    ],
                    in: folder, name: name)
                try await mqttEventually("paho subscribed", seconds: 15) {
                    folder.read("\(name).out").contains("READY")
                }
                for index in 0..<Self.count {
                    try await client.enqueue(
                        MQTTMessage(topic: "interop/out/\(qos.rawValue)", string: "\(index)", qos: qos))
                }
                try await client.flush()
                let finished = await MQTTChild.wait(sub, seconds: 30)
                if !finished { await MQTTChild.kill9(sub) }
                #expect(finished && sub.exitStatus == 0, "paho sub failed: \(folder.read("\(name).err"))")
                let lines = folder.read("\(name).out").split(separator: "\n").map(String.init).filter { $0 != "READY" }
                #expect(lines == (0..<Self.count).map { "\(qos.rawValue) \($0)" })
            }
        }
    }
}
