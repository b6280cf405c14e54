import ArgumentParser
import MQTTCodec
import UplinkMQTT

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `uplink mqtt sub`: print received messages.
struct MQTTSubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub",
        abstract: "Subscribe and print messages (like mosquitto_sub).",
        helpNames: [.long]
    )

    @OptionGroup var connection: MQTTConnectionOptions

    @Option(name: .customShort("t"), help: "Topic filter (repeatable).")
    var topics: [String]

    @Option(name: .customShort("q"), help: "Subscription QoS: 0, 1 or 2.")
    var qos: UInt8 = 0

    @Option(name: .customShort("C"), help: "Exit after this many messages.")
    var count: Int?

    @Flag(name: .customShort("v"), help: "Print the topic before each payload.")
    var verbose = false

    @Flag(name: .customShort("N"), help: "No newline after each payload.")
    var noNewline = false

    func validate() throws {
        guard !topics.isEmpty else { throw ValidationError("Give at least one -t topic filter.") }
        guard qos <= 2 else { throw ValidationError("-q takes 0, 1 or 2.") }
    }

    func run() async throws {
        let qos = MQTTQoS(rawValue: qos) ?? .atMostOnce
        let client: MQTTClient
        let stream: MQTTSubscriptionStream
        do {
            client = try connection.makeClient(role: "sub")
            // Registered before connecting: messages of a resumed session arrive right after CONNACK.
            stream = try await client.subscribe(to: topics.map { MQTTSubscription(topicFilter: $0, qos: qos) })
            try await client.connect()
        } catch {
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
        var output = MQTTOutputBuffer()
        var received = 0
        do {
            var iterator = stream.makeAsyncIterator()
            while let message = try await iterator.next() {
                if verbose {
                    output.append(message.topic)
                    output.append(" ")
                }
                output.append(message.payload)
                if !noNewline { output.append("\n") }
                received += 1
                if !iterator.hasBufferedMessages || output.count >= 16_384 { output.flush() }
                if let count, received >= count { break }
            }
            output.flush()
            await client.disconnect()
        } catch {
            output.flush()
            await client.disconnect()
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
    }
}

/// Buffered standard output: one `write` per batch of messages rather than per message.
struct MQTTOutputBuffer {
    private var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    mutating func flush() {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(1, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written <= 0 { break }
            offset += written
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
