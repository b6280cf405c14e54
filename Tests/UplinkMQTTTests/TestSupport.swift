import Foundation
import MQTTCodec
import NIOPosix
import Synchronization
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A failure of a test's set-up, with a message that says what to do.
struct MQTTTestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A temporary folder, removed at the end of a test.
final class MQTTScratch: @unchecked Sendable {
    let url: URL

    init(_ name: String = "mqtt") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("uplink-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    func read(_ name: String) -> String { (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "" }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Child processes (`UplinkTestSupport.ChildProcess`: a clean signal mask, only its own pid signalled) with
/// output in files, waited for with deadlines.
enum MQTTChild {
    static func start(
        _ executable: String, _ arguments: [String], in folder: MQTTScratch, name: String, stdin: String? = nil,
        environment extra: [String: String] = [:]
    ) throws -> ChildProcess {
        for suffix in ["out", "err"] {
            _ = FileManager.default.createFile(atPath: folder.path("\(name).\(suffix)"), contents: nil)
        }
        var environment = extra
        environment["PYTHONUNBUFFERED"] = "1"
        return try ChildProcess(
            path: executable, arguments: arguments, standardInput: stdin,
            standardOutput: .file(folder.path("\(name).out")), standardError: .file(folder.path("\(name).err")),
            environment: environment)
    }

    /// Waits up to `seconds` for `process` to exit; returns whether it did.
    static func wait(_ process: ChildProcess, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() >= deadline { return false }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return true
    }

    /// SIGKILL and reap.
    static func kill9(_ process: ChildProcess) async { process.forceKill() }

    /// Runs to completion (killed after `timeout`); returns the exit status (-1 when killed) and output.
    static func run(
        _ executable: String, _ arguments: [String], in folder: MQTTScratch, name: String, timeout: Double = 30,
        stdin: String? = nil
    ) async throws -> (status: Int32, out: String, err: String) {
        let process = try start(executable, arguments, in: folder, name: name, stdin: stdin)
        let finished = await wait(process, seconds: timeout)
        if !finished { await kill9(process) }
        return (
            finished ? process.exitStatus ?? -1 : -1, folder.read("\(name).out"), folder.read("\(name).err")
        )
    }
}

/// Test certificates made with `openssl` (EC P-256): a CA, a server certificate for localhost/127.0.0.1, a client
/// certificate, and an unrelated CA. Keys are written 0600.
struct MQTTTestPKI {
    let caFile: String
    let serverCertificate: String
    let serverKey: String
    let clientCertificate: String
    let clientKey: String
    let otherCAFile: String

    static func make(in folder: MQTTScratch) async throws -> MQTTTestPKI {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw MQTTTestSetupError(description: "openssl is missing: apt-get install -y openssl")
        }
        try folder.write(
            "server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try folder.write("client.ext", "extendedKeyUsage=clientAuth\n")
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + ec + [
                "-keyout", folder.path("ca.key"), "-out", folder.path("ca.pem"), "-days", "2",
                "-subj", "/CN=Uplink Test CA",
            ],
            ["req", "-x509"] + ec + [
                "-keyout", folder.path("other.key"), "-out", folder.path("other.pem"), "-days",
                "2", "-subj", "/CN=Other CA",
            ],
            ["req"] + ec + [
                "-keyout", folder.path("server.key"), "-out", folder.path("server.csr"), "-subj",
                "/CN=localhost",
            ],
            [
                "x509", "-req", "-in", folder.path("server.csr"), "-CA", folder.path("ca.pem"), "-CAkey",
                folder.path("ca.key"), "-CAcreateserial", "-out", folder.path("server.pem"), "-days", "2",
                "-extfile", folder.path("server.ext"),
            ],
            ["req"] + ec + [
                "-keyout", folder.path("client.key"), "-out", folder.path("client.csr"), "-subj",
                "/CN=uplink-client",
            ],
            [
                "x509", "-req", "-in", folder.path("client.csr"), "-CA", folder.path("ca.pem"), "-CAkey",
                folder.path("ca.key"), "-CAcreateserial", "-out", folder.path("client.pem"), "-days", "2",
                "-extfile", folder.path("client.ext"),
            ],
        ]
        for (index, step) in steps.enumerated() {
            let run = try await MQTTChild.run(openssl, step, in: folder, name: "openssl\(index)")
            guard run.status == 0 else {
                throw MQTTTestSetupError(description: "openssl \(step.joined(separator: " ")) failed: \(run.err)")
            }
        }
        for key in ["ca.key", "other.key", "server.key", "client.key"] { chmod(folder.path(key), 0o600) }
        return MQTTTestPKI(
            caFile: folder.path("ca.pem"), serverCertificate: folder.path("server.pem"),
            serverKey: folder.path("server.key"), clientCertificate: folder.path("client.pem"),
            clientKey: folder.path("client.key"), otherCAFile: folder.path("other.pem"))
    }
}

/// Waits until `condition` holds, polling; fails after `seconds`.
func mqttEventually(
    _ what: String, seconds: Double = 10, _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(await condition()) {
        if Date() >= deadline { throw MQTTTestSetupError(description: "timed out after \(seconds) s: \(what)") }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// Runs `body` with a deadline; throws when it does not finish in time.
func mqttWithTimeout<T: Sendable>(
    _ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw MQTTTestSetupError(description: "timed out after \(seconds) s: \(what)")
        }
        return value
    }
}

/// Client construction shortcuts.
enum MQTTTestClient {
    static func configuration(
        _ id: String, version: MQTTProtocolVersion, cleanStart: Bool = true, sessionExpiry: UInt32 = 0
    ) -> MQTTClientConfiguration {
        var configuration = MQTTClientConfiguration(
            clientIdentifier: id, version: version, cleanStart: cleanStart, sessionExpiryInterval: sessionExpiry)
        configuration.reconnect = MQTTReconnectPolicy(
            initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200))
        configuration.connectTimeout = .seconds(5)
        configuration.operationTimeout = .seconds(10)
        return configuration
    }

