import Foundation
import Testing
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A mosquitto broker started by a test on 127.0.0.1 with ephemeral ports and its own configuration and
/// persistence folder; stopped (only this process) at the end.
final class Mosquitto: @unchecked Sendable {
    static let executable = "/usr/sbin/mosquitto"

    let folder: MQTTScratch
    private(set) var port: Int = 0
    private(set) var tlsPort: Int?
    private(set) var process: ChildProcess?
    private var starts = 0
    private var persistenceFolder: String?

    /// Starts mosquitto with its stock settings. `config` lines are added to the plain listener's global section (a
    /// test about a setting); `pki` adds a mutual-TLS listener; `persistence` keeps sessions and messages in the
    /// folder (saved on every change).
    init(config: [String] = [], pki: MQTTTestPKI? = nil, persistence: Bool = false) async throws {
        guard FileManager.default.isExecutableFile(atPath: Mosquitto.executable) else {
            throw MQTTTestSetupError(
                description: "mosquitto is missing: apt-get install -y mosquitto mosquitto-clients (scripts/test does)")
        }
        folder = try MQTTScratch("mosquitto")
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try TestPorts.free()
            let tlsPort = pki == nil ? nil : try TestPorts.free()
            // mosquitto's stock configuration (Debian's mosquitto 2.0.11 as installed), so the tests meet what a
            // user meets: `max_inflight_messages 20`, `max_queued_messages 1000`, Nagle on. Only what a test cannot do
            // without is set: its own listener on 127.0.0.1 (with anonymous clients allowed, as the stock broker
            // allows them in its loopback-only mode), the user it runs as, where it logs; a test about a setting
            // passes it in `config`.
            var lines = [
                "allow_anonymous true",
                "user root",
                "log_dest file \(folder.path("mosquitto.log"))",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
            ]
            if persistence {
                // Saved after every change (so kill -9 loses nothing the broker acknowledged), in memory-backed
                // /dev/shm when there is one: mosquitto rewrites its whole database at each save.
                let shm = "/dev/shm/uplink-mosquitto-\(UUID().uuidString)"
                let location =
                    (try? FileManager.default.createDirectory(atPath: shm, withIntermediateDirectories: true)) != nil
                    ? shm : folder.path("")
                persistenceFolder = location
                lines += [
                    "persistence true", "persistence_location \(location)/", "autosave_on_changes true",
                    "autosave_interval 1",
                ]
            }
            lines.append("listener \(port) 127.0.0.1")
            lines += config
            if let pki, let tlsPort {
                lines += [
                    "listener \(tlsPort) 127.0.0.1", "cafile \(pki.caFile)", "certfile \(pki.serverCertificate)",
                    "keyfile \(pki.serverKey)", "require_certificate true", "tls_version tlsv1.2",
                ]
            }
            try folder.write("mosquitto.conf", lines.joined(separator: "\n") + "\n")
            self.port = port
            self.tlsPort = tlsPort
            do {
                try await launch()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? MQTTTestSetupError(description: "mosquitto did not start")
    }

    /// (Re)starts the broker with the same configuration and ports.
    func launch() async throws {
        starts += 1
        let process = try MQTTChild.start(
            Mosquitto.executable, ["-c", folder.path("mosquitto.conf")], in: folder, name: "mosquitto\(starts)")
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !(TestPorts.isListening(port)
            && (tlsPort.map(TestPorts.isListening) ?? true))
        {
            guard process.isRunning else {
                throw MQTTTestSetupError(description: "mosquitto exited at start:\n\(log)")
            }
            guard Date() < deadline else {
                await MQTTChild.kill9(process)
                throw MQTTTestSetupError(description: "mosquitto did not open port \(port) in 10 s:\n\(log)")
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// kill -9, then wait until it is gone.
    func kill9() async {
        if let process { await MQTTChild.kill9(process) }
    }

    /// Stops the broker (SIGKILL: nothing of its state is needed afterwards).
    func stop() async {
        await kill9()
    }

    var log: String {
        (1...max(starts, 1)).map { folder.read("mosquitto\($0).err") }.joined() + folder.read("mosquitto.log")
    }

    deinit {
        process?.forceKill()
        if let persistenceFolder, persistenceFolder.hasPrefix("/dev/shm/") {
            try? FileManager.default.removeItem(atPath: persistenceFolder)
        }
    }
}
