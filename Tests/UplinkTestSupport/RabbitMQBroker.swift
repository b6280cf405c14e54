import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real RabbitMQ (Debian's `rabbitmq-server` 3.10, its MQTT plugin) started by a test: unprivileged, its own node
/// name, its own epmd, every port free and on 127.0.0.1, everything it writes (Mnesia, logs, the Erlang cookie) in a
/// temporary folder. ``stop()`` stops only what ``start(timeout:)`` started — the broker's pid (SIGTERM, then SIGKILL)
/// and the epmd on its own port — and removes the folder.
///
/// It takes about 14 s to start on this kind of machine, so a suite starts one and shares it (see the `.rabbitMQ`
/// trait of the MQTT tests).
public final class RabbitMQBroker: @unchecked Sendable {
    /// The start script. Debian's `/usr/sbin/rabbitmq-server` is a wrapper that switches to the `rabbitmq` user and
    /// its system folders; this one runs as whoever starts it, with the `RABBITMQ_*` variables it is given.
    public static let startScript = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    public static let epmd = "/usr/bin/epmd"

    /// The MQTT listener, on 127.0.0.1.
    public let port: Int
    /// The Erlang port mapper daemon this broker started (`ERL_EPMD_PORT`) and the node's distribution port.
    public let epmdPort: Int
    public let distributionPort: Int
    public let nodeName: String
    /// Its temporary folder.
    public let folder: String
    private let process: ChildProcess
    private let stopped = Mutex<Bool>(false)

    private init(
        port: Int, epmdPort: Int, distributionPort: Int, nodeName: String, folder: String, process: ChildProcess
    ) {
        self.port = port
        self.epmdPort = epmdPort
        self.distributionPort = distributionPort
        self.nodeName = nodeName
        self.folder = folder
        self.process = process
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts a broker and waits (at most `timeout` seconds per attempt) until its MQTT listener answers a CONNECT
    /// with CONNACK 0. A start that fails early (a port taken meanwhile) is tried again with other ports, 3 times.
    public static func start(timeout: Double = 60) async throws -> RabbitMQBroker {
        guard FileManager.default.isExecutableFile(atPath: startScript),
            FileManager.default.isExecutableFile(atPath: epmd)
        else {
            throw Failure(
                description:
                    "RabbitMQ is missing (\(startScript)): apt-get install -y rabbitmq-server (scripts/test does)")
        }
        var lastError = "no attempt"
        for _ in 0..<3 {
            let broker = try launch()
            switch await broker.waitUntilReady(timeout: timeout) {
            case .ready:
                return broker
            case .exited:
                lastError = "rabbitmq-server exited at start:\n\(broker.logs)"
                await broker.stop()
            case .timedOut:
                let logs = broker.logs
                await broker.stop()
                throw Failure(
                    description: "RabbitMQ did not accept MQTT on port \(broker.port) in \(timeout) s:\n\(logs)")
            }
        }
        throw Failure(description: lastError)
    }

    private static func launch() throws -> RabbitMQBroker {
        var ports: Set<Int> = []
        while ports.count < 3 { ports.insert(try TestPorts.free()) }
        let sorted = ports.shuffled()
        let (port, epmdPort, distributionPort) = (sorted[0], sorted[1], sorted[2])
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let nodeName = "uplink-test-\(tag)@localhost"
        let folder = NSTemporaryDirectory() + "uplink-rabbitmq-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Debian's defaults otherwise, so the tests meet the broker as installed; only what keeps it to loopback and
        // to this folder is set. No AMQP listener (`listeners.tcp = none`): the tests speak MQTT only.
        let configuration = [
            "listeners.tcp = none",
            "mqtt.listeners.tcp.default = 127.0.0.1:\(port)",
            "mqtt.allow_anonymous = true",
            "distribution.listener.interface = 127.0.0.1",
            "log.file.level = info",
            "log.console = false",
        ]
        try (configuration.joined(separator: "\n") + "\n").write(
            toFile: folder + "/rabbitmq.conf", atomically: true, encoding: .utf8)
        try "[rabbitmq_mqtt].\n".write(toFile: folder + "/enabled_plugins", atomically: true, encoding: .utf8)
        let environment = [
            // The start script execs Erlang directly (no shell in between to forward signals): the child's pid is
            // the broker's, and SIGTERM stops it cleanly.
            "RUNNING_UNDER_SYSTEMD": "true",
            "HOME": folder,
            "RABBITMQ_NODENAME": nodeName,
            "RABBITMQ_DIST_PORT": "\(distributionPort)",
            "RABBITMQ_MNESIA_BASE": folder + "/mnesia",
            "RABBITMQ_LOG_BASE": folder + "/log",
            "RABBITMQ_CONFIG_FILE": folder + "/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE": folder + "/advanced.config",
            "RABBITMQ_CONF_ENV_FILE": folder + "/rabbitmq-env.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE": folder + "/enabled_plugins",
            "RABBITMQ_PID_FILE": folder + "/rabbitmq.pid",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": "\(epmdPort)",
        ]
        let process = try ChildProcess(
            path: startScript, arguments: [], standardOutput: .file(folder + "/output.log"),
            standardError: .standardOutput, environment: environment)
        return RabbitMQBroker(
            port: port, epmdPort: epmdPort, distributionPort: distributionPort, nodeName: nodeName, folder: folder,
            process: process)
    }

    private enum Readiness { case ready, exited, timedOut }

    private func waitUntilReady(timeout: Double) async -> Readiness {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return .exited }
            if TestPorts.isListening(port) && Self.answersConnect(port: port) { return .ready }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .timedOut
    }

    /// Whether the broker answers an MQTT 3.1.1 CONNECT on `port` with CONNACK 0 (1 s deadline per read and write).
    static func answersConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard TestPorts.withLoopbackAddress(port, { connect(fd, $0, $1) }) == 0 else { return false }
        let id = Array("uplink-probe".utf8)
        // CONNECT: protocol name "MQTT", level 4 (3.1.1), clean session, keep alive 60, client id.
        let body: [UInt8] = [0, 4] + Array("MQTT".utf8) + [4, 0x02, 0, 60, 0, UInt8(id.count)] + id
        let packet: [UInt8] = [0x10, UInt8(body.count)] + body
        guard packet.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == packet.count
        else { return false }
        var answer = [UInt8](repeating: 0, count: 4)
        var have = 0
        while have < 4 {
            let count = answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + have, 4 - have, 0) }
            guard count > 0 else { return false }
            have += count
        }
        let disconnect: [UInt8] = [0xE0, 0]
        _ = disconnect.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return answer == [0x20, 2, 0, 0]
    }

    /// The broker's log and the start script's output, for failure messages.
    public var logs: String {
        let files = [folder + "/output.log", folder + "/log/\(nodeName).log"]
        return files.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// Whether the broker process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Stops the broker (SIGTERM; SIGKILL if it is still running after 20 s), then the epmd it started (`epmd -port
    /// P -kill`, 5 s deadline), and removes the folder. Idempotent.
    public func stop() async {
        let first = stopped.withLock { done -> Bool in
            let first = !done
            done = true
            return first
        }
        guard first else { return }
        await process.stop(grace: .seconds(20))
        await stopEPMD()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// `epmd -port P -kill` for this broker's epmd only (it is a daemon, not our child: it is told to stop through
    /// its own port), then waits until that port is closed.
    private func stopEPMD() async {
        guard TestPorts.isListening(epmdPort) else { return }
        let environment = ["ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_EPMD_PORT": "\(epmdPort)"]
        if let kill = try? ChildProcess(
            path: Self.epmd, arguments: ["-port", "\(epmdPort)", "-kill"], standardOutput: .discard,
            standardError: .discard, environment: environment)
        {
            let deadline = ContinuousClock.now + .seconds(5)
            while kill.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            kill.forceKill()
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while TestPorts.isListening(epmdPort) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        // A broker nobody stopped (a failed test that threw past its `stop()`): kill it at least.
        if !stopped.withLock({ $0 }) { process.forceKill() }
    }
}
