import Foundation
import UplinkTestSupport

/// `Tests/Host/http_peer.py` (Python's http.server with fixed `Server` and `Date` headers) on a free port of
/// 127.0.0.1, HTTPS when given a certificate and key; started by a test and stopped by it.
final class HTTPPeer: @unchecked Sendable {
    let port: Int
    private let process: ChildProcess
    private let log: String

    private init(port: Int, process: ChildProcess, log: String) {
        self.port = port
        self.process = process
        self.log = log
    }

    /// The Python that runs the peer: `UPLINK_PYTHON` when set, else the system's.
    static var python: String {
        if let python = ProcessInfo.processInfo.environment["UPLINK_PYTHON"], !python.isEmpty { return python }
        return "/usr/bin/python3"
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Host/http_peer.py").path
    }

    /// Starts the peer (HTTPS with `tls`); waits at most 20 s for it to listen.
    static func start(tls: (certificate: String, key: String)? = nil) async throws -> HTTPPeer {
        var lastLog = "no attempt"
        for _ in 0..<3 {
            let port = try TestPorts.free()
            let log = NSTemporaryDirectory() + "uplink-http-peer-\(UUID().uuidString).log"
            let extra = tls.map { [$0.certificate, $0.key] } ?? []
            let process = try ChildProcess(
                path: python, arguments: [script, String(port)] + extra, outputPath: log)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline && process.isRunning {
                if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("listening") {
                    return HTTPPeer(port: port, process: process, log: log)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            process.forceKill()
            lastLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log"
            try? FileManager.default.removeItem(atPath: log)
        }
        throw HTTPPeerError(log: lastLog)
    }

    /// Stops the peer this object started.
    func stop() async {
        await process.stop(grace: .seconds(2))
        try? FileManager.default.removeItem(atPath: log)
    }
}

struct HTTPPeerError: Error, CustomStringConvertible {
    var log: String
    var description: String { "the HTTP peer did not start: \(log)" }
}
