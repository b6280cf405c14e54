import ArgumentParser
import Foundation
import UplinkOptions

/// `uplink-bench mqtt`: publisher → mosquitto → subscriber throughput at QoS 0/1/2 for this client, Python
/// paho-mqtt and the C clients (mosquitto_pub/sub), mutual-TLS connects/s, and the publisher's peak memory.
struct MQTTBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "MQTT throughput of uplink-mqtt pub/sub vs paho-mqtt (Python) and mosquitto_pub/sub (C).",
        discussion: """
            Starts one mosquitto on 127.0.0.1 (TCP_NODELAY, a plain and a mutual-TLS listener) and, for each QoS \
            and each client, runs a subscriber process and a publisher process (64-byte payloads). The rate is the \
            message count over the time from the subscriber's first to its last message; a run that does not \
            deliver every message fails the benchmark (no figure is reported for it). Rounds are interleaved \
            across clients and the median is reported, with the ratio to the C clients. The publisher's peak \
            memory is its own VmHWM, sampled until it exits. Connects/s: one process per mutual-TLS connection \
            (CONNECT, one QoS 0 PUBLISH, DISCONNECT) for uplink and mosquitto_pub, and openssl s_client (TLS \
            handshake only) as a floor. Run it with scripts/bench mqtt (release build, static Swift runtime).
            """
    )

    @Option(name: .long, help: "Messages per run at QoS 0, 1, 2.")
    var messages: [Int] = [100_000, 30_000, 20_000]

    @Option(name: .long, help: "Interleaved rounds (median reported).")
    var rounds = 3

    @Option(
        name: .long, parsing: .upToNextOption,
        help: "Clients to run: uplink, paho, c (the ratios need c).")
    var clients: [String] = MQTTBenchClient.allCases.map(\.rawValue)

    @Option(name: .long, help: "Mutual-TLS connections per client and round (0 skips).")
    var connects = 40

    @Option(name: .long, help: "The uplink-mqtt executable (default: next to uplink-bench).")
    var uplinkMqtt: String?

    @Option(name: .long, help: "The uplink executable, for its memory figure (default: next to uplink-bench).")
    var uplink: String?

    @Option(name: .long, help: "Python with paho-mqtt (default: $UPLINK_PYTHON, else .build-venv/bin/python).")
    var python: String?

    @Option(name: .long, help: "Seconds a run may take (1 to 86400).")
    var timeout: Double = 120

    func validate() throws {
        try OptionCheck.number(rounds, in: 1...50, option: "--rounds")
        try OptionCheck.number(connects, in: 0...100_000, option: "--connects")
        _ = try OptionCheck.seconds(timeout, in: 1...86_400, option: "--timeout")
        for client in clients where MQTTBenchClient(rawValue: client) == nil {
            throw ValidationError("--clients takes uplink, paho and c, not \(client).")
        }
        guard !messages.isEmpty else { throw ValidationError("--messages takes at least one count.") }
        for count in messages { try OptionCheck.number(count, in: 1...100_000_000, option: "--messages") }
    }

    func run() async throws {
        let tools = try MQTTBenchTools.locate(uplinkMQTT: uplinkMqtt, uplink: uplink, python: python)
        let broker = try await MQTTBenchBroker.start()
        defer { broker.stop() }
        let payload = String(repeating: "x", count: 64)
        var results: [MQTTBenchKey: [MQTTBenchRun]] = [:]
        var failures: [String] = []
        var connectRates: [MQTTBenchConnectClient: [Double]] = [:]
        var multiCommandMemory: [MQTTBenchRun] = []
        for round in 1...rounds {
            for (qosIndex, qos) in [0, 1, 2].enumerated() {
                let count = messages[min(qosIndex, messages.count - 1)]
                for client in MQTTBenchClient.allCases where clients.contains(client.rawValue) {
                    do {
                        let run = try MQTTBenchRunner.measure(
                            client: client, qos: qos, count: count, payload: payload, port: broker.port, tools: tools,
                            timeout: timeout)
                        results[MQTTBenchKey(client: client, qos: qos), default: []].append(run)
                        print(
                            String(
                                format:
                                    "round %d  QoS %d  %-30@ %9.0f msg/s  (%d in %.3f s)  publisher peak RSS %5.1f MiB (anonymous %4.1f MiB)",
                                round, qos, client.title as NSString, run.rate, run.received, run.seconds,
                                Double(run.publisherPeakRSS) / 1_048_576, Double(run.publisherPeakAnonymous) / 1_048_576
                            ))
                    } catch {
                        failures.append("round \(round): \(error)")
                        print("round \(round)  QoS \(qos)  \(client.title)  FAILED: \(error)")
                    }
                }
            }
            do {
                let run = try MQTTBenchRunner.publisherMemory(
                    [tools.uplink, "mqtt", "pub"], port: broker.port, count: messages[min(1, messages.count - 1)],
                    payload: payload, timeout: timeout)
                multiCommandMemory.append(run)
                print(
                    String(
                        format: "round %d  QoS 1  %-30@ publisher alone: peak RSS %5.1f MiB (anonymous %4.1f MiB)",
                        round,
                        "uplink mqtt pub (multi-command)" as NSString, Double(run.publisherPeakRSS) / 1_048_576,
                        Double(run.publisherPeakAnonymous) / 1_048_576))
            } catch {
                failures.append("round \(round): uplink mqtt pub memory: \(error)")
                print("round \(round)  uplink mqtt pub memory  FAILED: \(error)")
            }
            if connects > 0 {
                for client in MQTTBenchConnectClient.allCases {
                    do {
                        let rate = try MQTTBenchRunner.connects(
                            client.command(tools: tools, broker: broker), count: connects, timeout: 30)
                        connectRates[client, default: []].append(rate)
                        print(
                            String(
                                format: "round %d  mutual TLS  %-34@ %7.1f connects/s", round,
                                client.title as NSString, rate))
                    } catch {
                        failures.append("round \(round): connects \(client.title): \(error)")
                        print("round \(round)  mutual TLS  \(client.title)  FAILED: \(error)")
                    }
                }
            }
        }
        MQTTBenchReport.print(
            results, connects: connectRates, multiCommandMemory: multiCommandMemory, rounds: rounds)
        if !failures.isEmpty {
            print("\nFAILED: \(failures.count) run(s) did not complete; their figures are left out:")
            for failure in failures { print("  \(failure)") }
            throw ExitCode(1)
        }
    }
}

