import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real mosquitto (Debian's), started by a test or a benchmark on 127.0.0.1 with a free port and stopped
/// by it; never any other mosquitto. The one mosquitto launcher of the tests and the benchmarks.
public final class MosquittoBroker: @unchecked Sendable {
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// The second listener's port, when it was started with one.
    public let secondPort: Int?
    /// Its temporary folder (configuration and log).
    public let folder: String
    private var process: ChildProcess

    private init(port: Int, secondPort: Int?, folder: String, process: ChildProcess) {
        self.port = port
        self.secondPort = secondPort
        self.folder = folder
        self.process = process
    }

    /// Starts mosquitto with the given extra listener lines (TLS files, and any global option); with
    /// `secondListenerLines`, a second listener on another free port with those lines (a TLS listener beside a
    /// plain one). Waits (without blocking a thread of the concurrency pool) until every listener accepts
    /// connections.
    public static func start(listenerLines: [String], secondListenerLines: [String]? = nil) async throws
        -> MosquittoBroker
    {
        let folder = NSTemporaryDirectory() + "uplink-mosquitto-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lastError = "no attempt"
        for _ in 0..<5 {
            let candidate = try TestPorts.free()
            let second = try secondListenerLines.map { _ in try TestPorts.free() }
            var lines = [
                "per_listener_settings false", "persistence false", "log_dest stderr", "log_type error",
                "log_type warning", "allow_anonymous true", "set_tcp_nodelay true",
            ]
            if getuid() == 0 { lines.append("user root") }
            lines.append("listener \(candidate) 127.0.0.1")
            lines += listenerLines
            if let second, let secondListenerLines {
                lines.append("listener \(second) 127.0.0.1")
                lines += secondListenerLines
            }
            let conf = folder + "/mosquitto.conf"
            try (lines.joined(separator: "\n") + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
            let log = folder + "/mosquitto.log"
            let process = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", conf], outputPath: log)
            if await waitUntilListening(port: candidate, process: process),
                await waitUntilListening(port: second ?? candidate, process: process)
            {
                return MosquittoBroker(port: candidate, secondPort: second, folder: folder, process: process)
            }
            process.forceKill()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        }
        try? FileManager.default.removeItem(atPath: folder)
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

    /// Polls for up to 10 s until `port` accepts connections; false if the process exits first.
    public static func waitUntilListening(port: Int, process: ChildProcess) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && process.isRunning {
            if TestPorts.isListening(port) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension MosquittoBroker {
    /// Stops the broker gracefully (SIGTERM: with `persistence true` it saves sessions and queued messages) and
    /// starts it again with the same configuration on the same port; waits until it accepts connections.
    public func restart() async throws {
        await process.stop()
        let conf = folder + "/mosquitto.conf"
        for _ in 0..<50 {
            let next = try ChildProcess(
                path: "/usr/sbin/mosquitto", arguments: ["-c", conf], outputPath: folder + "/mosquitto-restarted.log")
            if await Self.waitUntilListening(port: port, process: next) {
                process = next
                return
            }
            next.forceKill()
            // The port may still be in TIME_WAIT-like use for a moment.
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw BrokerError(message: "mosquitto did not restart on port \(port)")
    }
}
