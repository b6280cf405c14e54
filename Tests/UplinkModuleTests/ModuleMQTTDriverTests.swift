import ATCodec
import Foundation
import NIOCore
import Testing
import UplinkDriver
import UplinkModule
import UplinkProcess

/// The host driver's MQTT methods driving the SPWF04's own MQTT client over a pty, against mosquitto with mutual TLS.
@Suite("Host driver: the SPWF04's MQTT client over a pty", .serialized, .timeLimit(.minutes(3)))
struct ModuleMQTTDriverTests {
    @Test(
        "connect, subscribe, publish both ways (a long binary message in chunks), unsubscribe, broker gone, disconnect")
    func endToEnd() async throws {
        let rig = try await ModuleMQTTClientTests.Rig.start()
        let module = try await DriverRig.start(.spwf04, dnsServers: [rig.nsd.address]) { options in
            options.effectTimeout = .seconds(30)
        }
        let driver = module.driver
        try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        let device = rig.pki.devices[0]
        try await driver.storeCredential(.ca, Array(rig.pki.root.certificate.pemString.utf8))
        try await driver.storeCredential(.cert, Array(device.certificate.pemString.utf8))
        try await driver.storeCredential(.key, Array(try device.key.pemString(.pkcs8).utf8))
        let events = driver.mqttEvents()
        var parameters = ATMQTTConnectParameters(host: SeedZone.seedName, port: rig.broker.port, tls: true)
        parameters.clientID = "driver-1"
        parameters.keepAlive = 30
        let id = try await driver.mqttConnect(parameters)
        #expect(id == 0)
        try await driver.mqttSubscribe(client: id, filter: "loop/#", qos: 1)
        // A message longer than one WIND (4096 bytes), every byte value, comes back whole.
        let long = (0..<6000).map { UInt8($0 % 256) }
        try await driver.mqttPublish(client: id, topic: "loop/long", payload: Array(long.prefix(4096)), qos: 1)
        try await driver.mqttPublish(client: id, topic: "loop/short", payload: Array("hi".utf8), qos: 2, retain: false)
        // mosquitto_pub sends the long one (the module splits it into chunks for the host).
        let file = rig.folder + "/long.bin"
        try Data(long).write(to: URL(fileURLWithPath: file))
        let published = try await ModuleMQTTClientTests.run(
            ModuleMQTTClientTests.mosquittoPub, rig.toolTLS + ["-t", "loop/from-broker", "-q", "1", "-f", file],
            in: rig.folder)
        #expect(published.isEmpty, "\(published)")
        var iterator = events.makeAsyncIterator()
        var received: [ModuleMQTTMessage] = []
        while received.count < 3 {
            guard case .message(let message)? = try await iterator.next() else { break }
            received.append(message)
        }
        #expect(received.map(\.topic) == ["loop/long", "loop/short", "loop/from-broker"])
        #expect(received.first?.payload == Array(long.prefix(4096)))
        #expect(received.dropFirst().first?.payload == Array("hi".utf8))
        #expect(received.last?.payload == long)
        #expect(received.last?.qos == 1)
        try await driver.mqttUnsubscribe(client: id, filter: "loop/#")
        do {
            try await driver.mqttSubscribe(client: id, filter: "bad/#/x", qos: 0)
            Issue.record("an invalid filter was taken")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .invalidArguments)
        }
        rig.broker.stop()
        let closed = try await iterator.next()
        #expect(closed == .closed(client: id))
        do {
            try await driver.mqttDisconnect(client: id)
            Issue.record("disconnected a closed connection")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .mqttNotConnected)
        }
        await module.stop()
        await rig.stop()
    }
}
