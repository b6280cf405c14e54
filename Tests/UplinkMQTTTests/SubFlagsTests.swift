import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// mosquitto_sub's everyday flags (`-U -R --retained-only -N -F -E -W`), each run with `uplink mqtt sub` and with
/// mosquitto_sub against the same stock mosquitto, and the outputs compared.
@Suite("sub flags as mosquitto_sub has them, compared with mosquitto_sub", .serialized)
struct SubFlagsTests {
    static let mosquittoSub = "/usr/bin/mosquitto_sub"

    /// The two subscribers: `uplink mqtt sub` and mosquitto_sub, with the same arguments.
    private static func tools() throws -> [(name: String, command: [String])] {
        guard FileManager.default.isExecutableFile(atPath: mosquittoSub) else {
            throw MQTTTestSetupError(description: "mosquitto_sub is missing: apt-get install -y mosquitto-clients")
        }
        return [("uplink", [try MQTTTools.uplink(), "mqtt", "sub"]), ("mosquitto_sub", [mosquittoSub])]
    }

    private static func run(
        _ tool: (name: String, command: [String]), _ arguments: [String], in folder: MQTTScratch, name: String,
        timeout: Double = 20
    ) async throws -> (status: Int32, out: String, err: String) {
        try await MQTTChild.run(
            tool.command[0], Array(tool.command.dropFirst()) + arguments, in: folder, name: "\(tool.name)-\(name)",
            timeout: timeout)
    }

    /// Starts both subscribers, publishes `fresh` every 100 ms until both exited (they may subscribe at any time),
    /// and returns their results.
    private static func runWhilePublishing(
        _ arguments: [String], fresh: MQTTMessage, publisher: MQTTClient, in folder: MQTTScratch, name: String
    ) async throws -> [String: (status: Int32, out: String)] {
        var results: [String: (status: Int32, out: String)] = [:]
        var processes: [(String, ChildProcess)] = []
        for tool in try tools() {
            let process = try MQTTChild.start(
                tool.command[0], Array(tool.command.dropFirst()) + arguments, in: folder, name: "\(tool.name)-\(name)")
            processes.append((tool.name, process))
        }
        let deadline = Date().addingTimeInterval(20)
        while processes.contains(where: { $0.1.isRunning }) && Date() < deadline {
            try await publisher.publish(fresh)
            try await Task.sleep(for: .milliseconds(100))
        }
        for (tool, process) in processes {
            let finished = !process.isRunning
            if !finished { await MQTTChild.kill9(process) }
            results[tool] = (finished ? process.exitStatus ?? -1 : -1, folder.read("\(tool)-\(name).out"))
        }
        return results
    }

