import ArgumentParser
import MQTTCodec
import UplinkMQTT

/// `uplink mqtt sub`: print received messages.
public struct MQTTSubscribeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sub",
        abstract: "Subscribe and print messages (like mosquitto_sub).",
        helpNames: [.long]
    )

    public init() {}

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

    public func validate() throws {
        guard !topics.isEmpty else { throw ValidationError("Give at least one -t topic filter.") }
        guard qos <= 2 else { throw ValidationError("-q takes 0, 1 or 2.") }
    }

    public func run() async throws {
        try await MQTTCLILoop.run { try await execute() }
    }

    private func execute() async throws {
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
            // One suspension per batch of received messages, one write per batch (or per 16 KiB).
            batches: while let first = try await iterator.next() {
                var next: MQTTMessage? = first
                while let message = next {
                    if verbose {
                        output.append(message.topic)
                        output.append(" ")
                    }
                    output.append(message.payload)
                    if !noNewline { output.append("\n") }
                    received += 1
                    if let count, received >= count { break batches }
                    if output.count >= 16_384 { output.flush() }
                    next = iterator.nextIfBuffered()
                }
                output.flush()
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
