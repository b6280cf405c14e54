import ArgumentParser
import MQTTCodec
import UplinkMQTT
import UplinkOptions

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

    @Option(
        name: [.customShort("U"), .customLong("unsubscribe")],
        help: "Unsubscribe from this filter once subscribed (repeatable); for a persistent session's old filters.")
    var unsubscribeFilters: [String] = []

    @Flag(name: .customShort("R"), help: "Do not print stale messages (retain flag set); they do not count for -C.")
    var noRetained = false

    @Flag(name: .customLong("retained-only"), help: "Print only retained messages; exit at the first fresh one.")
    var retainedOnly = false

    @Option(
        name: .customShort("F"),
        help: ArgumentHelp(
            "Output format, as mosquitto_sub's; overrides -v.",
            discussion:
                "%t topic, %p payload, %q QoS, %r retain flag, %m packet id, %l length, %x/%X hex payload, %I ISO-8601 time, %U Unix time, %% a %; @X strftime's %X, @N nanoseconds, @@ an @; escapes \\n \\0 \\t \\e \\\\."
        ))
    var format: String?

    @Flag(name: .customShort("E"), help: "Exit once the subscriptions (and -U) are acknowledged.")
    var exitAfterSubscribe = false

    @Option(
        name: .customShort("W"),
        help: "Stop after this many seconds from connecting; exit status 27 (as mosquitto_sub).")
    var timeout: Int?

    public func validate() throws {
        guard !topics.isEmpty else { throw ValidationError("Give at least one -t topic filter.") }
        try OptionCheck.number(qos, in: 0...2, option: "-q")
        if let count { try OptionCheck.number(count, in: 1...Int.max, option: "-C") }
        if let timeout { try OptionCheck.number(timeout, in: 1...Int(Int32.max), option: "-W") }
        if noRetained && retainedOnly { throw ValidationError("-R and --retained-only exclude each other.") }
        if let format {
            do { _ = try MQTTOutputFormat(parsing: format) } catch { throw ValidationError(error.description) }
        }
    }

    public func run() async throws {
        try await MQTTCLILoop.run { try await execute() }
    }

    /// mosquitto_sub's exit status when -W ran out.
    static let timedOutStatus: Int32 = 27

    private func execute() async throws {
        let qos = MQTTQoS(rawValue: qos) ?? .atMostOnce
        let subscriptions = topics.map { MQTTSubscription(topicFilter: $0, qos: qos) }
        let outputFormat = try format.map { format throws(MQTTCLIError) in try MQTTOutputFormat(parsing: format) }
        let client: MQTTClient
        let stream: MQTTSubscriptionStream
        do {
            client = try connection.makeClient(role: "sub")
            if exitAfterSubscribe {
                // -E: connected first, so subscribe returns at SUBACK (and throws if every filter is refused).
                try await client.connect()
                _ = try await client.subscribe(to: subscriptions)
                if !unsubscribeFilters.isEmpty { try await client.unsubscribe(from: unsubscribeFilters) }
                await client.disconnect()
                return
            }
            // Registered before connecting: messages of a resumed session arrive right after CONNACK. -U too: its
            // UNSUBSCRIBE follows the SUBSCRIBE right after CONNACK, as mosquitto_sub sends them.
            stream = try await client.subscribe(to: subscriptions)
            if !unsubscribeFilters.isEmpty { try await client.unsubscribe(from: unsubscribeFilters) }
            try await client.connect()
        } catch {
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
        let timer = timeout.map { seconds in
            Task { () -> Bool in
                try await Task.sleep(for: .seconds(seconds))
                await client.disconnect()
                return true
            }
        }
        var output = MQTTOutputBuffer()
        var received = 0
        do {
            var iterator = stream.makeAsyncIterator()
            // One suspension per batch of received messages, one write per batch (or per 16 KiB).
            batches: while let first = try await iterator.next() {
                var next: MQTTMessage? = first
                while let message = next {
                    // --retained-only: the first fresh message ends it (not printed); -R: stale ones are skipped.
                    if retainedOnly && !message.retain { break batches }
                    if !(noRetained && message.retain) {
                        if let outputFormat {
                            outputFormat.render(message, into: &output)
                        } else {
                            if verbose {
                                output.append(message.topic)
                                output.append(" ")
                            }
                            output.append(message.payload)
                        }
                        if !noNewline { output.append("\n") }
                        received += 1
                        if let count, received >= count { break batches }
                        if output.count >= 16_384 { output.flush() }
                    }
                    next = iterator.nextIfBuffered()
                }
                output.flush()
            }
            output.flush()
            timer?.cancel()
            // QoS 2: what was printed was acknowledged with PUBREC; let the broker's PUBREL and our PUBCOMP complete
            // before DISCONNECT, so it does not hold those messages as unfinished.
            _ = await client.waitForInboundReleases(timeout: .seconds(5))
            await client.disconnect()
        } catch {
            output.flush()
            timer?.cancel()
            await client.disconnect()
            throw MQTTCLIReport.fail(error, host: connection.host, port: connection.port)
        }
        if let timer, (try? await timer.value) == true {
            MQTTCLIReport.writeError("\(MQTTCLIReport.commandName): timed out after \(timeout ?? 0) s\n")
            throw ExitCode(MQTTSubscribeCommand.timedOutStatus)
        }
    }
}
