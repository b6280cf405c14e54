import ATCodec
import Testing

/// The SPWF04 MQTT client's WINDs as a host reads them: `+WIND:86` with raw data after its header (whatever the
/// bytes, however they are split), `+WIND:87`, and the MQTT command lines.
@Suite("AT codec: SPWF04 MQTT indications and commands", .timeLimit(.minutes(1)))
struct ATMQTTIndicationTests {
    private func indications(_ effects: [ATHostSession.Effect]) -> [ATIndication] {
        effects.compactMap { if case .indication(let indication) = $0 { return indication } else { return nil } }
    }

    static let transcript =
        Array("+WIND:86:MQTT Published:0:a%3Ab:2:1:0:5:9:\r\n\0\n:\r\n".utf8)
        + Array("+WIND:87:MQTT Closed:0\r\n".utf8)

    static let expected: [ATIndication] = [
        .mqttMessage(
            ATMQTTMessageChunk(
                client: 0, topic: Array("a:b".utf8), qos: 2, retained: true, duplicate: false, total: 9,
                data: [0x0D, 0x0A, 0x00, 0x0A, 0x3A])),
        .mqttClosed(client: 0),
    ]

    @Test("WIND 86's data is read by its length (CR LF inside), in one piece or byte by byte")
    func inlineData() {
        var whole = ATHostSession(dialect: .spwf04)
        #expect(indications(whole.receive(Self.transcript)) == Self.expected)
        var split = ATHostSession(dialect: .spwf04)
        var found: [ATIndication] = []
        for byte in Self.transcript { found += indications(split.receive([byte])) }
        #expect(found == Self.expected)
    }

    @Test("a malformed WIND 86 stays an `other` WIND; SPWF01 has no inline data")
    func malformed() {
        var session = ATHostSession(dialect: .spwf04)
        let found = indications(session.receive(Array("+WIND:86:MQTT Published:0:t:7:0:0:1:1:x\r\n".utf8)))
        #expect(found == [.other(number: 86, text: "MQTT Published:0:t:7:0:0:1:1:")])
        var legacy = ATHostSession(dialect: .spwf01)
        let plain = indications(legacy.receive(Array("\r\n+WIND:86:MQTT Published:0:t:0:0:0:1:1:x\r\n".utf8)))
        #expect(plain == [.other(number: 86, text: "MQTT Published:0:t:0:0:0:1:1:x")])
    }

    @Test("the header round-trips, topic bytes encoded")
    func header() throws {
        let chunk = ATMQTTMessageChunk(
            client: 0, topic: Array("x%y:z\r\n".utf8), qos: 1, retained: false, duplicate: true, total: 10,
            data: [1, 2, 3])
        let text = chunk.headerText
        #expect(String(decoding: text, as: UTF8.self) == "MQTT Published:0:x%25y%3Az%0D%0A:1:0:1:3:10:")
        let parsed = try #require(ATMQTTMessageChunk.parseHeader(text))
        #expect(parsed.topic == chunk.topic && parsed.total == 10 && parsed.data.count == 3 && parsed.duplicate)
        #expect(ATMQTTMessageChunk.decodeTopic(Array("bad%4".utf8)[...]) == nil)
    }

    @Test("the MQTT command lines, as ST's middleware writes them")
    func commands() throws {
        let dialect = ATDialect.spwf04
        var parameters = ATMQTTConnectParameters(host: "broker.test", port: 8883, tls: true)
        parameters.clientID = "dev-1"
        parameters.keepAlive = 30
        parameters.will = (1, "status", "gone")
        #expect(
            try dialect.mqttConnectCommand(parameters).bytes
                == Array("AT+S.MQTTCONN=broker.test,8883,,1,,,dev-1,30,,1,status,gone\r".utf8))
        #expect(
            try dialect.mqttPublishCommand(client: 0, topic: "t/1", payload: [0, 13], qos: 2, retain: true).bytes
                == Array("AT+S.MQTTPUB=0,t/1,2,1,2\r".utf8) + [0, 13])
        #expect(try dialect.mqttSubscribeCommand(client: 0, filter: "t/#", qos: 1).line == "AT+S.MQTTSUB=0,t/#,1")
        #expect(throws: ATCommandError.outOfRange("QoS", 3)) {
            try dialect.mqttSubscribeCommand(client: 0, filter: "t", qos: 3)
        }
        #expect(throws: ATCommandError.unsafeParameter("a,b")) {
            try dialect.mqttUnsubscribeCommand(client: 0, filter: "a,b")
        }
        #expect(dialect.mqttDisconnectCommand(client: 0).line == "AT+S.MQTTDISC=0")
    }
}