    static func make(
        _ id: String, port: Int, version: MQTTProtocolVersion, cleanStart: Bool = true, sessionExpiry: UInt32 = 0,
        store: (any MQTTSessionStore)? = nil, adjust: (inout MQTTClientConfiguration) -> Void = { _ in }
    ) throws -> MQTTClient {
        var configuration = configuration(id, version: version, cleanStart: cleanStart, sessionExpiry: sessionExpiry)
        adjust(&configuration)
        return try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: port), store: store)
    }

    /// ``make(_:port:version:cleanStart:sessionExpiry:store:adjust:)`` with a unique id from `prefix`, connected.
    static func connected(_ prefix: String, port: Int, version: MQTTProtocolVersion) async throws -> MQTTClient {
        let client = try make(id(prefix), port: port, version: version)
        try await client.connect()
        return client
    }

    /// A unique client id.
    static func id(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }
}

/// Collects the messages of a stream in the background.
final class MQTTCollector: @unchecked Sendable {
    private let lock = Mutex(())
    private var received: [MQTTMessage] = []
    private var task: Task<Void, Never>?
    private var ended: (any Error)?
    private var finished = false

    init(_ stream: MQTTSubscriptionStream) {
        task = Task { [weak self] in
            do {
                for try await message in stream { self?.add(message) }
                self?.end(nil)
            } catch {
                self?.end(error)
            }
        }
    }

    private func add(_ message: MQTTMessage) { lock.withLock { _ in received.append(message) } }
    private func end(_ error: (any Error)?) {
        lock.withLock { _ in
            finished = true; ended = error
        }
    }

    var messages: [MQTTMessage] { lock.withLock { _ in received } }
    var count: Int { lock.withLock { _ in received.count } }
    var isFinished: Bool { lock.withLock { _ in finished } }
    var error: (any Error)? { lock.withLock { _ in ended } }

    func waitFor(_ count: Int, seconds: Double = 10) async throws {
        try await mqttEventually("\(count) messages (have \(self.count))", seconds: seconds) { self.count >= count }
    }

    func cancel() { task?.cancel() }
}
