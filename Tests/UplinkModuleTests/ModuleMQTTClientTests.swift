import ATCodec
import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkCredentials
import UplinkModule
import UplinkProcess
import UplinkTestSupport

/// The SPWF04's own MQTT client (`AT+S.MQTTCONN`...), byte for byte, against a real mosquitto that requires client
/// certificates, reached by name through the module's own resolver (NSD) and with the module's TLSCERT slots:
/// messages both ways with mosquitto_pub and mosquitto_sub, QoS 0/1/2, and the broker going away.
@Suite("SPWF04 MQTT client in the module, against mosquitto with mutual TLS", .serialized, .timeLimit(.minutes(3)))
struct ModuleMQTTClientTests {
    static let wire = Wire.spwf04
    static let mosquittoPub = "/usr/bin/mosquitto_pub"
    static let mosquittoSub = "/usr/bin/mosquitto_sub"

    typealias Rig = SeedPathTests.Rig

    /// A module with the rig's DNS server, Wi-Fi up and the first device's credentials in its slots.
    static func module(_ rig: Rig) async throws -> TestHost {
        let host = try await TestHost(profile: .spwf04) { options in
            options.dnsServers = [rig.nsd.address]
            options.effectTimeout = .seconds(30)
        }
        try await host.read(through: "+WIND:0:Console active\r\n")
        try await host.joinWiFi()
        let device = rig.pki.devices[0]
        for (slot, pem) in [
            ("ca", rig.pki.root.certificate.pemString), ("cert", device.certificate.pemString),
            ("key", try device.key.pemString(.pkcs8)),
        ] {
            try await host.send(bytes: Array("AT+S.TLSCERT=\(slot),\(pem.utf8.count)\r".utf8) + Array(pem.utf8))
            try await host.expect(wire.ok, timeout: .seconds(30))
        }
        return host
    }

    static func connect(_ host: TestHost, _ rig: Rig, client: String = "mod-1") async throws {
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,\(client),30,,,,\r")
        try await host.expect("AT-S.On:127.0.0.1:0\r\n" + wire.ok, timeout: .seconds(30))
    }

