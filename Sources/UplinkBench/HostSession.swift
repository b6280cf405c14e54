/// Everything the host does for one module: join Wi-Fi, open a TCP socket to the echo server, then
/// the runs for each chunk size. Runs on a thread of its own, with blocking I/O, like firmware.
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
    func run() throws -> [[RunMeasurement]] {
        let line = try SerialHost(path: devicePath, timeoutSeconds: timeoutSeconds)
        let driver = ATHostDriver(line: line)
        // The boot WINDs are waiting in the pty; AT syncs past them.
        try driver.command("AT")
        try driver.command("AT+S.SSIDTXT=bench")
        try driver.command("AT+S.SCFG=wifi_wpa_psk_text,benchbench")
        try driver.command("AT+S.WIFI=1")
        try driver.awaitWind(24, failingOn: [20, 40], timeoutLabel: "+WIND:24 (WiFi Up)")
        let socket = try driver.openTCPSocket(host: "127.0.0.1", port: echoPort)
        driver.socketID = socket

        var results: [[RunMeasurement]] = []
        for (chunkIndex, chunk) in chunkSizes.enumerated() {
            let cycles = max(1, bytesPerRun / chunk)
            if warmupCycles > 0 {
                _ = try EchoRun(driver: driver, socket: socket, chunkBytes: chunk, cycles: warmupCycles, seed: 1)
                    .run()
            }
            var rounds: [RunMeasurement] = []
            for round in 0..<self.rounds {
                let seed = UInt64(chunkIndex * 1000 + round + 2)
                let measurement = try EchoRun(
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
        try driver.command("AT+S.SOCKC=\(socket)")
        return results
    }
}
