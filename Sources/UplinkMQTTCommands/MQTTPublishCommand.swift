import ArgumentParser
import MQTTCodec
import UplinkMQTT
import UplinkOptions

/// `uplink mqtt pub`: publish one message, a file, every line of standard input, or a message repeatedly.
public struct MQTTPublishCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pub",
        abstract: "Publish messages (like mosquitto_pub).",
        discussion: """
            With -l every line of standard input is a message; QoS 1/2 messages are pipelined up to the broker's \
            Receive Maximum and the command exits once every one is acknowledged. With --session DIR, accepted \
            QoS 1/2 messages are written ahead to DIR before they are sent; after a crash, the same command with \
            the same --session resends the unfinished ones (with their packet ids if the broker kept the session).
            """,
        helpNames: [.long]
    )

    public init() {}

    @OptionGroup var connection: MQTTConnectionOptions

    @Option(name: .customShort("t"), help: "Topic.")
    var topic: String

    @Option(name: .customShort("m"), help: "Message payload.")
    var message: String?

    @Option(name: .customShort("f"), help: "Send the contents of a file as the message.")
    var file: String?

    @Flag(name: .customShort("l"), help: "Send each line of standard input as a message.")
    var lines = false

    @Flag(name: .customShort("n"), help: "Send a null (zero-length) message.")
    var null = false

    @Option(name: .customShort("q"), help: "QoS: 0, 1 or 2.")
    var qos: UInt8 = 0

    @Flag(name: .customShort("r"), help: "Retain the message.")
    var retain = false

    @Option(name: .long, help: "Publish the message this many times (pipelined).")
    var repeatCount = 1

    @Option(name: .long, help: "Largest number of unsent messages held, 1 to 1000000 (the rest waits: backpressure).")
    var queue = 1000

    public func validate() throws {
        let sources = [message != nil, file != nil, lines, null].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("Give exactly one of -m, -f, -l, -n.") }
        try OptionCheck.number(qos, in: 0...2, option: "-q")
        try OptionCheck.number(repeatCount, in: 1...Int.max, option: "--repeat-count")
        try OptionCheck.number(queue, in: 1...1_000_000, option: "--queue")
    }

    public func run() async throws {
        try await MQTTCLILoop.run { try await execute() }
    }

    private func execute() async throws {
        let qos = MQTTQoS(rawValue: qos) ?? .atMostOnce
        let client: MQTTClient
        do {
            client = try connection.makeClient(role: "pub") {
                $0.queueOverflowPolicy = .wait
                $0.maximumQueuedMessages = queue
            }
            try await client.connect()
        } catch {
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
        do {
            if lines {
                try await MQTTCLILoop.runBlocking {
                    while let line = readLine(strippingNewline: true) {
                        try await client.enqueue(MQTTMessage(topic: topic, string: line, qos: qos, retain: retain))
                    }
                }
            } else {
                let payload: [UInt8]
                if let message {
                    payload = Array(message.utf8)
                } else if let file {
                    guard let bytes = MQTTCLIFile.readBytes(file) else { throw MQTTCLIError("cannot read \(file)") }
                    payload = bytes
                } else {
                    payload = []
                }
                let outgoing = MQTTMessage(topic: topic, payload: payload, qos: qos, retain: retain)
                if repeatCount == 1 {
                    try await client.publish(outgoing)
                } else {
                    for _ in 0..<repeatCount { try await client.enqueue(outgoing) }
                }
            }
            try await client.flush()
            await client.disconnect()
        } catch {
            await client.disconnect()
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
    }
}
