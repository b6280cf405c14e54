import Foundation
import Testing
import UplinkCredentials
import UplinkTestSupport

/// `uplink iot serve --api-port`: the AWS CLI's changes on the control plane act on the running front — a device
/// JITR-registered, then activated with a policy attached through the API, connects; set INACTIVE, its live
/// connection is closed. The device is mosquitto_pub/mosquitto_sub, the broker a real mosquitto.
@Suite("uplink iot serve with the control plane on the same registry", .serialized, .timeLimit(.minutes(5)))
struct IoTServeAPITests {
    /// Runs a mosquitto client to the end (60 s at most); its exit status.
    static func run(_ path: String, _ arguments: [String], log: String) async throws -> Int32? {
        let child = try ChildProcess(path: path, arguments: arguments, outputPath: log)
        let deadline = ContinuousClock.now + .seconds(60)
        while child.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        child.forceKill()
        return child.exitStatus
    }

    @Test(
        "JITR, then update-certificate ACTIVE and attach-policy through --api-port: the device connects; INACTIVE closes it"
    )
    func apiChangesActOnTheFront() async throws {
        let folder = NSTemporaryDirectory() + "uplink-iot-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = DevPKI.Options()
        options.deviceCA = true
        let pki = try DevPKI.generate(options)
        try pki.write(to: folder + "/pki")
        let broker = try await MosquittoBroker.start(listenerLines: [])
        defer { broker.stop() }
        let serve = try await IoTServe.start(
            folder: folder, broker: broker,
            extra: ["--ca", folder + "/pki/device-ca.pem", "--status-check-interval", "0.5"])
        let (mqttPort, apiPort) = (serve.mqttPort, serve.apiPort)
        #expect(serve.logText.contains("control plane on"))

        let name = pki.devices[0].name
        let tls = [
            "-h", "localhost", "-p", String(mqttPort), "--cafile", folder + "/data/server-pki/ca.pem", "--cert",
            folder + "/pki/\(name).pem", "--key", folder + "/pki/\(name).key", "-i", name, "-q", "1",
        ]
        let publish = tls + ["-t", "devices/\(name)/up", "-m", "hello"]
        // JITR: registered PENDING_ACTIVATION, the connection closed.
        #expect(try await Self.run("/usr/bin/mosquitto_pub", publish, log: folder + "/pub1.log") != 0)
        let listed = try await IoTFront.aws(["list-certificates"], port: apiPort)
        let certificates = listed.json["certificates"] as? [[String: Any]] ?? []
        #expect(certificates.count == 1, "\(listed.error)")
        #expect(certificates.first?["status"] as? String == "PENDING_ACTIVATION")
        let id = try #require(certificates.first?["certificateId"] as? String)
        let arn = try #require(certificates.first?["certificateArn"] as? String)

        // The AWS CLI activates it and attaches a policy; the running front admits the device.
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}"#
        #expect(
            try await IoTFront.aws(
                ["create-policy", "--policy-name", "all", "--policy-document", policy], port: apiPort
            )
            .status == 0)
        #expect(
            try await IoTFront.aws(["attach-policy", "--policy-name", "all", "--target", arn], port: apiPort).status
                == 0)
        #expect(
            try await IoTFront.aws(
                ["update-certificate", "--certificate-id", id, "--new-status", "ACTIVE"], port: apiPort
            )
            .status == 0)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await Self.run("/usr/bin/mosquitto_pub", publish, log: folder + "/pub2.log") == 0)

        // A live subscriber; INACTIVE through the API closes it.
        try await Task.sleep(for: .milliseconds(1100))
        let subscriber = try ChildProcess(
            path: "/usr/bin/mosquitto_sub", arguments: tls + ["-t", "devices/\(name)/down", "-C", "1"],
            outputPath: folder + "/sub.log")
        try await Task.sleep(for: .seconds(2))
        #expect(subscriber.isRunning)
        #expect(
            try await IoTFront.aws(
                ["update-certificate", "--certificate-id", id, "--new-status", "INACTIVE"], port: apiPort
            )
            .status == 0)
        let closeDeadline = ContinuousClock.now + .seconds(30)
        while subscriber.isRunning, ContinuousClock.now < closeDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!subscriber.isRunning)
        subscriber.forceKill()
        #expect(serve.logText.contains("is INACTIVE: 1 live connection(s) closed"))
        await serve.process.stop(grace: .seconds(5))
    }
}
