import Foundation
import UplinkTestSupport

/// A real `openssl s_server` on 127.0.0.1, started by a test with a free port and stopped by it; never any other.
///
/// It runs with `-www` (it answers HTTP itself and never reads its standard input, which is /dev/null), so a failed
/// handshake ends that connection only and the server keeps accepting.
final class OpenSSLServer: @unchecked Sendable {
    let port: Int
    let log: String
    private let process: ChildProcess

    private init(port: Int, log: String, process: ChildProcess) {
        self.port = port
        self.log = log
        self.process = process
    }

    /// Starts `openssl s_server` with `arguments` (certificate, key, versions...), output to a log in `folder`;
    /// waits at most 10 s for it to accept connections.
    static func start(_ arguments: [String], folder: String) async throws -> OpenSSLServer {
        var lastLog = "no attempt"
        for attempt in 0..<5 {
            let port = try TestPorts.free()
            let log = folder + "/s_server-\(port)-\(attempt).log"
            let process = try ChildProcess(
                path: "/usr/bin/openssl",
                arguments: ["s_server", "-accept", "127.0.0.1:\(port)", "-www"] + arguments, outputPath: log)
            if await MosquittoBroker.waitUntilListening(port: port, process: process) {
                return OpenSSLServer(port: port, log: log, process: process)
            }
            process.forceKill()
            lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
        }
        throw OpenSSLServerError(log: lastLog)
    }

    /// Stops the server this object started (SIGTERM, then SIGKILL after 5 s).
    func stop() {
        process.terminate()
        process.wait(timeout: 5)
    }

    deinit { stop() }
}

/// `openssl s_server` did not start.
struct OpenSSLServerError: Error, CustomStringConvertible {
    var log: String
    var description: String { "openssl s_server did not start: \(log)" }
}
