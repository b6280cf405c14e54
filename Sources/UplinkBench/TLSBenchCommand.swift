import ArgumentParser
import Foundation
import UplinkCredentials
import UplinkDriver
import UplinkOptions
import UplinkProcess

/// `uplink-bench tls`: mutual-TLS connects per second through the module (SOCKON `s` → handshake →
/// SOCKC), compared in the same run with `openssl s_time` and `mosquitto_pub` against the same broker.
struct TLSBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls",
        abstract: "Mutual-TLS connects/s through the module vs openssl s_time and mosquitto_pub, one broker.",
        discussion: """
            Starts mosquitto (Debian package) on 127.0.0.1 with require_certificate and TLS 1.2 (what the
            module speaks), TCP_NODELAY on (set_tcp_nodelay true; the module sets it on its sockets), and
            credentials from the development PKI (EC P-256, or RSA 2048 with --rsa). The module runs on a
            real pseudo-terminal; the host loads the credentials with AT+S.TLSCERT.
            """
    )

    @Option(help: "Connects per round through the module.") var count = 300
    @Option(help: "mosquitto_pub runs per round.") var processes = 100
    @Option(help: "Seconds of openssl s_time per round.") var seconds = 3
    @Option(help: "Interleaved rounds; the report gives medians.") var rounds = 3
    @Flag(help: "RSA 2048 credentials instead of EC P-256.") var rsa = false

    func validate() throws {
        try OptionCheck.number(count, in: 1...1_000_000, option: "--count")
        try OptionCheck.number(processes, in: 1...100_000, option: "--processes")
        try OptionCheck.number(seconds, in: 1...3600, option: "--seconds")
        try OptionCheck.number(rounds, in: 1...50, option: "--rounds")
    }

    func run() async throws {
        let folder = NSTemporaryDirectory() + "uplink-bench-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = DevPKI.Options()
        if rsa { options.keyAlgorithm = .rsa(bits: 2048) }
        let pki = try DevPKI.generate(options)
        _ = try pki.write(to: folder)
        let broker = try await MosquittoBroker.start(listenerLines: [
            "cafile \(folder)/ca.pem", "certfile \(folder)/server.pem", "keyfile \(folder)/server.key",
            "require_certificate true", "tls_version tlsv1.2",
        ])
        defer { broker.stop() }
        let module = try await ModuleUnderTest.start(paceBaud: nil)
        var results: (module: [Double], sTime: [Double], pub: [Double]) = ([], [], [])
        do {
            let host = try await TLSBenchHost.start(devicePath: module.devicePath, pki: pki)
            for round in 1...rounds {
                Console.progress("round \(round)/\(rounds): module")
                results.module.append(try await host.connects(port: broker.port, count: count))
                Console.progress("round \(round)/\(rounds): openssl s_time")
                results.sTime.append(try Self.sTime(port: broker.port, folder: folder, seconds: seconds))
                Console.progress("round \(round)/\(rounds): mosquitto_pub")
                results.pub.append(try Self.mosquittoPub(port: broker.port, folder: folder, runs: processes))
            }
            await host.close()
        } catch {
            await module.stop()
            throw error
        }
        await module.stop()
        let median = { (values: [Double]) -> Double in values.sorted()[values.count / 2] }
        let ours = median(results.module)
        print(
            "uplink-bench tls: mutual TLS 1.2, \(rsa ? "RSA 2048" : "EC P-256") credentials, mosquitto with TCP_NODELAY"
        )
        print("connects/s, \(rounds) interleaved rounds, medians:")
        print(String(format: "  module (SOCKON s → handshake → SOCKC, pty)  %8.1f", ours))
        print(
            String(
                format: "  openssl s_time (one process)                %8.1f   module is %.2f× this",
                median(results.sTime), ours / median(results.sTime)))
        print(
            String(
                format: "  mosquitto_pub (a process per connect)       %8.1f   module is %.2f× this",
                median(results.pub), ours / median(results.pub)))
    }

    /// `openssl s_time -new`: full handshakes with the client certificate for `seconds` seconds.
    static func sTime(port: Int, folder: String, seconds: Int) throws -> Double {
        let output = try DNSBenchCommand.runTool(
            "/usr/bin/openssl",
            [
                "s_time", "-connect", "127.0.0.1:\(port)", "-new", "-time", String(seconds), "-tls1_2",
                "-cert", folder + "/device-0001.pem", "-key", folder + "/device-0001.key", "-CAfile",
                folder + "/ca.pem",
            ])
        // "1276 connections in 3 real seconds, 0 bytes read per connection"
        guard let line = output.split(separator: "\n").first(where: { $0.contains("real seconds") }),
            let connections = Double(line.split(separator: " ").first ?? ""),
            let realSeconds = Double(line.components(separatedBy: " in ").last?.split(separator: " ").first ?? "")
        else { throw BenchError.setup("openssl s_time said: \(output.suffix(300))") }
        return connections / realSeconds
    }

    /// `mosquitto_pub` with the device's credentials, `runs` times: connect, publish, disconnect.
    static func mosquittoPub(port: Int, folder: String, runs: Int) throws -> Double {
        let started = ContinuousClock.now
        for _ in 0..<runs {
            _ = try DNSBenchCommand.runTool(
                "/usr/bin/mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", String(port), "--cafile", folder + "/ca.pem", "--cert",
                    folder + "/device-0001.pem", "--key", folder + "/device-0001.key", "-t", "bench", "-m", "x",
                ])
        }
        return Double(runs) / (ContinuousClock.now - started).seconds
    }
}

/// The module's host for the TLS benchmark, through the host driver: loads the credentials, then opens and closes
/// TLS sockets.
final class TLSBenchHost: Sendable {
    private let driver: ModuleDriver

    private init(driver: ModuleDriver) {
        self.driver = driver
    }

    static func start(devicePath: String, pki: DevPKI) async throws -> TLSBenchHost {
        var configuration = ModuleDriverConfiguration()
        configuration.commandTimeout = .seconds(30)
        let driver = try await ModuleDriver.open(path: devicePath, configuration: configuration)
        try await driver.joinWiFi(ssid: "bench", passphrase: "benchbench")
        guard let device = pki.devices.first else { throw BenchError.setup("no device in the PKI") }
        try await driver.storeCredential(.ca, Array(pki.root.certificate.pemString.utf8))
        try await driver.storeCredential(.cert, Array(device.certificate.pemString.utf8))
        try await driver.storeCredential(.key, Array(device.key.pemString.utf8))
        try await driver.setTLSDomain("localhost")
        return TLSBenchHost(driver: driver)
    }

    /// `count` times SOCKON `s` (returns after the handshake) and SOCKC; connects per second.
    func connects(port: Int, count: Int) async throws -> Double {
        let started = ContinuousClock.now
        for _ in 0..<count {
            let id = try await driver.openSocket(host: "127.0.0.1", port: port, kind: .tls(commonName: nil))
            try await driver.closeSocket(id)
        }
        return Double(count) / (ContinuousClock.now - started).seconds
    }

    func close() async {
        await driver.close()
    }
}
