import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

@Suite("mutual TLS against mosquitto (require_certificate true)", .serialized)
struct TLSTests {
    @Test("client certificate, CA and host name verified: publish and receive", arguments: MQTTVersions.all)
    func mutualTLS(version: MQTTProtocolVersion) async throws {
        let folder = try MQTTScratch("pki")
        let pki = try await MQTTTestPKI.make(in: folder)
        let broker = try await Mosquitto(pki: pki)
        let tlsPort = try #require(broker.tlsPort)
        for host in ["127.0.0.1", "localhost"] {
            let tls = MQTTTLSConfiguration(
                caFile: pki.caFile, certificateFile: pki.clientCertificate, keyFile: pki.clientKey)
            let transport = try MQTTNIOTransport(host: host, port: tlsPort, tls: tls)
            let client = try MQTTClient(
                configuration: MQTTTestClient.configuration(MQTTTestClient.id("tls"), version: version),
                transport: transport)
            try await client.connect()
            let collector = MQTTCollector(try await client.subscribe(to: "secure/#", qos: .exactlyOnce))
            for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                try await client.publish(MQTTMessage(topic: "secure/\(qos.rawValue)", string: host, qos: qos))
            }
            try await collector.waitFor(3)
            #expect(Set(collector.messages.map(\.topic)) == ["secure/0", "secure/1", "secure/2"])
            await client.disconnect()
        }
        await broker.stop()
    }

    @Test("refused: no client certificate, an untrusted broker, plain TCP to the TLS port")
    func refusals() async throws {
        let folder = try MQTTScratch("pki")
        let pki = try await MQTTTestPKI.make(in: folder)
        let broker = try await Mosquitto(pki: pki)
        let tlsPort = try #require(broker.tlsPort)
        let cases: [(String, String, MQTTTLSConfiguration)] = [
            ("no client certificate", "127.0.0.1", MQTTTLSConfiguration(caFile: pki.caFile)),
            (
                "broker signed by another CA", "127.0.0.1",
                MQTTTLSConfiguration(
                    caFile: pki.otherCAFile, certificateFile: pki.clientCertificate, keyFile: pki.clientKey)
            ),
        ]
        for (what, host, tls) in cases {
            var configuration = MQTTTestClient.configuration(MQTTTestClient.id("bad"), version: .v5)
            configuration.reconnect = .disabled
            let client = try MQTTClient(
                configuration: configuration, transport: try MQTTNIOTransport(host: host, port: tlsPort, tls: tls))
            do {
                try await client.connect()
                Issue.record("\(what): connected: \(what)")
                await client.disconnect()
            } catch let error as MQTTClientError {
                switch error {
                case .transportFailed, .connectionClosed: break
                default: Issue.record("\(what): unexpected \(error)")
                }
            }
        }
        // Plain TCP to the TLS port is refused too, promptly.
        var configuration = MQTTTestClient.configuration(MQTTTestClient.id("plain"), version: .v5)
        configuration.connectTimeout = .seconds(2)
        let plain = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: tlsPort))
        await #expect(throws: MQTTClientError.self) { try await plain.connect() }
        await broker.stop()
    }

    @Test("a missing key file is reported when the transport is made")
    func badFiles() throws {
        #expect(throws: MQTTClientError.self) {
            _ = try MQTTNIOTransport(
                host: "127.0.0.1", port: 8883,
                tls: MQTTTLSConfiguration(certificateFile: "/nonexistent/c.pem", keyFile: "/nonexistent/k.pem"))
        }
    }
}
