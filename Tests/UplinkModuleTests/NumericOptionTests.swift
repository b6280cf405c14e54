import Foundation
import Testing
import UplinkOptions
import UplinkTestSupport

/// Every numeric option of `uplink`, `uplink-mqtt` and `uplink-bench`, through the real executables: a value out
/// of range (nan, inf, negative, zero where it means nothing, huge, past the type) is a usage error — exit status
/// 64, a message naming the option — and never a trap.
@Suite("Numeric options: range-checked, none traps")
struct NumericOptionTests {
    /// A command line that must be refused, and the option the message must name.
    struct Case: CustomStringConvertible, Sendable {
        var executable: String
        var arguments: [String]
        var option: String

        var description: String { ([executable] + arguments).joined(separator: " ") }
    }

    static let durations = ["inf", "-inf", "nan", "1e20", "-1", "0", "99999999999999999999"]

    static var cases: [Case] {
        var cases: [Case] = []
        func add(_ executable: String, _ arguments: [String], _ option: String) {
            cases.append(Case(executable: executable, arguments: arguments, option: option))
        }
        for value in durations {
            add("uplink", ["module", "--volatile", "--block-timeout=\(value)"], "--block-timeout")
            add("uplink", ["module", "--volatile", "--effect-timeout=\(value)"], "--effect-timeout")
            add("uplink", ["dns", "x.invalid", "--server", "127.0.0.1:1", "--timeout=\(value)"], "--timeout")
            add("uplink", ["dns", "x.invalid", "--server", "127.0.0.1:1", "--total=\(value)"], "--total")
            add("uplink-bench", ["at", "--timeout=\(value)"], "--timeout")
            add("uplink-bench", ["mqtt", "--timeout=\(value)"], "--timeout")
        }
        add("uplink", ["module", "--volatile", "--block-timeout=3600.5"], "--block-timeout")
        add("uplink", ["dns", "x.invalid", "--tries=0"], "--tries")
        add("uplink", ["dns", "x.invalid", "--tries=99999999999999999999"], "--tries")
        add("uplink", ["dns", "x.invalid", "--baud=0"], "--baud")
        for days in ["0", "-5", "36501", "99999999999999999", "9223372036854775807"] {
            add("uplink", ["certs", "dev-pki", "--out", "/nonexistent/pki", "--days=\(days)"], "--days")
        }
        for devices in ["0", "-1", "10000", "100000000000"] {
            add("uplink", ["certs", "dev-pki", "--out", "/nonexistent/pki", "--devices=\(devices)"], "--devices")
        }
        add("uplink", ["device", "/nonexistent", "--baud=0"], "--baud")
        add("uplink", ["device", "/nonexistent", "--baud=99999999999"], "--baud")
        for tool in ["uplink", "uplink-mqtt"] {
            let prefix = tool == "uplink" ? ["mqtt"] : []
            for port in ["0", "-1", "65536", "99999999999"] {
                add(tool, prefix + ["pub", "-t", "a", "-m", "b", "-p=\(port)"], "-p")
                add(tool, prefix + ["sub", "-t", "a", "-p=\(port)"], "-p")
            }
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--queue=0"], "--queue")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--queue=-3"], "--queue")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--repeat-count=0"], "--repeat-count")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "-q", "3"], "-q")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--max-inflight=0"], "--max-inflight")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--will-topic", "w", "--will-qos", "3"], "--will-qos")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "-k", "65536"], "-k")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "-x", "-1"], "-x")
            add(tool, prefix + ["sub", "-t", "a", "-W", "0"], "-W")
            add(tool, prefix + ["sub", "-t", "a", "-W", "99999999999"], "-W")
            add(tool, prefix + ["sub", "-t", "a", "-C", "0"], "-C")
            add(tool, prefix + ["pub", "-t", "a", "-m", "b", "--via", "/nonexistent", "--baud=0"], "--baud")
        }
        add("uplink-bench", ["at", "--rounds=0"], "--rounds")
        add("uplink-bench", ["at", "--warmup=-1"], "--warmup")
        add("uplink-bench", ["at", "--baud=10"], "--baud")
        add("uplink-bench", ["at", "--bytes=0"], "--bytes")
        add("uplink-bench", ["mqtt", "--rounds=0"], "--rounds")
        add("uplink-bench", ["mqtt", "--connects=-1"], "--connects")
        add("uplink-bench", ["mqtt", "--messages=0"], "--messages")
        add("uplink-bench", ["tls", "--seconds=0"], "--seconds")
        add("uplink-bench", ["tls", "--seconds=-1"], "--seconds")
        add("uplink-bench", ["tls", "--count=0"], "--count")
        add("uplink-bench", ["tls", "--processes=0"], "--processes")
        add("uplink-bench", ["tls", "--rounds=0"], "--rounds")
        add("uplink-bench", ["dns", "--count=0"], "--count")
        add("uplink-bench", ["dns", "--cached=-1"], "--cached")
        add("uplink-bench", ["dns", "--rounds=0"], "--rounds")
        add("uplink-bench", ["via", "--payload=0"], "--payload")
        add("uplink-bench", ["via", "--rounds=0"], "--rounds")
        return cases
    }

    /// The executable `name` of the same build as `uplink`.
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: UplinkExecutable.path()).deletingLastPathComponent().appendingPathComponent(name).path
    }

    @Test("Each out-of-range value: exit 64 and a message naming the option, no trap")
    func refused() async throws {
        var failures: [String] = []
        for item in Self.cases {
            let log = NSTemporaryDirectory() + "uplink-option-\(UUID().uuidString).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let child = try ChildProcess(path: Self.path(item.executable), arguments: item.arguments, outputPath: log)
            let deadline = ContinuousClock.now + .seconds(20)
            while child.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            child.forceKill()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // A trap ends the process on a signal: no exit status at all.
            if child.exitStatus != 64 || !output.contains(item.option) || output.contains("Fatal error") {
                failures.append(
                    "\(item): status \(child.exitStatus.map(String.init) ?? "signal"): \(output.prefix(300))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(Self.cases.count):\n\(failures.joined(separator: "\n"))")
    }

    @Test("OptionCheck.seconds: the bounds are accepted, just past them and non-numbers are not")
    func secondsBoundaries() throws {
        let range = 0.05...60.0
        #expect(try OptionCheck.seconds(0.05, in: range, option: "--t") == .milliseconds(50))
        #expect(try OptionCheck.seconds(60, in: range, option: "--t") == .seconds(60))
        for bad in [0.049_999, 60.000_001, .nan, .infinity, -.infinity, -0.0, 1e300, -.greatestFiniteMagnitude] {
            #expect(throws: (any Error).self, "\(bad)") { try OptionCheck.seconds(bad, in: range, option: "--t") }
        }
        // The widest range allowed converts its top without overflow.
        let top = try OptionCheck.seconds(
            OptionCheck.longestSeconds, in: 0...OptionCheck.longestSeconds, option: "--t")
        #expect(top == .seconds(1_000_000))
        #expect(throws: Never.self) { try OptionCheck.number(65_535, in: 1...65_535, option: "-p") }
        #expect(throws: (any Error).self) { try OptionCheck.number(65_536, in: 1...65_535, option: "-p") }
        #expect(throws: (any Error).self) { try OptionCheck.number(Int.min, in: 1...65_535, option: "-p") }
    }
}
