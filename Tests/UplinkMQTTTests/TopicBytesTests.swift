import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// MQTT topics are UTF-8 bytes: two canonically equivalent spellings (NFC, NFD) are two different topics.
@Suite("Topics as bytes", .serialized)
struct TopicBytesTests {
    static let nfc = "caf\u{E9}/temperature"
    static let nfd = "cafe\u{301}/temperature"

    @Test("NFC and NFD spellings of a topic get separate topic aliases; each subscriber gets its own topic")
    func aliasesKeyedByBytes() async throws {
        #expect(Self.nfc == Self.nfd)  // equal as Swift Strings (canonical equivalence)…
        #expect(Array(Self.nfc.utf8) != Array(Self.nfd.utf8))  // …but not as MQTT topics.
        let broker = try await Mosquitto(config: ["max_topic_alias 4"])
        let subscriber = try MQTTTestClient.make(MQTTTestClient.id("sub"), port: broker.port, version: .v5)
        try await subscriber.connect()
        let nfdOnly = MQTTCollector(try await subscriber.subscribe(to: "cafe\u{301}/#", qos: .atLeastOnce))

        let tap = MQTTTapTransport(try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
        let publisher = try MQTTClient(
            configuration: MQTTTestClient.configuration(MQTTTestClient.id("pub"), version: .v5), transport: tap)
        _ = try await publisher.connect()
        try await publisher.publish(MQTTMessage(topic: Self.nfc, string: "nfc", qos: .atLeastOnce))
        try await publisher.publish(MQTTMessage(topic: Self.nfd, string: "nfd", qos: .atLeastOnce))
        try await collector(nfdOnly, receives: 1)
        // Only the NFD message matches the NFD filter (mosquitto compares bytes); with a shared alias the NFD
        // PUBLISH would carry the alias alone and reach the broker as the NFC topic.
        #expect(nfdOnly.messages.map(\.payloadString) == ["nfd"])
        #expect(nfdOnly.messages.map { Array($0.topic.utf8) } == [Array(Self.nfd.utf8)])

        var decoder = MQTTFrameDecoder(version: .v5)
        decoder.append(tap.sent)
        var sent: [(topic: [UInt8], alias: UInt16?)] = []
        while let packet = try decoder.next() {
            if case .publish(let publish) = packet {
                sent.append((Array(publish.topic.utf8), publish.properties.topicAlias))
            }
        }
        #expect(sent.map(\.topic) == [Array(Self.nfc.utf8), Array(Self.nfd.utf8)])
        #expect(sent.map(\.alias) == [1, 2])
        #expect(MQTTMessage(topic: Self.nfc, string: "x") != MQTTMessage(topic: Self.nfd, string: "x"))
        await publisher.disconnect()
        await subscriber.disconnect()
        await broker.stop()
    }

    private func collector(_ collector: MQTTCollector, receives count: Int) async throws {
        try await collector.waitFor(count)
        try await Task.sleep(nanoseconds: 200_000_000)  // a wrong-topic delivery would arrive meanwhile
    }
}
