import Foundation
import Synchronization
import UplinkCredentials
import UplinkProcess

#if canImport(Glibc)
    import Glibc
#endif

/// The three clients compared.
enum MQTTBenchClient: String, CaseIterable, Hashable {
    case uplink, paho, c

    var title: String {
        switch self {
        case .uplink: return "uplink-mqtt pub/sub (Swift)"
        case .paho: return "paho-mqtt 2 (Python)"
        case .c: return "mosquitto_pub/sub (C)"
        }
    }
}

struct MQTTBenchKey: Hashable {
    var client: MQTTBenchClient
    var qos: Int
}

/// One measured run. `received` is always the full count: a run that misses a message throws instead.
struct MQTTBenchRun {
    var received: Int
    var seconds: Double
    /// The publisher process's own peak resident set (VmHWM), bytes: shared library pages included.
    var publisherPeakRSS: Int
    /// The largest anonymous resident memory (RssAnon) sampled: the process's private heap and stacks.
    var publisherPeakAnonymous: Int
    /// CPU time (user + system, all threads) of the publisher and of the subscriber process, seconds, from
    /// `/proc/<pid>/stat` sampled until each exits (`nil` when not measured).
    var publisherCPU: Double? = nil
    var subscriberCPU: Double? = nil
    var rate: Double { seconds > 0 ? Double(received) / seconds : 0 }
    /// CPU microseconds per message of the publisher and of the subscriber.
    var publisherMicrosecondsPerMessage: Double? { publisherCPU.map { $0 * 1e6 / Double(max(received, 1)) } }
    var subscriberMicrosecondsPerMessage: Double? { subscriberCPU.map { $0 * 1e6 / Double(max(received, 1)) } }
}

/// Where the executables are.
struct MQTTBenchTools {
    /// `uplink-mqtt`: the MQTT commands in their own executable (what the rates and memory are measured with).
    var uplinkMQTT: String
    /// `uplink`: the multi-command executable, whose `mqtt pub` memory is reported next to it.
    var uplink: String
    var python: String
    var pahoScript: String
    var openssl: String

    static func locate(uplinkMQTT: String?, uplink: String?, python: String?) throws -> MQTTBenchTools {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let uplinkMQTT = uplinkMQTT ?? here.appendingPathComponent("uplink-mqtt").path
        let uplink = uplink ?? here.appendingPathComponent("uplink").path
        for (path, product) in [(uplinkMQTT, "uplink-mqtt"), (uplink, "uplink")]
        where !FileManager.default.isExecutableFile(atPath: path) {
            throw MQTTBenchError(
                "no \(product) at \(path): scripts/bench builds it (swift build -c release --product \(product))")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let python =
            python ?? ProcessInfo.processInfo.environment["UPLINK_PYTHON"]
            ?? root.appendingPathComponent(".build-venv/bin/python").path
        let script = root.appendingPathComponent("Tests/Host/mqtt_paho_peer.py").path
        for tool in [
            "/usr/bin/mosquitto_pub", "/usr/bin/mosquitto_sub", "/usr/sbin/mosquitto", "/usr/bin/openssl", python,
        ]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw MQTTBenchError(
                "missing \(tool): apt-get install mosquitto mosquitto-clients openssl; pip install paho-mqtt")
        }
        return MQTTBenchTools(
            uplinkMQTT: uplinkMQTT, uplink: uplink, python: python, pahoScript: script, openssl: "/usr/bin/openssl")
    }
}

