import UplinkDriver

/// Everything the host does for one module, through the host driver: join Wi-Fi, open a TCP socket to the echo
/// server, then the runs for each chunk size.
struct HostSession: Sendable {
    var devicePath: String
    var echoPort: Int
    var mode: PaceMode
    var chunkSizes: [Int]
    var bytesPerRun: Int
    var rounds: Int
    var warmupCycles: Int
    var timeoutSeconds: Double

    /// The measurements, one list of rounds per chunk size (in ``chunkSizes`` order).
    func run() async throws -> [[RunMeasurement]] {
        var configuration = ModuleDriverConfiguration()
        configuration.commandTimeout = .milliseconds(Int(timeoutSeconds * 1000))
        // The echo benchmark writes whole chunks: one SOCKW each, up to the module's limit.
        configuration.maximumWrite = max(chunkSizes.max() ?? 730, 730)
        configuration.maximumRead = max(chunkSizes.max() ?? 730, 730)
        let driver = try await ModuleDriver.open(path: devicePath, baud: 921_600, configuration: configuration)
        do {
            try await driver.joinWiFi(ssid: "bench", passphrase: "benchbench")
            let socket = try await driver.openSocket(host: "127.0.0.1", port: echoPort, kind: .tcp)
            var results: [[RunMeasurement]] = []
            for (chunkIndex, chunk) in chunkSizes.enumerated() {
                let cycles = max(1, bytesPerRun / chunk)
                if warmupCycles > 0 {
                    _ = try await EchoRun(
                        driver: driver, socket: socket, chunkBytes: chunk, cycles: warmupCycles, seed: 1
                    )
                    .run()
                }
                var rounds: [RunMeasurement] = []
                for round in 0..<self.rounds {
                    let seed = UInt64(chunkIndex * 1000 + round + 2)
                    let measurement = try await EchoRun(
                        driver: driver, socket: socket, chunkBytes: chunk, cycles: cycles, seed: seed
                    ).run()
                    Console.progress(
                        "  \(mode.rawValue) \(chunk) B, round \(round + 1)/\(self.rounds): "
                            + "\(BenchReport.rate(measurement.goodput)) in \(BenchReport.fixed(measurement.seconds, 2)) s, "
                            + "\(measurement.payloadBytes) bytes verified")
                    rounds.append(measurement)
                }
                results.append(rounds)
            }
            try await driver.closeSocket(socket)
            await driver.close()
            return results
        } catch {
            await driver.close()
            throw error
        }
    }
}