/// The clients whose mutual-TLS connection rate is measured.
enum MQTTBenchConnectClient: String, CaseIterable, Hashable {
    case uplink, c, openssl

    var title: String {
        switch self {
        case .uplink: return "uplink-mqtt pub (Swift)"
        case .c: return "mosquitto_pub (C)"
        case .openssl: return "openssl s_client (TLS only)"
        }
    }

    func command(tools: MQTTBenchTools, broker: MQTTBenchBroker) -> [String] {
        let pki = broker.pki
        switch self {
        case .uplink:
            return [
                tools.uplinkMQTT, "pub", "-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", pki.ca, "--cert",
                pki.clientCertificate, "--key", pki.clientKey, "-t", "bench/connect", "-m", "x",
            ]
        case .c:
            return [
                "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", "\(broker.tlsPort)", "--cafile", pki.ca, "--cert",
                pki.clientCertificate, "--key", pki.clientKey, "-t", "bench/connect", "-m", "x",
            ]
        case .openssl:
            return [
                tools.openssl, "s_client", "-quiet", "-no_ign_eof", "-connect", "127.0.0.1:\(broker.tlsPort)",
                "-CAfile", pki.ca,
                "-cert", pki.clientCertificate, "-key", pki.clientKey, "-verify_return_error",
            ]
        }
    }
}