struct MQTTBenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs one subscriber + publisher pair.
enum MQTTBenchRunner {
    static func measure(
        client: MQTTBenchClient, qos: Int, count: Int, payload: String, port: Int, tools: MQTTBenchTools,
        timeout: Double
    ) throws -> MQTTBenchRun {
        let topic = "bench/\(client.rawValue)/\(qos)/\(UInt32.random(in: 0...UInt32.max))"
        let host = ["-h", "127.0.0.1", "-p", "\(port)"]
        let subscriber: [String]
        let publisher: [String]
        switch client {
        case .uplink:
            subscriber = [tools.uplinkMQTT, "sub"] + host + ["-t", topic, "-q", "\(qos)", "-C", "\(count)"]
            publisher =
                [tools.uplinkMQTT, "pub"] + host
                + ["-t", topic, "-q", "\(qos)", "-m", payload, "--repeat-count", "\(count)"]
        case .c:
            subscriber = ["/usr/bin/mosquitto_sub"] + host + ["-t", topic, "-q", "\(qos)", "-C", "\(count)"]
            publisher =
                ["/usr/bin/mosquitto_pub"] + host + [
                    "-t", topic, "-q", "\(qos)", "-m", payload, "--repeat", "\(count)",
                ]
        case .paho:
            subscriber = [
                tools.python, tools.pahoScript, "sub", "--port", "\(port)", "--topic", topic, "--qos", "\(qos)",
                "--count", "\(count)", "--timeout", "\(timeout)",
            ]
            publisher = [
                tools.python, tools.pahoScript, "pub", "--port", "\(port)", "--topic", topic, "--qos", "\(qos)",
                "--count", "\(count)", "--payload-size", "\(payload.utf8.count)", "--timeout", "\(timeout)",
                "--inflight", "100",  // the benchmark's broker takes 100 (max_inflight_messages 100)
            ]
        }
        // paho's peer prints READY once subscribed; the C and Swift subscribers are given a moment.
        let reader = try MQTTBenchLineReader(subscriber, ready: client == .paho ? "READY" : nil)
        defer { reader.stop() }
        if client == .paho {
            guard reader.waitForReady(seconds: 15) else {
                throw MQTTBenchError("\(client.title) QoS \(qos): the subscriber never printed READY")
            }
        } else {
            Thread.sleep(forTimeInterval: 0.5)
        }
        let published = try ChildProcess.runMeasuringPeakRSS(publisher, timeout: timeout)
        guard published.status == 0 else {
            throw MQTTBenchError("\(client.title) QoS \(qos): the publisher exited with status \(published.status)")
        }
        reader.wait(for: count, seconds: timeout)
        let received = reader.lines
        let subscriberCPU = reader.cpuSeconds
        guard received == count else {
            throw MQTTBenchError(
                "\(client.title) QoS \(qos): the subscriber received \(received) of \(count) messages (no figure reported)"
            )
        }
        return MQTTBenchRun(
            received: received, seconds: reader.span, publisherPeakRSS: published.peakRSS,
            publisherPeakAnonymous: published.peakAnonymous, publisherCPU: published.cpu, subscriberCPU: subscriberCPU)
    }

    /// The peak memory of a publisher alone (`count` QoS 1 messages, pipelined, to a topic nobody reads).
    static func publisherMemory(_ command: [String], port: Int, count: Int, payload: String, timeout: Double) throws
        -> MQTTBenchRun
    {
        let full =
            command + [
                "-h", "127.0.0.1", "-p", "\(port)", "-t", "bench/memory", "-q", "1", "-m", payload, "--repeat-count",
                "\(count)",
            ]
        let published = try ChildProcess.runMeasuringPeakRSS(full, timeout: timeout)
        guard published.status == 0 else {
            throw MQTTBenchError("\(full.joined(separator: " ")) exited with status \(published.status)")
        }
        return MQTTBenchRun(
            received: count, seconds: 0, publisherPeakRSS: published.peakRSS,
            publisherPeakAnonymous: published.peakAnonymous)
    }

    /// `count` mutual-TLS connections one after the other (a process each, as the C client is used); connects/s.
    static func connects(_ command: [String], count: Int, timeout: Double) throws -> Double {
        let start = MQTTBenchClock.now()
        for _ in 0..<count {
            let result = try ChildProcess.runMeasuringPeakRSS(command, timeout: timeout, pollRSS: false)
            guard result.status == 0 else {
                throw MQTTBenchError(
                    "\(command[0]) exited with status \(result.status): \(command.joined(separator: " "))")
            }
        }
        return Double(count) / (MQTTBenchClock.now() - start)
    }
}