    /// Runs a mosquitto tool to its end (at most `limit`), returning its output.
    static func run(_ path: String, _ arguments: [String], in folder: String, limit: Duration = .seconds(30))
        async throws -> String
    {
        let output = folder + "/tool-\(UUID().uuidString).out"
        let process = try ChildProcess(path: path, arguments: arguments, outputPath: output)
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        process.forceKill()
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    static var toolsPresent: Bool {
        FileManager.default.isExecutableFile(atPath: mosquittoPub)
            && FileManager.default.isExecutableFile(atPath: mosquittoSub)
    }

    @Test("QoS 0, 1 and 2 both ways: mosquitto_pub to WIND 86, MQTTPUB to mosquitto_sub", .enabled(if: toolsPresent))
    func messagesBothWays() async throws {
        let rig = try await Rig.start()
        let host = try await Self.module(rig)
        try await Self.connect(host, rig)
        for qos in 0...2 {
            try await host.send("AT+S.MQTTSUB=0,in/\(qos),\(qos)\r")
            try await host.expect(Self.wire.ok, timeout: .seconds(30))
        }
        // Broker to module: each QoS, with the message's bytes after the header and CR LF after them.
        for qos in 0...2 {
            let published = try await Self.run(
                Self.mosquittoPub, rig.toolTLS + ["-t", "in/\(qos)", "-q", "\(qos)", "-m", "hello \(qos)"],
                in: rig.folder)
            #expect(published.isEmpty, "mosquitto_pub: \(published)")
            try await host.expect(
                "+WIND:86:MQTT Published:0:in/\(qos):\(qos):0:0:7:7:hello \(qos)\r\n", timeout: .seconds(30))
        }
        // Module to broker: retained, so mosquitto_sub gets each whenever it subscribes.
        for qos in 0...2 {
            let payload = "from module \(qos)"
            try await host.send("AT+S.MQTTPUB=0,out/\(qos),\(qos),1,\(payload.utf8.count)\r\(payload)")
            try await host.expect(Self.wire.ok, timeout: .seconds(30))
            let received = try await Self.run(
                Self.mosquittoSub,
                rig.toolTLS + ["-t", "out/\(qos)", "-q", "2", "-C", "1", "-W", "20", "-F", "%q %r %p"],
                in: rig.folder)
            #expect(received == "\(qos) 1 \(payload)\n")
        }
        // Binary bytes (CR LF inside) survive, and a topic's ':' is written %3A.
        try await host.send("AT+S.MQTTSUB=0,bin/#,1\r")
        try await host.expect(Self.wire.ok, timeout: .seconds(30))
        try await host.send("AT+S.MQTTPUB=0,bin/a:b,1,0,6\ra\r\nb\0c")
        try await host.expect(
            Self.wire.ok + "+WIND:86:MQTT Published:0:bin/a%3Ab:1:0:0:6:6:a\r\nb\0c\r\n", timeout: .seconds(30))
        try await host.send("AT+S.MQTTUNSUB=0,in/1\r")
        try await host.expect(Self.wire.ok, timeout: .seconds(30))
        try await host.send("AT+S.MQTTDISC=0\r")
        try await host.expect(Self.wire.ok)
        try await host.send("AT+S.MQTTDISC=0\r")
        try await host.expect(Self.wire.error(94, "MQTT not connected"))
        await host.shutdown()
        await rig.stop()
    }

    @Test(
        "A full buffer (WIND 86 masked): +WIND:91 once, the broker held back, then every message in order",
        .enabled(if: toolsPresent))
    func fullBuffer() async throws {
        let rig = try await Rig.start()
        let host = try await Self.module(rig)
        try await Self.connect(host, rig)
        try await host.send("AT+S.SCFG=console_wind_off_high,0x00400000\r")
        try await host.expect(Self.wire.ok)
        try await host.send("AT+S.MQTTSUB=0,full/#,1\r")
        try await host.expect(Self.wire.ok, timeout: .seconds(30))
        let count = 40
        let lines = rig.folder + "/lines.txt"
        try (0..<count).map { "m\($0)\n" }.joined().write(toFile: lines, atomically: true, encoding: .utf8)
        let output = rig.folder + "/pub.out"
        let publisher = try ChildProcess(
            path: Self.mosquittoPub, arguments: rig.toolTLS + ["-t", "full/x", "-q", "1", "-l"], standardInput: lines,
            standardOutput: .file(output), standardError: .standardOutput)
        try await host.expect("+WIND:91:MQTT Buffer Full:0\r\n", timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await host.drain() == "", "nothing else while WIND 86 is masked")
        try await host.send("AT+S.SCFG=console_wind_off_high,0x00000000\r")
        try await host.expect(Self.wire.ok)
        for index in 0..<count {
            let text = "m\(index)"
            try await host.expect(
                "+WIND:86:MQTT Published:0:full/x:1:0:0:\(text.utf8.count):\(text.utf8.count):\(text)\r\n",
                timeout: .seconds(30))
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while publisher.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        publisher.forceKill()
        await host.shutdown()
        await rig.stop()
    }

    @Test("The broker going away: +WIND:87:MQTT Closed:0, and the id is free again")
    func brokerGoesAway() async throws {
        let rig = try await Rig.start()
        let host = try await Self.module(rig)
        try await Self.connect(host, rig)
        rig.broker.stop()
        try await host.expect("+WIND:87:MQTT Closed:0\r\n", timeout: .seconds(30))
        try await host.send("AT+S.MQTTSUB=0,t,0\r")
        try await host.expect(Self.wire.error(94, "MQTT not connected"))
        // No broker: the connect fails with the socket's error.
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,mod-2,30,,,,\r")
        try await host.expect(Self.wire.error(12, "Failed to connect"), timeout: .seconds(30))
        await host.shutdown()
        await rig.stop()
    }

    @Test(
        "Stopping the module with the connection up: its DISCONNECT goes out before the loop ends (no will)",
        .enabled(if: toolsPresent))
    func stopDisconnectsCleanly() async throws {
        let rig = try await Rig.start()
        let host = try await Self.module(rig)
        // A will, which the broker publishes only when the connection ends without DISCONNECT.
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,mod-stop,30,,1,wills/x,gone\r")
        try await host.expect("AT-S.On:127.0.0.1:0\r\n" + Self.wire.ok, timeout: .seconds(30))
        let output = rig.folder + "/wills.out"
        let watcher = try ChildProcess(
            path: Self.mosquittoSub,
            arguments: rig.toolTLS + ["-t", "wills/#", "-t", "ready/#", "-q", "1", "-W", "60", "-F", "%t %p"],
            outputPath: output)
        defer { watcher.forceKill() }
        // The watcher is subscribed once a message from the module reaches it.
        let deadline = ContinuousClock.now + .seconds(30)
        var ready = false
        while !ready && ContinuousClock.now < deadline {
            try await host.send("AT+S.MQTTPUB=0,ready/x,1,0,1\rr")
            try await host.expect(Self.wire.ok, timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(200))
            ready = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready/x r")
        }
        try #require(ready, "mosquitto_sub never received the module's message")

        // Stops the engine and at once the event loop its client runs on, as `uplink module` does at SIGTERM.
        await host.shutdown()
        try await Task.sleep(for: .seconds(2))
        let seen = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(!seen.contains("wills/x"), "the broker published the will: the connection ended without DISCONNECT")
        await rig.stop()
    }

    @Test("Bad input: missing fields, bad QoS, too long topic and message, no connection, twice, WebSocket, no CA")
    func badInput() async throws {
        let rig = try await Rig.start()
        let host = try await Self.module(rig)
        let wire = Self.wire
        let invalid = wire.error(3, "Invalid arguments")
        for line in ["AT+S.MQTTSUB=0,t,0", "AT+S.MQTTUNSUB=0,t", "AT+S.MQTTDISC=0"] {
            try await host.send(line + "\r")
            try await host.expect(wire.error(94, "MQTT not connected"))
        }
        try await host.send("AT+S.MQTTPUB=0,t,0,0,2\rhi")
        try await host.expect(wire.error(94, "MQTT not connected"))
        for line in [
            "AT+S.MQTTCONN", "AT+S.MQTTCONN=\(SeedZone.seedName)", "AT+S.MQTTCONN=,1883",
            "AT+S.MQTTCONN=h,0", "AT+S.MQTTCONN=h,1883,,2", "AT+S.MQTTCONN=h,1883,,,,,,70000",
            "AT+S.MQTTCONN=h,1883,,,,,,,,3,w,x", "AT+S.MQTTCONN=h,1883,,,,,,,,,,orphan will message",
        ] {
            try await host.send(line + "\r")
            try await host.expect(invalid, sourceLocation: #_sourceLocation)
        }
        try await host.send("AT+S.MQTTCONN=test.mosquitto.org,8080,/mqtt,,,,SPWF04S,,,,,\r")
        try await host.expect(wire.error(99, "MQTT over WebSocket not supported"))
        try await Self.connect(host, rig)
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,again,30,,,,\r")
        try await host.expect(wire.error(95, "MQTT already connected"))
        let longTopic = String(repeating: "t", count: 257)
        for line in [
            "AT+S.MQTTSUB=0,t,3", "AT+S.MQTTSUB=0,t,x", "AT+S.MQTTSUB=0", "AT+S.MQTTSUB=0,,1",
            "AT+S.MQTTSUB=0,\(longTopic),0", "AT+S.MQTTSUB=0,a/#/b,0", "AT+S.MQTTUNSUB=0,never/subscribed",
        ] {
            try await host.send(line + "\r")
            try await host.expect(invalid)
        }
        try await host.send("AT+S.MQTTSUB=1,t,0\r")
        try await host.expect(wire.error(94, "MQTT not connected"))
        try await host.send("AT+S.MQTTSUB=0,dup,0\r")
        try await host.expect(wire.ok, timeout: .seconds(30))
        try await host.send("AT+S.MQTTSUB=0,dup,0\r")
        try await host.expect(invalid)
        // A bad field after a valid length: the block is still read (never taken for commands), then the error.
        try await host.send("AT+S.MQTTPUB=0,t,3,0,2\rAT")
        try await host.expect(invalid)
        try await host.send("AT+S.MQTTPUB=0,a/+,0,0,2\rAT")
        try await host.expect(invalid)
        try await host.send("AT+S.MQTTPUB=0,\(longTopic),0,0,1\rx")
        try await host.expect(invalid)
        try await host.send("AT+S.MQTTPUB=0,t,0,0,4097\r")
        try await host.expect(wire.error(98, "MQTT message too long"))
        try await host.send("AT+S.MQTTPUB=0,t,0\r")
        try await host.expect(invalid)
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.MQTTDISC=0\r")
        try await host.expect(wire.ok)
        // TLS needs the CA slot, as SOCKON's does.
        try await host.send("AT+S.TLSCERT=content,2\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,mod-3,30,,,,\r")
        try await host.expect(wire.error(50, "TLS credentials missing: no CA"))
        await host.shutdown()
        await rig.stop()
    }

    @Test("Plain TCP: a CONNACK refusal is its own error; a reset closes the connection with no WIND 87")
    func plainRefusedAndReset() async throws {
        let refusing = try await MosquittoBroker.start(listenerLines: ["allow_anonymous false"])
        let open = try await MosquittoBroker.start(listenerLines: [])
        let host = try await TestHost(profile: .spwf04)
        try await host.read(through: "+WIND:0:Console active\r\n")
        try await host.joinWiFi()
        try await host.send("AT+S.MQTTCONN=127.0.0.1,\(refusing.port),,0,,,anon,,,,,\r")
        try await host.expect(Self.wire.error(96, "MQTT connection refused"), timeout: .seconds(30))
        try await host.send("AT+S.MQTTCONN=localhost,\(open.port),NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,\r")
        try await host.expect("AT-S.On:127.0.0.1:0\r\n" + Self.wire.ok, timeout: .seconds(30))
        try await host.send("AT+S.RESET\r")
        try await host.read(through: "+WIND:32:WiFi Hardware Started\r\n", timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(500))
        #expect(!(try await host.drain()).contains("+WIND:87"))
        try await host.send("AT+S.MQTTDISC=0\r")
        try await host.expect(Self.wire.error(94, "MQTT not connected"))
        await host.shutdown()
        refusing.stop()
        open.stop()
    }

    @Test("A broker refusing the client certificate: the TLS error, not a generic one")
    func unknownCertificate() async throws {
        let rig = try await Rig.start()
        // Another PKI's device: the broker does not know its CA.
        let host = try await TestHost(profile: .spwf04) { options in
            options.dnsServers = [rig.nsd.address]
            options.effectTimeout = .seconds(30)
        }
        try await host.read(through: "+WIND:0:Console active\r\n")
        try await host.joinWiFi()
        var other = DevPKI.Options()
        other.serverNames = [SeedZone.seedName]
        let stranger = try DevPKI.generate(other)
        for (slot, pem) in [
            ("ca", rig.pki.root.certificate.pemString), ("cert", stranger.devices[0].certificate.pemString),
            ("key", try stranger.devices[0].key.pemString(.pkcs8)),
        ] {
            try await host.send(bytes: Array("AT+S.TLSCERT=\(slot),\(pem.utf8.count)\r".utf8) + Array(pem.utf8))
            try await host.expect(Self.wire.ok, timeout: .seconds(30))
        }
        try await host.send("AT+S.MQTTCONN=\(SeedZone.seedName),\(rig.broker.port),,1,,,mod-x,30,,,,\r")
        let line = try await host.read(through: "\r\n", timeout: .seconds(30))
        #expect(line.hasPrefix("AT-S.ERROR:6") && line.contains("TLS handshake failed"), "\(line)")
        await host.shutdown()
        await rig.stop()
    }
}

extension SeedPathTests.Rig {
    /// The seed's rig (``SeedPathTests/rig(_:brokerLines:)``) with a dev PKI of two devices and no device CA: the
    /// module is the first device, mosquitto_pub/sub the second.
    static func start() async throws -> Self {
        var options = DevPKI.Options()
        options.deviceCount = 2
        return try await SeedPathTests.rig(options)
    }

    /// mosquitto_pub/sub's TLS arguments, as the second device.
    var toolTLS: [String] {
        let name = pki.devices[1].name
        return [
            "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", "\(folder)/ca.pem", "--cert",
            "\(folder)/\(name).pem", "--key", "\(folder)/\(name).key",
        ]
    }
}
