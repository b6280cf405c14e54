import ATCodec
import Testing
import UplinkModule
import UplinkProcess

/// `AT+S.MQTTCONN` against a broker that accepts the connection and closes it before any CONNACK — what AWS IoT (and
/// `uplink iot serve`) does to a certificate pending activation: the host gets its own error, not `Failed to connect`,
/// and no connection is opened (no `+WIND:87`).
@Suite("SPWF04 MQTTCONN: a broker closing before CONNACK", .serialized, .timeLimit(.minutes(2)))
struct ModuleMQTTClosedBeforeConnAckTests {
    static let wire = Wire.spwf04

    @Test("closed after accepting: error 100, no connection, no WIND 87; with retries too; nothing listening: error 12")
    func closedBeforeConnAck() async throws {
        let peers = try await EchoPeers()
        let closing = try await peers.sendAndClose([])
        let host = try await TestHost(profile: .spwf04) { $0.effectTimeout = .seconds(30) }
        try await host.read(through: "+WIND:0:Console active\r\n")
        try await host.joinWiFi()
        let refusal = Self.wire.error(100, "MQTT connection refused: closed before CONNACK")
        try await host.send("AT+S.MQTTCONN=127.0.0.1,\(closing),,0,,,jitr-1,,,,,\r")
        try await host.expect(refusal, timeout: .seconds(30))
        try await host.send("AT+S.MQTTSUB=0,t,0\r")
        try await host.expect(Self.wire.error(94, "MQTT not connected"))
        #expect(!(try await host.drain(after: .milliseconds(500))).contains("+WIND:87"))
        // With an extra attempt (`<retry>` 1) every attempt is closed: the same error.
        try await host.send("AT+S.MQTTCONN=127.0.0.1,\(closing),,0,,,jitr-1,,1,,,\r")
        try await host.expect(refusal, timeout: .seconds(30))
        // Nothing listening: the TCP connect fails, as before.
        let free = try TestPorts.free()
        try await host.send("AT+S.MQTTCONN=127.0.0.1,\(free),,0,,,jitr-1,,,,,\r")
        try await host.expect(Self.wire.error(12, "Failed to connect"), timeout: .seconds(30))
        await host.shutdown()
        await peers.shutdown()
    }
}