/// A subscriber process whose standard output is read line by line, noting when the first and the last message
/// line came. With `ready`, lines up to and including that line are not messages.
final class MQTTBenchLineReader: @unchecked Sendable {
    private let child: ChildProcess
    /// What the reader and sampler threads saw.
    private struct State {
        var count = 0
        var first: Double?
        var last: Double?
        var sawReady: Bool
        var finished = false
        var cpu: Double?
    }
    private let state: Mutex<State>
    private let ready: String?

    init(_ command: [String], ready: String?) throws {
        self.ready = ready
        state = Mutex(State(sawReady: ready == nil))
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw MQTTBenchError("pipe() failed") }
        do {
            child = try ChildProcess(command, stdout: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let fd = fds[0]
        let thread = Thread { [self] in
            self.readLoop(fd)
            close(fd)
        }
        thread.start()
        // The subscriber's CPU time, sampled until it exits: the last sample is its total (to a millisecond).
        let sampler = Thread { [self] in
            while let cpu = self.child.cpuSeconds() {
                self.state.withLock { $0.cpu = max($0.cpu ?? 0, cpu) }
                usleep(1000)
            }
        }
        sampler.start()
    }

    /// The subscriber's CPU time (user + system), seconds, as last sampled.
    var cpuSeconds: Double? { state.withLock { $0.cpu } }

    private func readLoop(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var pending: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                state.withLock { $0.finished = true }
                return
            }
            let now = MQTTBenchClock.now()
            var newLines = 0
            if let ready, !state.withLock({ $0.sawReady }) {
                pending.append(contentsOf: buffer[0..<n])
                // Everything before the end of the READY line is not a message.
                let marker = Array((ready + "\n").utf8)
                guard let end = MQTTBenchLineReader.find(marker, in: pending) else { continue }
                newLines = pending[end...].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                pending.removeAll()
                state.withLock { $0.sawReady = true }
            } else {
                for index in 0..<n where buffer[index] == 0x0A { newLines += 1 }
            }
            if newLines > 0 {
                state.withLock {
                    if $0.first == nil { $0.first = now }
                    $0.last = now
                    $0.count += newLines
                }
            }
        }
    }

    /// The index just past `marker` in `bytes`.
    private static func find(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker)
        {
            return start + marker.count
        }
        return nil
    }

    var lines: Int { state.withLock { $0.count } }
    var span: Double { state.withLock { ($0.last ?? 0) - ($0.first ?? 0) } }

    func waitForReady(seconds: Double) -> Bool {
        let deadline = MQTTBenchClock.now() + seconds
        while MQTTBenchClock.now() < deadline {
            if state.withLock({ $0.sawReady }) { return true }
            if !child.isRunning { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    /// Waits until `expected` lines came, the subscriber's output ended, or `seconds` passed.
    func wait(for expected: Int, seconds: Double) {
        let deadline = MQTTBenchClock.now() + seconds
        while MQTTBenchClock.now() < deadline {
            let (lines, done) = state.withLock { ($0.count, $0.finished) }
            if lines >= expected || done { break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        // A subscriber that exits by itself has written everything; give the reader its last bytes.
        let settle = MQTTBenchClock.now() + 2
        while child.isRunning && MQTTBenchClock.now() < settle { Thread.sleep(forTimeInterval: 0.005) }
        while !state.withLock({ $0.finished }) && MQTTBenchClock.now() < settle { Thread.sleep(forTimeInterval: 0.005) }
    }

    func stop() { child.kill9() }
}

enum MQTTBenchClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Benchmark children are `UplinkProcess.ChildProcess`es (a clean signal mask, only this pid ever
/// signalled); these are the few things the MQTT benchmark adds.
extension ChildProcess {
    /// Starts `command` (an absolute path, then arguments); stdout to `stdout` or /dev/null, stderr to /dev/null.
    convenience init(_ command: [String], stdout: Int32? = nil) throws {
        guard let path = command.first else { throw MQTTBenchError("empty command") }
        try self.init(
            path: path, arguments: Array(command.dropFirst()),
            standardOutput: stdout.map { .descriptor($0) } ?? .discard, standardError: .discard)
    }

    /// The exit code, or -1 when it was killed or is still running.
    var exitCode: Int32? { exitStatus ?? -1 }

    func kill9() { forceKill() }

    /// The process's CPU time so far, user + system of all its threads (`utime` + `stime` of `/proc/<pid>/stat`, in
    /// clock ticks), seconds; `nil` once it is gone. Read while it runs: a reaped child's times are no longer there.
    func cpuSeconds() -> Double? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, let close = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After "pid (comm)": state is field 3, utime field 14, stime field 15.
        let fields = buffer[(close + 1)..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 12, let user = Int(String(decoding: fields[11], as: UTF8.self)),
            let system = Int(String(decoding: fields[12], as: UTF8.self))
        else { return nil }
        return Double(user + system) / Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    }

    /// Runs `command` to completion (killed after `timeout`), sampling its memory every millisecond until it exits,
    /// and its CPU time (the last sample: its total, to a millisecond).
    static func runMeasuringPeakRSS(_ command: [String], timeout: Double, pollRSS: Bool = true) throws -> (
        status: Int32, peakRSS: Int, peakAnonymous: Int, cpu: Double?
    ) {
        let child = try ChildProcess(command)
        let deadline = MQTTBenchClock.now() + timeout
        var peak = 0
        var anonymous = 0
        var cpu: Double?
        while child.isRunning {
            if pollRSS, let sample = child.memory() {
                peak = max(peak, sample.peak)
                anonymous = max(anonymous, sample.anonymous)
            }
            if pollRSS, let sample = child.cpuSeconds() { cpu = max(cpu ?? 0, sample) }
            if MQTTBenchClock.now() > deadline {
                child.kill9()
                throw MQTTBenchError("\(command[0]) did not finish in \(timeout) s")
            }
            usleep(pollRSS ? 1000 : 200)
        }
        return (child.exitCode ?? -1, peak, anonymous, cpu)
    }
}

/// mosquitto for the benchmark (UplinkProcess's `MosquittoBroker`): a plain listener and a mutual-TLS listener
/// on free ports, TCP_NODELAY, persistence off, no queue limits; the credentials are a `DevPKI` (EC P-256).
final class MQTTBenchBroker {
    let broker: MosquittoBroker
    let folder: String
    let pki: MQTTBenchPKI
    var port: Int { broker.port }
    var tlsPort: Int { broker.secondPort ?? broker.port }

    private init(broker: MosquittoBroker, folder: String, pki: MQTTBenchPKI) {
        self.broker = broker
        self.folder = folder
        self.pki = pki
    }

    static func start() async throws -> MQTTBenchBroker {
        let folder = NSTemporaryDirectory() + "uplink-bench-\(UUID().uuidString)"
        _ = try DevPKI.generate(DevPKI.Options()).write(to: folder)
        let pki = MQTTBenchPKI(folder: folder)
        do {
            let broker = try await MosquittoBroker.start(
                listenerLines: ["max_queued_messages 0", "max_inflight_messages 100"],
                secondListenerLines: [
                    "cafile \(pki.ca)", "certfile \(folder)/server.pem", "keyfile \(folder)/server.key",
                    "require_certificate true", "tls_version tlsv1.2",
                ])
            return MQTTBenchBroker(broker: broker, folder: folder, pki: pki)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    func stop() {
        broker.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// The files of the benchmark's `DevPKI` a client needs: the root CA, the device's certificate and key.
struct MQTTBenchPKI {
    let ca: String
    let clientCertificate: String
    let clientKey: String

    init(folder: String) {
        ca = folder + "/ca.pem"
        clientCertificate = folder + "/device-0001.pem"
        clientKey = folder + "/device-0001.key"
    }
}
