import Foundation
import Testing
import UplinkTestSupport

/// `uplink --version` and `uplink-mqtt --version`: the release number, and the revision only when the stamp
/// next to the executable belongs to it.
@Suite("--version", .serialized, .timeLimit(.minutes(1)))
struct VersionTests {
    @Test("the version, the stamped revision when it is this build's, else 'revision unknown'")
    func version() async throws {
        let uplink = UplinkExecutable.path()
        let mqtt = URL(fileURLWithPath: uplink).deletingLastPathComponent().appendingPathComponent("uplink-mqtt").path
        for executable in [uplink, mqtt] {
            let stamp = executable + ".revision"
            let saved = try? String(contentsOfFile: stamp, encoding: .utf8)
            defer {
                if let saved {
                    try? saved.write(toFile: stamp, atomically: true, encoding: .utf8)
                } else {
                    try? FileManager.default.removeItem(atPath: stamp)
                }
            }
            let modified = try #require(
                try FileManager.default.attributesOfItem(atPath: executable)[.modificationDate] as? Date)
            let seconds = Int(modified.timeIntervalSince1970)
            try "v9-test-g1234567 \(seconds)\n".write(toFile: stamp, atomically: true, encoding: .utf8)
            let stamped = try await runVersion(executable)
            #expect(stamped.status == 0)
            #expect(stamped.output == "0.1.0 (git v9-test-g1234567)\n", "\(stamped.output)")
            // A stamp of another build (another time) is not believed.
            try "v9-test-g1234567 \(seconds - 10)\n".write(toFile: stamp, atomically: true, encoding: .utf8)
            let stale = try await runVersion(executable)
            #expect(stale.output.hasPrefix("0.1.0 (revision unknown"), "\(stale.output)")
            try FileManager.default.removeItem(atPath: stamp)
            let none = try await runVersion(executable)
            #expect(none.output.hasPrefix("0.1.0 (revision unknown"), "\(none.output)")
        }
    }

    private func runVersion(_ executable: String) async throws -> (status: Int32?, output: String) {
        let log = NSTemporaryDirectory() + "uplink-version-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(path: executable, arguments: ["--version"], outputPath: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while child.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        child.forceKill()
        return (child.exitStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}
