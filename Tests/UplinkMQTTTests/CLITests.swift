import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// `uplink mqtt pub|sub` as a person uses it, against mosquitto: exit codes, the messages for the usual
/// failures, and the mosquitto-like flags. Every child process has a deadline.
@Suite("uplink mqtt pub|sub against mosquitto", .serialized)
struct CLITests {
    @Test("connection refused: exit 1 and a message that says nothing listens there")
    func connectionRefused() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let port = try TestPorts.free()
        for command in ["pub", "sub"] {
            let extra = command == "pub" ? ["-m", "x"] : []
            let run = try await MQTTChild.run(
                uplink, ["mqtt", command, "-h", "127.0.0.1", "-p", "\(port)", "-t", "t"] + extra, in: folder,
                name: "refused-\(command)", timeout: 30)
            #expect(run.status == 1, "\(command): \(run.err)")
            #expect(run.err.contains("connection refused by 127.0.0.1:\(port)"), "\(command): \(run.err)")
        }
    }

    /// mosquitto 2.0 refuses a wrong password and a missing one alike with "not authorized" (0x87 in MQTT 5,
    /// return code 5 in 3.1.1); the CLI says what the broker said. "Bad user name or password" (0x86 / 4), which
    /// other brokers send, is checked against the fake broker below.
    @Test(
        "mosquitto with a password file: wrong or no credentials exit 1 with 'not authorized'; right ones exit 0",
        arguments: ["5", "311"])
    func credentials(version: String) async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let passwords = folder.path("passwords")
        let made = try await MQTTChild.run(
            "/usr/bin/mosquitto_passwd", ["-b", "-c", passwords, "device", "s3cret"], in: folder, name: "passwd")
        try #require(made.status == 0, "mosquitto_passwd failed: \(made.err)")
        let broker = try await Mosquitto(config: ["allow_anonymous false", "password_file \(passwords)"])
        let base = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-t", "t"]

        let wrong = try await MQTTChild.run(
            uplink, ["mqtt", "pub"] + base + ["-m", "x", "-u", "device", "-P", "wrong"], in: folder, name: "wrong")
        #expect(wrong.status == 1)
        #expect(wrong.err.contains("connection refused: not authorized"), "\(wrong.err)")
        #expect(!wrong.err.contains("wrong"), "the password is never printed")

        let anonymous = try await MQTTChild.run(uplink, ["mqtt", "sub"] + base, in: folder, name: "anonymous")
        #expect(anonymous.status == 1)
        #expect(anonymous.err.contains("connection refused: not authorized"), "\(anonymous.err)")

        let right = try await MQTTChild.run(
            uplink, ["mqtt", "pub"] + base + ["-m", "x", "-q", "1", "-u", "device", "-P", "s3cret"], in: folder,
            name: "right")
        #expect(right.status == 0, "\(right.err)")
        await broker.stop()
    }

    @Test(
        "a broker that answers Bad User Name or Password: exit 1 with 'bad user name or password'",
        arguments: [MQTTProtocolVersion.v5, .v3_1_1])
    func badUserNameOrPassword(version: MQTTProtocolVersion) async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let broker = try await MQTTFakeBroker()
        let code: MQTTReasonCode =
            version == .v5 ? .badUserNameOrPassword : MQTTConnectReturnCode.badUserNameOrPassword.reasonCode
        let serving = Task {
            try await broker.serve { peer in
                _ = try await peer.receive()
                try await peer.send(.connack(ConnAckPacket(reasonCode: code)))
            }
        }
        let run = try await MQTTChild.run(
            uplink,
            [
                "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version == .v5 ? "5" : "311", "-t", "t",
                "-m", "x", "-u", "device", "-P", "wrong",
            ],
            in: folder, name: "bad", timeout: 30)
        try await serving.value
        #expect(run.status == 1)
        #expect(run.err.contains("connection refused: bad user name or password"), "\(run.err)")
    }

    @Test(
        "pub -l: every line of standard input is a message, in order; exit 0 once all are acknowledged",
        arguments: [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce])
    func linesFromStandardInput(qos: MQTTQoS) async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let broker = try await Mosquitto()
        let watcher = try MQTTTestClient.make(MQTTTestClient.id("watch"), port: broker.port, version: .v5)
        try await watcher.connect()
        let collector = MQTTCollector(try await watcher.subscribe(to: "cli/lines", qos: .exactlyOnce))
        let lines = ["first line", "", "third: ünïcode", "last"]
        try folder.write("input", lines.joined(separator: "\n") + "\n")
        let run = try await MQTTChild.run(
            uplink,
            [
                "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "cli/lines", "-q", "\(qos.rawValue)",
                "-l",
            ],
            in: folder, name: "lines", stdin: folder.path("input"))
        #expect(run.status == 0, "\(run.err)")
        try await collector.waitFor(lines.count)
        #expect(collector.messages.map(\.payloadString) == lines)
        #expect(collector.messages.allSatisfy { $0.qos == qos })
        await watcher.disconnect()
        await broker.stop()
    }

    @Test("sub -C stops after that many messages (exit 0); -v prints the topic before the payload")
    func countAndVerbose() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let broker = try await Mosquitto()
        // Retained messages: delivered as soon as the subscription exists, so no race with the subscriber's start.
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5)
        try await publisher.connect()
        let topics = ["cli/a", "cli/b", "cli/c", "cli/d", "cli/e"]
        for topic in topics {
            try await publisher.publish(
                MQTTMessage(topic: topic, string: "value of \(topic)", qos: .atLeastOnce, retain: true))
        }
        let base = ["mqtt", "sub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "cli/#", "-q", "1"]

        let verbose = try await MQTTChild.run(uplink, base + ["-C", "5", "-v"], in: folder, name: "verbose")
        #expect(verbose.status == 0, "\(verbose.err)")
        let verboseLines = verbose.out.split(separator: "\n").map(String.init).sorted()
        #expect(verboseLines == topics.map { "\($0) value of \($0)" })

        let counted = try await MQTTChild.run(uplink, base + ["-C", "3"], in: folder, name: "counted")
        #expect(counted.status == 0, "\(counted.err)")
        let countedLines = counted.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(countedLines.count == 3, "\(counted.out)")
        #expect(countedLines.allSatisfy { $0.hasPrefix("value of cli/") })

        await publisher.disconnect()
        await broker.stop()
    }

    @Test(
        "uplink-mqtt: the same pub/sub in their own executable; 1,000 queued QoS 1 messages reach a resumed `sub -c`",
        arguments: ["5", "311"])
    func standaloneExecutable(version: String) async throws {
        let tool = try MQTTTools.uplinkMQTT()
        let folder = try MQTTScratch("cli")
        let broker = try await Mosquitto()
        let host = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version]
        let subscriber = host + ["-i", MQTTTestClient.id("standalone"), "-c", "-t", "cli/standalone", "-q", "1"]
        // A first run creates the persistent session (ended by the retained message), then the publisher fills it.
        let retained = try await MQTTChild.run(
            tool, ["pub"] + host + ["-t", "cli/standalone", "-m", "retained", "-q", "1", "-r"], in: folder,
            name: "retained")
        try #require(retained.status == 0, "\(retained.err)")
        let first = try await MQTTChild.run(tool, ["sub"] + subscriber + ["-C", "1"], in: folder, name: "first")
        try #require(first.status == 0, "\(first.err)")
        #expect(first.out == "retained\n")
        // A stock mosquitto keeps at most 1,000 messages for an offline client (max_queued_messages 1000).
        let count = 1_000
        let published = try await MQTTChild.run(
            tool, ["pub"] + host + ["-t", "cli/standalone", "-m", "queued", "-q", "1", "--repeat-count", "\(count)"],
            in: folder, name: "published")
        #expect(published.status == 0, "\(published.err)")
        let resumed = try await MQTTChild.run(
            tool, ["sub"] + subscriber + ["-C", "\(count)"], in: folder, name: "resumed", timeout: 60)
        #expect(resumed.status == 0, "\(resumed.err)")
        let refused = try await MQTTChild.run(
            tool, ["pub", "-h", "127.0.0.1", "-p", "\(try TestPorts.free())", "-t", "t", "-m", "x"], in: folder,
            name: "refused")
        #expect(refused.status == 1)
        #expect(refused.err.hasPrefix("uplink-mqtt: transport failed: connection refused"), "\(refused.err)")
        let lines = resumed.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == count)
        #expect(lines.allSatisfy { $0 == "queued" })
        await broker.stop()
    }

    @Test("uplink-mqtt links neither Foundation nor ICU (only the FoundationEssentials the argument parser uses)")
    func standaloneExecutableLinks() async throws {
        let tool = try MQTTTools.uplinkMQTT()
        let folder = try MQTTScratch("cli")
        let listed = try await MQTTChild.run("/usr/bin/ldd", [tool], in: folder, name: "ldd")
        try #require(listed.status == 0 || listed.out.contains("not a dynamic executable"), "\(listed.err)")
        #expect(!listed.out.contains("libFoundation.so"), "\(listed.out)")
        #expect(!listed.out.contains("FoundationICU"), "\(listed.out)")
        #expect(!listed.out.contains("FoundationInternationalization"), "\(listed.out)")
    }

    /// The CLI runs on one event loop; `-l` reads standard input off it, so a pause on stdin longer than the keep
    /// alive does not stop PINGREQ: one connection from the first line to the last.
    @Test("pub -l -k 1 with a 3 s pause on standard input keeps its one connection alive")
    func linesWithPauses() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("cli")
        let broker = try await Mosquitto()
        let watcher = try MQTTTestClient.make(MQTTTestClient.id("watch"), port: broker.port, version: .v5)
        try await watcher.connect()
        let collector = MQTTCollector(try await watcher.subscribe(to: "cli/pauses", qos: .atLeastOnce))
        let fifo = folder.path("stdin")
        try #require(mkfifo(fifo, 0o600) == 0)
        // posix_spawn waits for the child's exec, and the child's open of a FIFO waits for a writer: hold one open
        // (close-on-exec, so no child keeps it) while spawning.
        let holder = open(fifo, O_RDWR | O_CLOEXEC)
        try #require(holder >= 0)
        let publisher = try MQTTChild.start(
            uplink,
            [
                "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "cli/pauses", "-q", "1", "-k", "1",
                "-l", "-d",
            ],
            in: folder, name: "pauses", stdin: fifo)
        let writer = open(fifo, O_WRONLY | O_CLOEXEC)
        close(holder)
        try #require(writer >= 0)
        func send(_ line: String) {
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
        }
        send("before the pause")
        try await collector.waitFor(1)
        try await Task.sleep(for: .seconds(3))
        send("after the pause")
        close(writer)
        let finished = await MQTTChild.wait(publisher, seconds: 30)
        if !finished { await MQTTChild.kill9(publisher) }
        #expect(finished && publisher.exitStatus == 0, "\(folder.read("pauses.err"))")
        try await collector.waitFor(2)
        #expect(collector.messages.map(\.payloadString) == ["before the pause", "after the pause"])
        let log = folder.read("pauses.err")
        #expect(log.components(separatedBy: "MQTT connected").count - 1 == 1, "one connection only:\n\(log)")
        await watcher.disconnect()
        await broker.stop()
    }
}