    @Test("-F with %t %p %q %r %m %l %x, -N, -v: byte for byte what mosquitto_sub prints")
    func format() async throws {
        let folder = try MQTTScratch("subflags")
        let broker = try await Mosquitto()
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5)
        try await publisher.connect()
        try await publisher.publish(MQTTMessage(topic: "f/a", string: "retained a", qos: .atLeastOnce, retain: true))
        try await publisher.publish(MQTTMessage(topic: "f/b", string: "ünï b", qos: .exactlyOnce, retain: true))
        let host = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "f/#", "-C", "2"]
        let cases: [(String, [String])] = [
            ("fields", ["-q", "2", "-F", "%t|%p|%q|%r|%m|%l|%x|%X|%%|@@|\\t|"]),
            ("fields-qos1", ["-q", "1", "-F", "[%t] %p (%q %r %m)"]),
            ("no-newline", ["-q", "1", "-F", "%t=%p;", "-N"]),
            ("verbose-no-newline", ["-v", "-N"]),
            ("format-overrides-verbose", ["-v", "-F", "%p"]),
        ]
        for (name, arguments) in cases {
            var outputs: [String: String] = [:]
            for tool in try SubFlagsTests.tools() {
                let run = try await SubFlagsTests.run(tool, host + arguments, in: folder, name: name)
                #expect(run.status == 0, "\(tool.name) \(name): \(run.err)")
                outputs[tool.name] = run.out
            }
            #expect(outputs["uplink"] == outputs["mosquitto_sub"], "\(name)")
            #expect(outputs["uplink"]?.isEmpty == false, "\(name)")
        }
        // %I: ISO-8601 local time, as mosquitto_sub (the same second, give or take).
        let timed = try await MQTTChild.run(
            try MQTTTools.uplink(), ["mqtt", "sub"] + host + ["-F", "%I %U"], in: folder, name: "timed")
        #expect(timed.status == 0, "\(timed.err)")
        let line = timed.out.split(separator: "\n").first.map(String.init) ?? ""
        let parts = line.split(separator: " ")
        #expect(parts.count == 2, "\(line)")
        #expect(parts.first?.count == "2016-08-10T09:47:38+0100".count, "\(line)")
        #expect(parts.first?.dropFirst(10).first == "T", "\(line)")
        #expect(parts.last?.split(separator: ".").last?.count == 9, "\(line)")
        await publisher.disconnect()
        await broker.stop()
    }

    @Test("-F refuses an unknown sequence as mosquitto_sub does (mosquitto_sub 2.0.11 has no %i)")
    func badFormat() async throws {
        let folder = try MQTTScratch("subflags")
        let port = try TestPorts.free()
        for format in ["%i", "%", "\\q"] {
            let run = try await MQTTChild.run(
                try MQTTTools.uplink(), ["mqtt", "sub", "-p", "\(port)", "-t", "t", "-F", format], in: folder,
                name: "bad")
            #expect(run.status == 64, "\(format): \(run.err)")
            #expect(run.err.contains("-F"), "\(format): \(run.err)")
        }
        let mosquitto = try await MQTTChild.run(
            SubFlagsTests.mosquittoSub, ["-p", "\(port)", "-t", "t", "-F", "%i"], in: folder, name: "mosquitto-bad")
        #expect(mosquitto.status != 0 && mosquitto.err.contains("Invalid format specifier 'i'"), "\(mosquitto.err)")
    }

    @Test("-R skips retained messages (not counted for -C); --retained-only prints them and exits at a fresh one")
    func retainedFlags() async throws {
        let folder = try MQTTScratch("subflags")
        let broker = try await Mosquitto()
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5)
        try await publisher.connect()
        try await publisher.publish(MQTTMessage(topic: "r/a", string: "stale a", qos: .atLeastOnce, retain: true))
        try await publisher.publish(MQTTMessage(topic: "r/b", string: "stale b", qos: .atLeastOnce, retain: true))
        let fresh = MQTTMessage(topic: "r/c", string: "fresh", qos: .atLeastOnce)
        let host = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "r/#", "-q", "1", "-v"]

        let skipped = try await SubFlagsTests.runWhilePublishing(
            host + ["-R", "-C", "2"], fresh: fresh, publisher: publisher, in: folder, name: "R")
        #expect(skipped["uplink"]?.status == 0)
        #expect(skipped["uplink"]?.out == "r/c fresh\nr/c fresh\n")
        #expect(skipped["uplink"]?.out == skipped["mosquitto_sub"]?.out)

        let only = try await SubFlagsTests.runWhilePublishing(
            host + ["--retained-only"], fresh: fresh, publisher: publisher, in: folder, name: "only")
        #expect(only["uplink"]?.status == 0)
        #expect(only["uplink"]?.out == "r/a stale a\nr/b stale b\n")
        #expect(only["uplink"]?.out == only["mosquitto_sub"]?.out)
        #expect(only["mosquitto_sub"]?.status == 0)
        await publisher.disconnect()
        await broker.stop()
    }

    /// A persistent session made with -E; then -U drops its filter (a run stopped by -W), or not (the control): a message
    /// published afterwards is kept for the session only in the control. The same with both tools, down to -W's exit
    /// status (27).
    @Test("-E makes a session and exits; -U unsubscribes a filter the session kept; -W stops with status 27")
    func unsubscribeExitAndTimeout() async throws {
        let folder = try MQTTScratch("subflags")
        let broker = try await Mosquitto()
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5)
        try await publisher.connect()
        for tool in try SubFlagsTests.tools() {
            for unsubscribing in [true, false] {
                let id = MQTTTestClient.id("u-\(tool.name)")
                let base = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", "311", "-c", "-i", id, "-q", "1"]
                let topic = "u/\(tool.name)/\(unsubscribing)"
                let made = try await SubFlagsTests.run(tool, base + ["-t", "u/#", "-E"], in: folder, name: "made")
                #expect(made.status == 0, "\(tool.name): \(made.err)")
                #expect(made.out.isEmpty)
                let second = ["-t", "u/none"] + (unsubscribing ? ["-U", "u/#"] : []) + ["-W", "1"]
                let dropped = try await SubFlagsTests.run(tool, base + second, in: folder, name: "dropped")
                #expect(dropped.status == 27, "\(tool.name): \(dropped.err)")
                try await publisher.publish(MQTTMessage(topic: topic, string: "kept", qos: .atLeastOnce))
                let after = try await SubFlagsTests.run(
                    tool, base + ["-t", "u/#", "-W", "2"], in: folder, name: "after")
                #expect(after.status == 27, "\(tool.name): \(after.status) \(after.err)")
                #expect(after.out == (unsubscribing ? "" : "kept\n"), "\(tool.name), -U \(unsubscribing)")
            }
        }
        let uplink = try MQTTTools.uplink()
        for value in ["0", "-1", "99999999999999999999"] {
            let run = try await MQTTChild.run(
                uplink, ["mqtt", "sub", "-p", "\(broker.port)", "-t", "t", "-W", value], in: folder, name: "badW")
            #expect(run.status == 64, "-W \(value): \(run.err)")
        }
        await publisher.disconnect()
        await broker.stop()
    }
}
