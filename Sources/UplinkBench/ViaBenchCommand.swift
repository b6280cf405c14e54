import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import UplinkDriver
import UplinkMQTT
import UplinkMQTTNIO
import UplinkModule
import UplinkModuleServer
import UplinkOptions
import UplinkProcess

/// `uplink-bench via`: MQTT QoS 1 messages/s through the module over its pty, unpaced and paced like a UART, next
/// to the same client straight over TCP, in the same run against the same mosquitto.
struct ViaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "via",
        abstract: "MQTT QoS 1 through the module (host driver, pty) vs the same client over TCP.",
        discussion: """
            One mosquitto (stock configuration) on 127.0.0.1; the module in this process on a pseudo-terminal, the \
            host driver on the other end, the MQTT client on the driver (a module socket, TCP). Each run publishes \
            N QoS 1 messages of --payload bytes, pipelined (enqueue, then flush until every PUBACK is in). Paced \
            runs pace both ends at the baud rate (10 bits a byte): the module's output and the driver's. The line \
            allows (baud/10) / (bytes on the line per message) messages/s, where the bytes are counted on the \
            link in that run (AT commands, replies, WINDs and MQTT packets, both directions: the driver has one \
            command in flight at a time, as real drivers do, so the two directions take turns). Rounds are \
            interleaved; medians are reported.
            """
    )

    @Option(name: .long, help: "Messages per run: direct, unpaced, paced 921600, paced 115200.")
    var messages: [Int] = [5000, 3000, 600, 100]

    @Option(name: .long, help: "Payload bytes per message.")
    var payload = 64

    @Option(name: .long, help: "Interleaved rounds (median reported).")
    var rounds = 3

    func validate() throws {
        try OptionCheck.number(rounds, in: 1...50, option: "--rounds")
        try OptionCheck.number(payload, in: 1...65_536, option: "--payload")
        guard messages.count == 4, messages.allSatisfy({ (1...1_000_000).contains($0) }) else {
            throw ValidationError("--messages takes four counts from 1 to 1000000.")
        }
    }

    enum Mode: CaseIterable {
        case direct, unpaced, paced921600, paced115200

        var title: String {
            switch self {
            case .direct: return "direct TCP (no module)"
            case .unpaced: return "through the module, unpaced"
            case .paced921600: return "through the module, 921,600 baud"
            case .paced115200: return "through the module, 115,200 baud"
            }
        }

        var baud: Int? {
            switch self {
            case .paced921600: return 921_600
            case .paced115200: return 115_200
            default: return nil
            }
        }
    }

    struct Run {
        var rate: Double
        var sentPerMessage: Double
        var receivedPerMessage: Double
    }

    func run() async throws {
        let broker = try await MosquittoBroker.start(listenerLines: [])
        defer { broker.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var runs: [Int: [Run]] = [:]
        for round in 1...rounds {
            for (index, mode) in Mode.allCases.enumerated() {
                let run = try await measure(mode, count: messages[index], port: broker.port, group: group)
                runs[index, default: []].append(run)
                Console.progress(
                    String(format: "round %d  %-36@ %9.1f msg/s", round, mode.title as NSString, run.rate))
            }
        }
        try? await group.shutdownGracefully()
        report(runs)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    private func report(_ runs: [Int: [Run]]) {
        print("uplink-bench via: MQTT 3.1.1 QoS 1, \(payload)-byte payloads, pipelined, mosquitto on 127.0.0.1")
        print("median of \(rounds) interleaved round\(rounds == 1 ? "" : "s")")
        print("")
        var lineAllows: [Mode: Double] = [:]
        var rates: [Mode: Double] = [:]
        for (index, mode) in Mode.allCases.enumerated() {
            let modeRuns = runs[index] ?? []
            let rate = median(modeRuns.map(\.rate))
            rates[mode] = rate
            let up = median(modeRuns.map(\.sentPerMessage))
            let down = median(modeRuns.map(\.receivedPerMessage))
            var line = String(
                format: "%-36@ %10.1f msg/s  %10.0f payload B/s", mode.title as NSString, rate, rate * Double(payload))
            if mode != .direct {
                line += String(format: "   line bytes/msg: %.1f host→module + %.1f module→host", up, down)
            }
            print(line)
            if let baud = mode.baud {
                let allowed = Double(baud / 10) / (up + down)
                let fullDuplex = Double(baud / 10) / max(up, down)
                lineAllows[mode] = allowed
                print(
                    String(
                        format:
                            "    half-duplex (one command in flight, as drivers do): %d/10 / (%.1f + %.1f) = %.1f msg/s "
                            + "(%.0f payload B/s); achieved %.1f%%",
                        baud, up, down, allowed, allowed * Double(payload), 100 * rate / allowed))
                print(
                    String(
                        format:
                            "    full-duplex bound (both directions busy at once): %d/10 / max(%.1f, %.1f) = %.1f msg/s; "
                            + "achieved %.1f%%",
                        baud, up, down, fullDuplex, 100 * rate / fullDuplex))
            }
        }
        print("")
        let paced = [Mode.paced921600, .paced115200].map { mode -> (Mode, Double) in
            (mode, (rates[mode] ?? 0) / max(lineAllows[mode] ?? 1, 0.000_001))
        }
        for (mode, fraction) in paced {
            print(
                String(
                    format: "goal: %@ at least 90%% of what the line allows: %.1f%%  %@", mode.title as NSString,
                    100 * fraction, fraction >= 0.9 ? "PASS" : "MISS"))
        }
        let unpacedMultiple = (rates[.unpaced] ?? 0) / max(lineAllows[.paced921600] ?? 1, 0.000_001)
        print(
            String(
                format: "goal: unpaced at least 10× the 921,600-baud line's payload rate: %.1f×  %@", unpacedMultiple,
                unpacedMultiple >= 10 ? "PASS" : "MISS"))
        print(
            String(
                format: "direct TCP ÷ through the module, unpaced: %.1f×",
                (rates[.direct] ?? 0) / max(rates[.unpaced] ?? 1, 0.000_001)))
    }

    private func measure(_ mode: Mode, count: Int, port: Int, group: MultiThreadedEventLoopGroup) async throws -> Run {
        var configuration = MQTTClientConfiguration(
            clientIdentifier: "bench-via-\(UInt32.random(in: 0...UInt32.max))", version: .v3_1_1)
        configuration.maximumInflight = 20
        configuration.maximumQueuedMessages = count + 1
        let body = [UInt8](repeating: 0x78, count: payload)
        guard mode != .direct else {
            let transport = try MQTTNIOTransport(host: "127.0.0.1", port: port, tls: nil, eventLoopGroup: group)
            let client = try MQTTClient(configuration: configuration, transport: transport)
            try await client.connect()
            let start = ContinuousClock.now
            for _ in 0..<count {
                try await client.enqueue(MQTTMessage(topic: "bench/via", payload: body, qos: .atLeastOnce))
            }
            try await client.flush()
            let elapsed = ContinuousClock.now - start
            await client.disconnect()
            return Run(rate: Double(count) / elapsed.seconds, sentPerMessage: 0, receivedPerMessage: 0)
        }
        var options = ModuleOptions(profile: .spwf01)
        options.step = .milliseconds(1)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
        let server = try await ModuleServer.start(
            engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: mode.baud)
        guard let path = server.devicePath else {
            await server.stop()
            throw BenchError.setup("the module has no pty")
        }
        var driverConfiguration = ModuleDriverConfiguration()
        driverConfiguration.paceBaud = mode.baud
        let driver: ModuleDriver
        do {
            driver = try await ModuleDriver.open(path: path, configuration: driverConfiguration, group: group)
        } catch {
            await server.stop()
            throw error
        }
        do {
            try await driver.joinWiFi(ssid: "bench", passphrase: "benchmark")
            let client = try MQTTClient(
                configuration: configuration,
                transport: ModuleMQTTTransport(driver: driver, host: "127.0.0.1", port: port, kind: .tcp))
            try await client.connect()
            let before = await driver.statistics
            let start = ContinuousClock.now
            for _ in 0..<count {
                try await client.enqueue(MQTTMessage(topic: "bench/via", payload: body, qos: .atLeastOnce))
            }
            try await client.flush()
            let elapsed = ContinuousClock.now - start
            let after = await driver.statistics
            await client.disconnect()
            await driver.close()
            await server.stop()
            return Run(
                rate: Double(count) / elapsed.seconds,
                sentPerMessage: Double(after.bytesSent - before.bytesSent) / Double(count),
                receivedPerMessage: Double(after.bytesReceived - before.bytesReceived) / Double(count))
        } catch {
            await driver.close()
            await server.stop()
            throw error
        }
    }
}
