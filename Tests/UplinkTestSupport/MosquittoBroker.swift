import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real mosquitto (Debian's), started by a test on 127.0.0.1 with an ephemeral port and stopped
/// by it; never any other mosquitto.
public final class MosquittoBroker: @unchecked Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// Its temporary folder (configuration and log).
    public let folder: String
    private let process: ChildProcess

    /// Starts mosquitto with the given extra listener lines (TLS files and so on).
    public init(listenerLines: [String]) throws {
        folder = NSTemporaryDirectory() + "uplink-mosquitto-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lastError = "no attempt"
        for _ in 0..<5 {
            let candidate = try TestPorts.free()
            var lines = [
                "per_listener_settings false", "persistence false", "log_dest stderr", "log_type error",
                "log_type warning", "allow_anonymous true", "set_tcp_nodelay true",
            ]
            if getuid() == 0 { lines.append("user root") }
            lines.append("listener \(candidate) 127.0.0.1")
            lines += listenerLines
            let conf = folder + "/mosquitto.conf"
            try (lines.joined(separator: "\n") + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
            let log = folder + "/mosquitto.log"
            let process = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", conf], outputPath: log)
            if Self.waitUntilListening(port: candidate, process: process) {
                self.port = candidate
                self.process = process
                return
            }
            process.forceKill()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        }
        throw BrokerError(message: "mosquitto did not start: \(lastError)")
    }

    /// Stops the broker this object started (SIGTERM, then SIGKILL after 5 s).
    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            process.forceKill()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit { stop() }

    public static func waitUntilListening(port: Int, process: ChildProcess) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            if TestPorts.isListening(port) { return true }
            usleep(20_000)
        }
        return false
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
