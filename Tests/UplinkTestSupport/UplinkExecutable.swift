import Foundation

/// Finds the `uplink` executable of the same build as the test bundle, and runs it.
public enum UplinkExecutable {
    /// `UPLINK_BIN` when set; else the `uplink` next to the test bundle (any `--scratch-path`);
    /// else `<package>/.build/debug/uplink`.
    public static func path(filePath: String = #filePath) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["UPLINK_BIN"], !explicit.isEmpty { return explicit }
        let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("uplink").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/uplink").path
    }

    /// Runs `uplink` with `arguments`; returns its exit status and its output (stdout and stderr). Waits by
    /// polling with `Task.sleep`, so no thread of the concurrency pool is held while the child runs.
    public static func run(_ arguments: [String], timeout: Double = 60) async throws -> (
        status: Int32?, output: String
    ) {
        let log = NSTemporaryDirectory() + "uplink-run-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(path: path(), arguments: arguments, outputPath: log)
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while child.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        child.forceKill()
        let status = child.exitStatus
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status, output)
    }
}
