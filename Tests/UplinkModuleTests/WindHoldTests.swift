import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkModule
import UplinkModuleServer

/// WIND 55 and 58 that arrive while the host masks WINDs (mbed masks them around every SOCKON and
/// SOCKR) are held until the mask is cleared, not lost.
@Suite("Masked socket WINDs are held, not lost", .serialized, .timeLimit(.minutes(1)))
struct WindHoldTests {
    private static let payload = Array("hello".utf8)

    private func masks(_ wire: Wire, _ value: String) -> [String] {
        let prefix = wire.isSPWF01 ? "" : "console_"
        return ["high", "medium", "low"].map { "AT+S.SCFG=\(prefix)wind_off_\($0),\(value)\r" }
    }

    /// Masks every WIND, opens a socket to a peer that sends `payload` and closes, and waits until the
    /// data is in the module (the close follows it at once).
    private func openMasked(_ host: TestHost, _ wire: Wire, port: Int) async throws {
        for line in masks(wire, "0xFFFFFFFF") {
            try await host.send(line)
            try await host.expect(wire.ok)
        }
        try await host.send(wire.socketOn("127.0.0.1", port, "t"))
        try await host.expect(wire.opened(0), timeout: .seconds(10))
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            try await host.send("AT+S.SOCKQ=0\r")
            let reply = try await host.read(through: wire.ok)
            if reply.contains(wire.isSPWF01 ? "DATALEN: 5" : "Query:5") { break }
            guard ContinuousClock.now < deadline else { throw HostTimeout(waitingFor: "5 bytes", got: reply) }
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await host.drain() == "", "a WIND got through the mask")
    }

    private func unmask(_ host: TestHost, _ wire: Wire) async throws -> String {
        var transcript = ""
        for line in masks(wire, "0") {
            try await host.send(line)
            transcript += try await host.read(through: wire.ok)
        }
        return transcript + (try await host.drain(after: .milliseconds(200)))
    }

    @Test("Data and close while masked: WIND 55 (count as of then) and WIND 58 follow the unmask", arguments: Wire.both)
    func heldUntilUnmasked(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            let port = try await peers.sendAndClose(Self.payload)
            try await openMasked(host, wire, port: port)
            // WIND 55 and 58 are bits 23 and 26 of the medium mask: they go out after the medium SCFG's OK.
            #expect(
                try await unmask(host, wire) == wire.ok + wire.ok + wire.pending(0, received: 5, unread: 5)
                    + wire.closed(0)
                    + wire.ok)
            try await host.send("AT+S.SOCKR=0,5\r")
            try await host.expect(wire.reading("hello", pending: 5))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
        }
    }

    @Test("Read while masked: no stale WIND 55; closed while masked: no WIND 58 for a reused id", arguments: Wire.both)
    func heldOnlyWhileTheyApply(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            let port = try await peers.sendAndClose(Self.payload)
            try await openMasked(host, wire, port: port)
            // Everything read while masked: only WIND 58 remains.
            try await host.send("AT+S.SOCKR=0,5\r")
            try await host.expect(wire.reading("hello", pending: 5))
            #expect(try await unmask(host, wire) == wire.ok + wire.ok + wire.closed(0) + wire.ok)
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
            // Read and closed while masked, id 0 reused for an echo socket: nothing about the old one.
            try await openMasked(host, wire, port: port)
            try await host.send("AT+S.SOCKR=0,5\r")
            try await host.expect(wire.reading("hello", pending: 5))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(0))
            #expect(try await unmask(host, wire) == wire.ok + wire.ok + wire.ok)
        }
    }

    @Test("The race on a paced pty, as mbed runs it: masked SOCKON and SOCKR, then WIND 58 after the unmask")
    func pacedRace() async throws {
        let peers = try await EchoPeers()
        let port = try await peers.sendAndClose(Self.payload)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: .spwf01)
        options.step = .milliseconds(1)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
        let server = try await ModuleServer.start(
            engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: 115_200)
        defer {
            Task {
                await server.stop(); try? await group.shutdownGracefully(); await peers.shutdown()
            }
        }
        let host = try SerialHostPort(path: try #require(server.devicePath))
        _ = try await host.read(through: "Started\r\n")
        host.sendJoin()
        _ = try await host.read(through: "+WIND:24:WiFi Up:10.0.0.2\r\n")
        let wire = Wire.spwf01
        for line in masks(wire, "0xFFFFFFFF") {
            host.write(line)
            _ = try await host.read(through: "\r\nOK\r\n")
        }
        host.write("AT+S.SOCKON=127.0.0.1,\(port),t,ind\r")
        _ = try await host.read(through: "\r\n ID: 00\r\n\r\nOK\r\n", timeout: 10)
        var pending = 0
        let deadline = Date().addingTimeInterval(5)
        while pending < 5 && Date() < deadline {
            host.write("AT+S.SOCKQ=0\r")
            let reply = String(decoding: try await host.read(through: "\r\nOK\r\n"), as: UTF8.self)
            pending = Int(reply.components(separatedBy: "DATALEN: ").last?.prefix { $0.isNumber } ?? "") ?? 0
        }
        #expect(pending == 5)
        host.write("AT+S.SOCKR=0,5\r")
        #expect(try await host.read(count: 5) == Self.payload)
        #expect(try await host.read(count: 6) == Array("\r\nOK\r\n".utf8))
        var transcript: [UInt8] = []
        for line in masks(wire, "0") {
            host.write(line)
            transcript += try await host.read(through: "\r\nOK\r\n")
        }
        transcript += await host.drain(wait: 0.3)
        #expect(
            String(decoding: transcript, as: UTF8.self)
                == "\r\nOK\r\n\r\nOK\r\n" + wire.closed(0) + "\r\nOK\r\n")
    }
}
