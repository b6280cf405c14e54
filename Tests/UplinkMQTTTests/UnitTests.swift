import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

@Suite("client units: AWS IoT profile, backoff, file session store")
struct ClientUnitTests {
    @Test("AWS IoT profile refuses locally what AWS would refuse or never answer")
    func awsProfile() async throws {
        var configuration = MQTTClientConfiguration(clientIdentifier: String(repeating: "a", count: 129))
        configuration.awsIoT = MQTTAWSIoTProfile()
        configuration.keepAlive = 60
        #expect(throws: MQTTClientError.self) { try configuration.validate() }
        configuration.clientIdentifier = "thing-1"
        configuration.keepAlive = 10
        #expect(throws: MQTTClientError.self) { try configuration.validate() }
        configuration.keepAlive = 30
        try configuration.validate()

        let transport = try MQTTNIOTransport(host: "127.0.0.1", port: 1)
        let client = try MQTTClient(configuration: configuration, transport: transport)
        let refused: [MQTTMessage] = [
            MQTTMessage(topic: "a", string: "x", qos: .exactlyOnce),
            MQTTMessage(topic: String(repeating: "t", count: 257), string: "x"),
            MQTTMessage(topic: "1/2/3/4/5/6/7/8/9", string: "x"),
            MQTTMessage(topic: "big", payload: [UInt8](repeating: 0, count: 128 * 1024 + 1)),
        ]
        for message in refused {
            await #expect(throws: MQTTClientError.self) { try await client.publish(message) }
        }
        // The Basic Ingest prefix does not count.
        try MQTTAWSIoTProfile().validate(topic: "$aws/rules/my_rule/1/2/3/4/5/6/7")
        let nine = (0..<9).map { MQTTSubscription(topicFilter: "f/\($0)", qos: .atLeastOnce) }
        await #expect(throws: MQTTClientError.self) { _ = try await client.subscribe(to: nine) }
        await #expect(throws: MQTTClientError.self) { _ = try await client.subscribe(to: "a", qos: .exactlyOnce) }

        #expect(throws: MQTTClientError.self) { try MQTTAWSIoTProfile.validate(port: 443, alpn: []) }
        #expect(throws: MQTTClientError.self) { try MQTTAWSIoTProfile.validate(port: 1883, alpn: []) }
        try MQTTAWSIoTProfile.validate(port: 8883, alpn: [])
        let aws = try MQTTNIOTransport.awsIoT(
            endpoint: "example-ats.iot.eu-west-1.amazonaws.com", port: 443, tls: MQTTTLSConfiguration())
        #expect(aws.tls?.alpn == ["x-amzn-mqtt-ca"])
    }

    @Test("backoff: full jitter within an exponentially growing window, capped, with a floor")
    func backoff() {
        let policy = MQTTReconnectPolicy(
            initialDelay: .milliseconds(100), maximumDelay: .seconds(2), minimumDelay: .seconds(1))
        #expect(policy.window(attempt: 0) == .milliseconds(100))
        #expect(policy.window(attempt: 3) == .milliseconds(800))
        #expect(policy.window(attempt: 30) == .seconds(2))
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<20 {
            let delay = policy.delay(attempt: attempt, using: &generator)
            #expect(delay >= .seconds(1) && delay <= .seconds(2))
        }
        let open = MQTTReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(10))
        let draws = (0..<200).map { _ in open.delay(attempt: 4, using: &generator) }
        #expect(draws.allSatisfy { $0 <= .milliseconds(1600) })
        #expect(Set(draws).count > 100)  // jittered, not fixed
    }

    @Test("file session store: records survive reopening; a torn tail is dropped; a second user is refused")
    func fileStore() async throws {
        let folder = try MQTTScratch("store")
        let directory = folder.path("session")
        let message = MQTTMessage(
            topic: "t/1", string: "payload", qos: .exactlyOnce, properties: [.userProperty(name: "k", value: "v")])
        do {
            let store = try await MQTTFileSessionStore.open(directory: directory)
            #expect(throws: MQTTClientError.self) { _ = try MQTTFileSessionStore(directory: directory) }
            store.append([
                .accepted(sequence: 1, message: message), .sent(sequence: 1, packetIdentifier: 7),
                .released(sequence: 1), .accepted(sequence: 2, message: message), .completed(sequence: 2),
                .inboundReceived(9, digest: 42),
            ])
            #expect(store.needsSync)
            try store.sync()
        }
        // A torn record at the end, as a crash during write leaves it.
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/session.log"))
        handle.seekToEndOfFile()
        handle.write(Data([0, 0, 0, 40, 1, 2, 3]))
        handle.closeFile()
        let reopened = try await MQTTFileSessionStore.open(directory: directory)
        #expect(reopened.damage == nil, "a torn tail is not damage")
        let session = try reopened.load()
        #expect(session.outbound.count == 1)
        let entry = try #require(session.outbound[1])
        #expect(entry.message == message)
        #expect(entry.packetIdentifier == 7)
        #expect(entry.released)
        #expect(session.inbound == [9: 42])
        #expect(session.lastSequence == 2)
    }
}
