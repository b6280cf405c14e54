import Foundation
import Testing
import UplinkCredentials
import UplinkIoTStores
import UplinkTestSupport

/// Two `uplink iot serve` processes on one PostgreSQL registry (`--registry postgres://...`): a device onboarded
/// through one (JITR with --auto-activate) connects through the other. Devices are mosquitto_pub. `uplink iot api
/// --registry`: the AWS CLI works on the shared database.
@Suite("uplink iot serve and api on a PostgreSQL registry", .serialized, .timeLimit(.minutes(5)))
struct IoTServeSharedRegistryTests {
    @Test("JITR through serve A (registered, auto-activated); serve B accepts the device; no password printed")
    func onboardThroughOneServeConnectThroughTheOther() async throws {
        let folder = NSTemporaryDirectory() + "uplink-iot-serve-pg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = DevPKI.Options()
        options.deviceCA = true
        let pki = try DevPKI.generate(options)
        try pki.write(to: folder + "/pki")
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}"#
        try policy.write(toFile: folder + "/policy.json", atomically: true, encoding: .utf8)
        let broker = try await MosquittoBroker.start(listenerLines: [])
        defer { broker.stop() }
        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.makeDatabase())
        let ports = try (0..<4).map { _ in try TestPorts.free() }
        let common = ["--data", folder + "/data", "--registry", url, "--broker", "mqtt://127.0.0.1:\(broker.port)"]
        // A registers the CA and activates new certificates; B (started after A made the development PKI in the
        // shared --data) only serves.
        let a = try await IoTServe.start(
            common + [
                "--port", String(ports[0]), "--alpn-port", "0", "--api-port", String(ports[1]),
                "--ca", folder + "/pki/device-ca.pem", "--policy", "all=" + folder + "/policy.json",
                "--auto-activate", "all",
            ], log: folder + "/a.log")
        let b = try await IoTServe.start(
            common + ["--port", String(ports[2]), "--alpn-port", "0", "--api-port", String(ports[3])],
            log: folder + "/b.log")
        let logs = { ["a", "b"].map { (try? String(contentsOfFile: folder + "/\($0).log", encoding: .utf8)) ?? "" } }
        #expect(a.isRunning && b.isRunning, "\(logs())")

        let name = pki.devices[0].name
        let tls = { (port: Int) in
            [
                "-h", "localhost", "-p", String(port), "--cafile", folder + "/data/server-pki/ca.pem", "--cert",
                folder + "/pki/\(name).pem", "--key", folder + "/pki/\(name).key", "-i", name, "-q", "1",
                "-t", "devices/\(name)/up", "-m", "hello",
            ]
        }
        // First connect, through A: registered and closed; A's rule activates it.
        #expect(try await IoTServeAPITests.run("/usr/bin/mosquitto_pub", tls(ports[0]), log: folder + "/p1.log") != 0)
        try await Task.sleep(for: .milliseconds(1500))
        // Through B: accepted.
        #expect(try await IoTServeAPITests.run("/usr/bin/mosquitto_pub", tls(ports[2]), log: folder + "/p2.log") == 0)
        let listed = try await PostgresIoTRegistryTests.uplink(["list-certificates", "--registry", url])
        let certificates = listed.json["certificates"] as? [[String: Any]] ?? []
        #expect(certificates.count == 1, "\(listed.error)")
        #expect(certificates.first?["status"] as? String == "ACTIVE")

        await a.stop(grace: .seconds(5))
        await b.stop(grace: .seconds(5))
        for text in logs() {
            #expect(text.contains("postgres://uplink:***@127.0.0.1"), "\(text)")
            #expect(!text.contains(PostgresServer.password))
        }
    }

    @Test("uplink iot api --registry postgres://...: the AWS CLI's changes are in the shared database")
    func apiOnTheSharedRegistry() async throws {
        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.makeDatabase())
        let front = try await IoTFront(extra: ["--registry", url])
        let created = try await front.aws(["create-keys-and-certificate", "--set-as-active"])
        let id = try #require(created.json["certificateId"] as? String, "\(created.error)")
        let registry = try await PostgresIoTRegistry(location: PostgresRegistryLocation(url: url))
        #expect(try await registry.certificate(id: id)?.status == .active)
        try await registry.updateCertificateStatus(id: id, to: .inactive)
        await registry.close()
        let described = try await front.aws(["describe-certificate", "--certificate-id", id])
        #expect((described.json["certificateDescription"] as? [String: Any])?["status"] as? String == "INACTIVE")
        await front.stop()
    }
}
