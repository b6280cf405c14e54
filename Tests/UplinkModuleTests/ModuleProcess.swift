import Foundation
import UplinkTestSupport

/// A real `uplink module` process on a pseudo-terminal, and the host's end of that terminal.
final class ModuleProcess {
    let child: ChildProcess
    let host: SerialHostPort
    /// Where its standard output and error go.
    let logPath: String

    private init(child: ChildProcess, host: SerialHostPort, logPath: String) {
        self.child = child
        self.host = host
        self.logPath = logPath
    }

    /// What it printed so far (stdout and stderr), for failure messages.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts `uplink module ARGUMENTS` (a pty link), opens the pty it prints, and waits until it answers `AT`.
    static func start(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> ModuleProcess {
        let logPath = NSTemporaryDirectory() + "uplink-module-\(UUID().uuidString).log"
        let child = try ChildProcess(
            path: UplinkExecutable.path(), arguments: ["module"] + arguments, standardOutput: .file(logPath),
            standardError: .standardOutput)
        let deadline = ContinuousClock.now + timeout
        var path: String?
        while path == nil {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            path = text.split(separator: "\n").first { $0.hasPrefix("/dev/") }.map(String.init)
            guard path == nil else { break }
            guard child.isRunning, ContinuousClock.now < deadline else {
                child.forceKill()
                throw HostTimeout(waitingFor: "the pty path from uplink module", got: text)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let host = try SerialHostPort(path: path ?? "")
        let module = ModuleProcess(child: child, host: host, logPath: logPath)
        // Boot output may be gone already: ask until it answers.
        while true {
            host.write("AT\r")
            if (try? await host.read(through: "OK\r\n", timeout: 0.5)) != nil { break }
            guard child.isRunning, ContinuousClock.now < deadline else {
                module.kill()
                throw HostTimeout(waitingFor: "OK from uplink module", got: module.log)
            }
        }
        _ = await host.drain(wait: 0.05)
        return module
    }

    /// SIGKILL, at once (a power cut).
    func kill() {
        child.forceKill()
        host.disconnect()
    }

    /// SIGTERM, then SIGKILL after a grace; removes the log.
    func stop() async {
        await child.stop(grace: .seconds(5))
        host.disconnect()
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
