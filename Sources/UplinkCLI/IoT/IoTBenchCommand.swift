import ATCodec
import ArgumentParser
import Foundation
import UplinkDriver
import UplinkMQTT

/// `uplink iot bench`: onboards devices by JITR through the front and mosquitto, and measures what the front costs
/// against the same clients straight to mosquitto in the same run.
struct IoTBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the front: JITR onboarding, CONNECT and QoS 1 PUBLISH against plain mosquitto.",
        discussion: """
            Starts mosquitto (a plain listener behind the front, a mutual-TLS listener for the baseline) and the \
            front on loopback with a fresh development PKI and an activation rule. Each device: first connect \
            (registered, closed), activation, reconnect, one QoS 1 publish the policy allows — as direct TLS \
            clients and through in-process SPWF04 modules on pseudo-terminals. Prints devices/s and p50/p99 from \
            first connect to first accepted publish, the front's added latency per CONNECT and per PUBLISH, and the \
            goals as measured ratios. Progress goes to standard error.
            """
    )

    @Option(name: .long, help: "Devices onboarded as direct TLS clients.")
    var devices = 1000

    @Option(name: .long, help: "Devices onboarded through in-process modules (0 for none).")
    var moduleDevices = 100

    @Option(name: .long, help: "In-process modules the module devices share.")
    var modules = 4

    @Option(name: .long, help: "Direct clients at work at the same time.")
    var concurrency = 32

    @Option(
        name: .long, help: "QoS 1 publishes per path for the throughput (straight to mosquitto, through the front).")
    var publishes = 100_000

    @Option(name: .long, help: "QoS 1 publishes per path for the latency, one in flight per connection.")
    var latencyPublishes = 5000

    @Option(name: .long, help: "Connections the publishes are spread over.")
    var publishers = 8

    @Option(name: .long, help: "QoS 1 publishes each connection keeps in flight for the throughput.")
    var window = 20

    @Option(name: .long, help: "Publish rounds per path, alternating the paths; the median round is reported.")
    var rounds = 3

    @Flag(name: .long, help: "No progress bar.")
    var noProgress = false

    func validate() throws {
        guard (1...9000).contains(devices) else { throw ValidationError("--devices must be between 1 and 9000") }
        guard (0...999).contains(moduleDevices) else {
            throw ValidationError("--module-devices must be between 0 and 999")
        }
        guard (1...16).contains(modules) else { throw ValidationError("--modules must be between 1 and 16") }
        guard (1...512).contains(concurrency) else {
            throw ValidationError("--concurrency must be between 1 and 512")
        }
        guard (1...devices).contains(publishers) else {
            throw ValidationError("--publishers must be between 1 and --devices (\(devices))")
        }
        guard (1...15).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 15") }
        guard (1...100).contains(window) else { throw ValidationError("--window must be between 1 and 100") }
        guard (publishers * window...1_000_000).contains(publishes) else {
            throw ValidationError("--publishes must be between --publishers × --window and 1000000")
        }
        guard (publishers...1_000_000).contains(latencyPublishes) else {
            throw ValidationError("--latency-publishes must be between --publishers and 1000000")
        }
    }

    func run() async throws {
        let progress = !noProgress
        FileHandle.standardError.write(
            Data("uplink iot bench: generating \(devices + moduleDevices) device certificates…\n".utf8))
        let lab = try await IoTBenchLab.start(devices: devices + moduleDevices)
        do {
            let report = try await measure(lab, progress: progress)
            await lab.stop()
            print(report.text, terminator: "")
        } catch {
            await lab.stop()
            throw error
        }
    }

    private func measure(_ lab: IoTBenchLab, progress: Bool) async throws -> IoTBenchReport {
        // The baseline: plain mutual-TLS connects straight to mosquitto, the same clients.
        let connectsToBroker = try await IoTBenchSample.run(
            devices, width: concurrency,
            progress: IoTBenchProgress("mTLS CONNECT to mosquitto", total: devices, enabled: progress)
        ) { index in try await Self.timedConnect(lab.directClient(index, toFront: false)) }

        let onboarding = IoTBenchOnboarding(lab: lab)
        let direct = try await IoTBenchSample.run(
            devices, width: concurrency,
            progress: IoTBenchProgress("onboarding, direct TLS", total: devices, enabled: progress)
        ) { index in
            try await onboarding.onboard(index) { try lab.directClient(index, toFront: true) }
        }

        let throughModules = moduleDevices > 0 ? try await onboardThroughModules(lab, onboarding, progress) : nil

        // One CONNECT per second per client id: the onboarded devices connect again a second later.
        try await Task.sleep(for: .milliseconds(1100))
        let connectsToFront = try await IoTBenchSample.run(
            devices, width: concurrency,
            progress: IoTBenchProgress("mTLS CONNECT to the front", total: devices, enabled: progress)
        ) { index in try await Self.timedConnect(lab.directClient(index, toFront: true)) }

        // Publish rounds: one in flight per connection (latency), then `window` (throughput); in each round
        // both paths, the order alternating from round to round, so that the machine's drift hits both.
        var latency: (broker: [IoTBenchSample], front: [IoTBenchSample]) = ([], [])
        var throughput: (broker: [IoTBenchSample], front: [IoTBenchSample]) = ([], [])
        for (count, window) in [(latencyPublishes, 1), (publishes, window)] {
            for round in 0..<rounds {
                for toFront in round.isMultiple(of: 2) ? [false, true] : [true, false] {
                    // One CONNECT per second per client id.
                    try await Task.sleep(for: .milliseconds(1100))
                    let label =
                        "QoS 1 PUBLISH \(window == 1 ? "one at a time" : "\(window) in flight") "
                        + (toFront ? "to the front" : "to mosquitto") + " (round \(round + 1)/\(rounds))"
                    let sample = try await IoTBenchPublishing.run(
                        clients: try (0..<publishers).map { try lab.directClient($0, toFront: toFront) },
                        topics: (0..<publishers).map(lab.topic), count: count, window: window,
                        progress: IoTBenchProgress(label, total: count, enabled: progress))
                    switch (window == 1, toFront) {
                    case (true, false): latency.broker.append(sample)
                    case (true, true): latency.front.append(sample)
                    case (false, false): throughput.broker.append(sample)
                    case (false, true): throughput.front.append(sample)
                    }
                }
            }
        }

        return IoTBenchReport(
            devices: devices, moduleDevices: moduleDevices, modules: modules, concurrency: concurrency,
            publishers: publishers, window: window, rounds: rounds, onboarding: direct,
            moduleOnboarding: throughModules, connectsToBroker: connectsToBroker, connectsToFront: connectsToFront,
            latencyToBroker: .median(latency.broker), latencyToFront: .median(latency.front),
            publishesToBroker: .median(throughput.broker), publishesToFront: .median(throughput.front))
    }

    /// Devices `devices..<devices + moduleDevices`, shared among the modules; each module onboards its devices one
    /// after another (one identity in its slots at a time), the modules side by side.
    private func onboardThroughModules(_ lab: IoTBenchLab, _ onboarding: IoTBenchOnboarding, _ progress: Bool)
        async throws -> IoTBenchSample
    {
        let count = min(modules, moduleDevices)
        var started: [IoTBenchModule] = []
        do {
            for _ in 0..<count { started.append(try await IoTBenchModule.start()) }
        } catch {
            for module in started { await module.stop() }
            throw error
        }
        let bar = IoTBenchProgress("onboarding, through modules", total: moduleDevices, enabled: progress)
        let first = devices
        let total = moduleDevices
        let start = ContinuousClock.now
        do {
            var durations: [Duration] = []
            try await withThrowingTaskGroup(of: [Duration].self) { group in
                for (slot, module) in started.enumerated() {
                    group.addTask {
                        var timings: [Duration] = []
                        for index in stride(from: first + slot, to: first + total, by: count) {
                            try await module.load(device: index, of: lab.pki)
                            timings.append(
                                try await onboarding.onboard(index) {
                                    let transport = ModuleMQTTTransport(
                                        driver: module.driver, host: IoTBenchModule.frontName, port: lab.frontPort,
                                        kind: .tls(commonName: nil))
                                    return try MQTTClient(
                                        configuration: IoTBenchLab.clientConfiguration(lab.deviceName(index)),
                                        transport: transport)
                                })
                            bar.advance()
                        }
                        return timings
                    }
                }
                for try await timings in group { durations += timings }
            }
            let elapsed = ContinuousClock.now - start
            bar.finish()
            for module in started { await module.stop() }
            return IoTBenchSample(durations: durations, elapsed: elapsed)
        } catch {
            for module in started { await module.stop() }
            throw error
        }
    }

    /// TCP, the TLS handshake and CONNECT/CONNACK, timed; then a clean disconnect (not timed).
    static func timedConnect(_ client: MQTTClient) async throws -> Duration {
        let start = ContinuousClock.now
        _ = try await client.connect()
        let elapsed = ContinuousClock.now - start
        await client.disconnect()
        return elapsed
    }
}
