import Foundation
import Testing
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A mosquitto broker started by a test on 127.0.0.1 with ephemeral ports, its stock configuration and its own
/// persistence folder; stopped (only this process) at the end. Launched by `UplinkProcess.MosquittoBroker`.
final class Mosquitto: @unchecked Sendable {
    static let executable = "/usr/sbin/mosquitto"

    let port: Int
    let tlsPort: Int?
    private let broker: MosquittoBroker
    private let persistenceFolder: String?

    /// Starts mosquitto with its stock settings. `config` lines are added to the plain listener's global section (a
    /// test about a setting); `pki` adds a mutual-TLS listener; `persistence` keeps sessions and messages in the
    /// folder (saved on every change).
    init(config: [String] = [], pki: MQTTTestPKI? = nil, persistence: Bool = false) async throws {
        guard FileManager.default.isExecutableFile(atPath: Mosquitto.executable) else {
            throw MQTTTestSetupError(
                description: "mosquitto is missing: apt-get install -y mosquitto mosquitto-clients (scripts/test does)")
        }
        // Saved after every change (so kill -9 loses nothing the broker acknowledged), in memory-backed /dev/shm
        // when there is one: mosquitto rewrites its whole database at each save.
        var persistenceFolder: String?
        if persistence {
            let shm = "/dev/shm/uplink-mosquitto-\(UUID().uuidString)"
            if (try? FileManager.default.createDirectory(atPath: shm, withIntermediateDirectories: true)) != nil {
                persistenceFolder = shm
            }
        }
        let shm = persistenceFolder
        broker = try await MosquittoBroker.start(listeners: pki == nil ? 1 : 2) { ports, folder in
            // mosquitto's stock configuration (Debian's mosquitto 2.0.11 as installed), so the tests meet what a
            // user meets: `max_inflight_messages 20`, `max_queued_messages 1000`, Nagle on. Only what a test cannot do
            // without is set: its own listener on 127.0.0.1 (with anonymous clients allowed, as the stock broker
            // allows them in its loopback-only mode), the user it runs as, where it logs; a test about a setting
            // passes it in `config`.
            var lines = [
                "allow_anonymous true",
                "user root",
                "log_dest file \(folder)/mosquitto.log",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
            ]
            if persistence {
                lines += [
                    "persistence true", "persistence_location \(shm ?? folder)/", "autosave_on_changes true",
                    "autosave_interval 1",
                ]
            }
            lines.append("listener \(ports[0]) 127.0.0.1")
            lines += config
            if let pki {
                lines += [
                    "listener \(ports[1]) 127.0.0.1", "cafile \(pki.caFile)", "certfile \(pki.serverCertificate)",
                    "keyfile \(pki.serverKey)", "require_certificate true", "tls_version tlsv1.2",
                ]
            }
            return lines
        }
        port = broker.port
        tlsPort = broker.secondPort
        self.persistenceFolder = persistenceFolder
    }

    /// Starts the broker again with the same configuration and ports (after ``kill9()``).
    func launch() async throws {
        try await broker.launch()
    }

    /// kill -9, then wait until it is gone.
    func kill9() async {
        broker.kill()
    }

    /// Stops the broker (SIGKILL: nothing of its state is needed afterwards).
    func stop() async {
        broker.kill()
    }

    var log: String {
        broker.log + ((try? String(contentsOfFile: broker.folder + "/mosquitto.log", encoding: .utf8)) ?? "")
    }

    deinit {
        broker.kill()
        if let persistenceFolder {
            try? FileManager.default.removeItem(atPath: persistenceFolder)
        }
    }
}
