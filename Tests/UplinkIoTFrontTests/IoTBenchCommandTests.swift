import Foundation
import Testing
import UplinkTestSupport

/// `uplink iot bench` with a small N: the whole run (mosquitto, the front, direct clients, a module on a pty).
@Suite("uplink iot bench", .serialized, .timeLimit(.minutes(4)))
struct IoTBenchCommandTests {
    @Test("A short run onboards every device both ways and prints rates, percentiles, added latencies and the goals")
    func shortRun() async throws {
        let (status, output) = try await UplinkExecutable.run(
            [
                "iot", "bench", "--devices", "8", "--module-devices", "2", "--modules", "1", "--concurrency", "4",
                "--publishes", "80", "--publishers", "2", "--window", "4", "--latency-publishes", "20", "--rounds", "2",
            ], timeout: 180)
        #expect(status == 0, "\(output)")
        // The progress bars (standard error) reach the end.
        #expect(output.contains("onboarding, direct TLS [##############################] 8/8"), "\(output)")
        #expect(output.contains("onboarding, through modules [##############################] 2/2"), "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        func line(_ prefix: String) -> String? {
            lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }
        }
        let direct = try #require(line("direct TLS clients"), "\(output)")
        #expect(direct.contains("devices/s") && direct.contains("p50") && direct.contains("p99"))
        #expect(direct.contains("(8 in "))
        #expect(try #require(line("through modules")).contains("(2 in "))
        #expect(line("the front adds")?.contains("per CONNECT") == true)
        #expect(lines.contains { $0.contains("per PUBLISH (p50)") })
        #expect(line("QoS 1 PUBLISH latency")?.contains("2 connections") == true, "\(output)")
        #expect(
            line("QoS 1 PUBLISH throughput")?.contains("4 in flight on each; median of 2 rounds") == true, "\(output)")
        #expect(lines.filter { $0.contains("(80 in ") }.count == 2, "\(output)")
        #expect(lines.filter { $0.contains("(20 in ") }.count == 2, "\(output)")
        let throughput = try #require(line("front's cost in QoS 1 publish throughput"), "\(output)")
        #expect(throughput.hasSuffix(": met") || throughput.hasSuffix(": not met"))
        let onboarding = try #require(line("onboarding rate / mutual-TLS connect rate"), "\(output)")
        #expect(onboarding.contains("(goal ≥ 40%)"))
    }

    @Test("Options out of range are refused before anything starts")
    func badOptions() async throws {
        let (status, output) = try await UplinkExecutable.run(["iot", "bench", "--devices", "0"], timeout: 60)
        #expect(status != 0)
        #expect(output.contains("--devices must be between 1 and 9000"), "\(output)")
        let (windowStatus, windowOutput) = try await UplinkExecutable.run(
            ["iot", "bench", "--publishes", "100", "--publishers", "8", "--window", "20"], timeout: 60)
        #expect(windowStatus != 0)
        #expect(windowOutput.contains("--publishes must be between --publishers × --window"), "\(windowOutput)")
    }
}
