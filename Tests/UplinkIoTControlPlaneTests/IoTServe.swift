import Foundation
import UplinkTestSupport

/// `uplink iot serve` as a child process, for the tests that run the whole front.
struct IoTServe {
    let process: ChildProcess
    /// The MQTT port (`--port`) and the control plane's (`--api-port`).
    let mqttPort: Int
    let apiPort: Int
    let log: String

    /// What the front has logged so far.
    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Starts `uplink iot serve` with `arguments`; waits up to 30 s for `control plane on`.
    static func start(_ arguments: [String], log: String) async throws -> ChildProcess {
        let serve = try ChildProcess(
            path: UplinkExecutable.path(), arguments: ["iot", "serve"] + arguments, outputPath: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, serve.isRunning,
            !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("control plane on")
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        return serve
    }

    /// Starts `uplink iot serve` before `broker` on two free ports (no ALPN port), its data in `folder`/data and its
    /// log in `folder`/serve.log, with `extra` options; waits up to 30 s for `control plane on`.
    static func start(folder: String, broker: MosquittoBroker, extra: [String] = []) async throws -> IoTServe {
        let mqttPort = try TestPorts.free()
        let apiPort = try TestPorts.free()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let log = folder + "/serve.log"
        let process = try await start(
            [
                "--data", folder + "/data", "--port", String(mqttPort), "--alpn-port", "0",
                "--api-port", String(apiPort), "--broker", "mqtt://127.0.0.1:\(broker.port)",
            ] + extra, log: log)
        return IoTServe(process: process, mqttPort: mqttPort, apiPort: apiPort, log: log)
    }
}
