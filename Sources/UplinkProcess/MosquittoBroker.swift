import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real mosquitto (Debian's), started by a test or a benchmark on 127.0.0.1 with a free port and stopped
/// by it; never any other mosquitto. The one mosquitto launcher of the tests and the benchmarks.
public final class MosquittoBroker: @unchecked Sendable {
    /// The port it listens on, on 127.0.0.1.
    public var port: Int { ports[0] }
    /// The second listener's port, when it was started with one.
    public var secondPort: Int? { ports.count > 1 ? ports[1] : nil }
    /// Every listener's port, in the order the configuration got them.
    public let ports: [Int]
    /// Its temporary folder (configuration and log).
    public let folder: String
    private var process: ChildProcess
    private var starts = 1

    private init(ports: [Int], folder: String, process: ChildProcess) {
        self.ports = ports
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
        try await start(listeners: secondListenerLines == nil ? 1 : 2) { ports, _ in
            var lines = [
                "per_listener_settings false", "persistence false", "log_dest stderr", "log_type error",
                "log_type warning", "allow_anonymous true", "set_tcp_nodelay true",
            ]
            if getuid() == 0 { lines.append("user root") }
            lines.append("listener \(ports[0]) 127.0.0.1")
            lines += listenerLines
            if let secondListenerLines {
                lines.append("listener \(ports[1]) 127.0.0.1")
                lines += secondListenerLines
            }
            return lines
        }
    }

    /// Starts mosquitto with exactly the configuration `configuration(ports, folder)` returns, for `listeners`
    /// free ports on 127.0.0.1 and the broker's own folder; tries new ports up to five times when it does not come
    /// up. Its standard output and error go to `mosquitto-N.log` in the folder (N counts the starts).
    public static func start(
        listeners: Int, configuration: ([Int], String) throws -> [String]
    ) async throws -> MosquittoBroker {
        let folder = NSTemporaryDirectory() + "uplink-mosquitto-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lastError = "no attempt"
        for _ in 0..<5 {
            let ports = try (0..<max(1, listeners)).map { _ in try TestPorts.free() }
            let lines = try configuration(ports, folder)
            let conf = folder + "/mosquitto.conf"
            try (lines.joined(separator: "\n") + "\n").write(toFile: conf, atomically: true, encoding: .utf8)
            let log = folder + "/mosquitto-1.log"
            try? FileManager.default.removeItem(atPath: log)
            let process = try ChildProcess(path: "/usr/sbin/mosquitto", arguments: ["-c", conf], outputPath: log)
            if await waitUntilListening(ports: ports, process: process) {
                return MosquittoBroker(ports: ports, folder: folder, process: process)
            }
            process.forceKill()
            lastError = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        }
        try? FileManager.default.removeItem(atPath: folder)
        throw BrokerError(message: "mosquitto did not start: \(lastError)")
    }

    /// What mosquitto printed, over every start (its own log file, if the configuration names one, is apart).
    public var log: String {
        (1...starts).map { (try? String(contentsOfFile: folder + "/mosquitto-\($0).log", encoding: .utf8)) ?? "" }
            .joined()
    }

    /// SIGKILL (no chance to save anything), and reaped.
    public func kill() {
        process.forceKill()
    }

    /// SIGSTOP: a broker that stalls — it reads and answers nothing, its connections stay open — until
    /// ``resume()``.
    public func pause() {
        if process.isRunning { Glibc.kill(process.pid, SIGSTOP) }
    }

    /// SIGCONT after ``pause()``.
    public func resume() {
        if process.isRunning { Glibc.kill(process.pid, SIGCONT) }
    }

    /// Starts it again (after ``kill()`` or a crash) with the same configuration and ports; waits until every
    /// listener accepts connections.
    public func launch() async throws {
        process.forceKill()
        let conf = folder + "/mosquitto.conf"
        for _ in 0..<50 {
            starts += 1
            let next = try ChildProcess(
                path: "/usr/sbin/mosquitto", arguments: ["-c", conf], outputPath: folder + "/mosquitto-\(starts).log")
            if await Self.waitUntilListening(ports: ports, process: next) {
                process = next
                return
            }
            next.forceKill()
            // The port may still be in TIME_WAIT-like use for a moment.
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw BrokerError(message: "mosquitto did not start again on ports \(ports):\n\(log.suffix(2000))")
    }

    /// Stops the broker this object started (SIGTERM, then SIGKILL after 5 s) and removes its folder.
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
        await waitUntilListening(ports: [port], process: process)
    }

    /// Polls for up to 10 s until every port accepts connections; false if the process exits first.
    static func waitUntilListening(ports: [Int], process: ChildProcess) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && process.isRunning {
            if ports.allSatisfy(TestPorts.isListening) { return true }
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
        try await launch()
    }
}
