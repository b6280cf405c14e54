import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkModule
import UplinkModuleServer
import UplinkSerial

/// The module on real links: a pseudo-terminal, a serial device, TCP.
@Suite("Links: pty, serial device, TCP", .serialized, .timeLimit(.minutes(1)))
struct LinkTests {
    private func startModule(
        _ link: ModuleLink, profile: ModuleProfile = .spwf01, paceBaud: Int? = nil, trace: ModuleTrace? = nil
    ) async throws -> (ModuleServer, MultiThreadedEventLoopGroup) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash(), trace: trace)
        let server = try await ModuleServer.start(engine: engine, link: link, paceBaud: paceBaud)
        return (server, group)
    }

    private func joinWiFi(_ port: SerialHostPort) async throws {
        port.sendJoin()
        _ = try await port.read(through: "+WIND:24:WiFi Up:10.0.0.2\r\n")
    }

    @Test("pty: boot WINDs are waiting, raw, when the host opens the port late; reopen works")
    func pseudoTerminal() async throws {
        let folder = NSTemporaryDirectory() + "uplink-link-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (server, group) = try await startModule(.pseudoTerminal(linkPath: folder + "/tty"))
        defer {
            Task {
                await server.stop(); try? await group.shutdownGracefully()
            }
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/tty") == server.devicePath)
        try await Task.sleep(for: .milliseconds(50))
        // Opened after boot: the WINDs written before are there, with CR LF untranslated.
        let port = try SerialHostPort(path: folder + "/tty")
        let boot = try await port.read(through: "+WIND:32:WiFi Hardware Started\r\n")
        #expect(String(decoding: boot, as: UTF8.self).hasPrefix("\r\n+WIND:1:Poweron ("))
        port.write("AT\r")
        #expect(try await port.read(through: "\r\nOK\r\n") == Array("\r\nOK\r\n".utf8))

        let peers = try await EchoPeers()
        defer { Task { await peers.shutdown() } }
        try await joinWiFi(port)
        port.write("AT+S.SOCKON=127.0.0.1,\(peers.tcpEchoPort),t,ind\r")
        _ = try await port.read(through: "\r\n ID: 00\r\n\r\nOK\r\n")

        // 5,000 bytes in chunks of at most 730, read back by WIND 55 -> SOCKQ -> SOCKR.
        var payload = [UInt8](repeating: 0, count: 5000)
        for index in payload.indices { payload[index] = UInt8(truncatingIfNeeded: index * 7 + 3) }
        var offset = 0
        while offset < payload.count {
            let chunk = Array(payload[offset..<min(offset + 730, payload.count)])
            port.write("AT+S.SOCKW=0,\(chunk.count)\r")
            port.write(bytes: chunk)
            _ = try await port.read(through: "\r\nOK\r\n")
            offset += chunk.count
        }
        // As mbed's driver does: WIND 55 wakes the host; WINDs are silenced around SOCKQ/SOCKR so none
        // can land in front of SOCKR's raw bytes (SPWF01 gives them no header).
        var echoed: [UInt8] = []
        while echoed.count < payload.count {
            port.write("AT+S.SCFG=wind_off_medium,0x00800000\r")
            _ = try await port.read(through: "\r\nOK\r\n")
            port.write("AT+S.SOCKQ=0\r")
            let reply = String(decoding: try await port.read(through: "\r\nOK\r\n"), as: UTF8.self)
            let count = Int(reply.components(separatedBy: "DATALEN: ").last?.prefix { $0.isNumber } ?? "") ?? 0
            if count > 0 {
                port.write("AT+S.SOCKR=0,\(count)\r")
                echoed += try await port.read(count: count)
                #expect(try await port.read(count: 6) == Array("\r\nOK\r\n".utf8))
            }
            port.write("AT+S.SCFG=wind_off_medium,0\r")
            _ = try await port.read(through: "\r\nOK\r\n")
            if count == 0 && echoed.count < payload.count {
                _ = try? await port.read(through: "+WIND:55:Pending Data:0:", timeout: 1)
            }
        }
        #expect(echoed == payload)

        // UDP: datagrams of up to 730 bytes come back one by one, boundaries kept.
        port.write("AT+S.SOCKON=127.0.0.1,\(peers.udpEchoPort),u,ind\r")
        _ = try await port.read(through: "\r\n ID: 01\r\n\r\nOK\r\n")
        let sizes = [730, 1, 400, 730, 99]
        for (index, size) in sizes.enumerated() {
            port.write("AT+S.SOCKW=1,\(size)\r")
            port.write(bytes: [UInt8](repeating: UInt8(index + 65), count: size))
            _ = try await port.read(through: "\r\nOK\r\n")
        }
        _ = try await port.read(through: "+WIND:55:Pending Data:1:\(sizes.reduce(0, +))\r\n")
        for (index, size) in sizes.enumerated() {
            port.write("AT+S.SOCKQ=1\r")
            _ = try await port.read(through: "\r\n DATALEN: \(size)\r\n\r\nOK\r\n")
            port.write("AT+S.SOCKR=1,\(size)\r")
            #expect(try await port.read(count: size) == [UInt8](repeating: UInt8(index + 65), count: size))
            _ = try await port.read(through: "\r\nOK\r\n")
        }
        port.write("AT+S.SOCKC=1\r")
        _ = try await port.read(through: "\r\nOK\r\n")

        // The server closes: WIND 58, drain, SOCKC.
        let closing = try await peers.sendAndClose(Array("last words".utf8))
        port.write("AT+S.SOCKON=127.0.0.1,\(closing),t,ind\r")
        _ = try await port.read(through: "\r\n ID: 01\r\n\r\nOK\r\n")
        _ = try await port.read(through: "\r\n+WIND:58:Socket Closed:1\r\n")
        port.write("AT+S.SOCKC=1\r")
        _ = try await port.read(through: "\r\nERROR: Pending data\r\n")
        port.write("AT+S.SOCKR=1,10\r")
        #expect(try await port.read(count: 10) == Array("last words".utf8))
        _ = try await port.read(through: "\r\nOK\r\n")
        port.write("AT+S.SOCKC=1\r")
        _ = try await port.read(through: "\r\nOK\r\n")

        // The host closes the port and opens it again: the module is still there, socket and all.
        port.disconnect()
        let reopened = try SerialHostPort(path: folder + "/tty")
        reopened.write("AT+S.SOCKQ=0\r")
        _ = try await reopened.read(through: "\r\n DATALEN: 0\r\n\r\nOK\r\n")
    }

    @Test("serial: a tty device opened with termios (the slave of a pty pair plays the UART)")
    func serialDevice() async throws {
        let wire = try PseudoTerminal()
        defer { wire.closeSlave() }
        let (server, group) = try await startModule(
            .serial(path: wire.path, baud: 921_600, hardwareFlowControl: false), profile: .spwf04)
        defer {
            Task {
                await server.stop(); try? await group.shutdownGracefully()
            }
        }
        // The host is the master side of the pair.
        let host = SerialHostPort(duplicating: wire.masterDescriptor)
        defer { close(wire.masterDescriptor) }
        host.write("AT\r")
        let reply = try await host.read(through: "AT-S.OK\r\n")
        #expect(String(decoding: reply, as: UTF8.self).hasSuffix("+WIND:32:WiFi Hardware Started\r\nAT-S.OK\r\n"))
    }

    @Test("tcp: one host at a time, like ser2net; a second one is turned away")
    func tcpListener() async throws {
        // On 127.0.0.2: a client of another test that keeps reconnecting to a closed ephemeral port on 127.0.0.1
        // could land on this listener and hold its one host slot.
        let (server, group) = try await startModule(.tcp(host: "127.0.0.2", port: 0))
        defer {
            Task {
                await server.stop(); try? await group.shutdownGracefully()
            }
        }
        let port = try #require(server.listeningAddress?.port)
        let first = try SerialHostPort(tcpPort: port, address: 0x7F00_0002)
        first.write("AT\r")
        #expect(try await first.read(through: "\r\nOK\r\n") == Array("\r\nOK\r\n".utf8))
        let second = try SerialHostPort(tcpPort: port, address: 0x7F00_0002)
        second.write("AT\r")
        #expect(await second.drain(wait: 0.3).isEmpty)
        // The first host leaves mid-command; the next one starts clean.
        first.write("AT+S.SOC")
        first.disconnect()
        second.disconnect()
        // The slot frees once the module has seen the first host go; on a loaded machine that takes a moment, so
        // the next host tries again (as a person would) until a deadline, instead of after a fixed pause.
        let deadline = ContinuousClock.now + .seconds(10)
        var reply: [UInt8] = []
        while ContinuousClock.now < deadline {
            let third = try SerialHostPort(tcpPort: port, address: 0x7F00_0002)
            third.write("AT\r")
            if let answer = try? await third.read(through: "\r\nOK\r\n", timeout: 1) {
                reply = answer
                break
            }
            third.disconnect()
            try await Task.sleep(for: .milliseconds(100))
        }
        // Nothing of the first host's half line reaches the next one: its AT is answered alone.
        #expect(reply == Array("\r\nOK\r\n".utf8))
    }

    @Test("--pace: output leaves no faster than the baud rate allows")
    func pacing() async throws {
        let (server, group) = try await startModule(.pseudoTerminal(linkPath: nil), paceBaud: 9600)
        defer {
            Task {
                await server.stop(); try? await group.shutdownGracefully()
            }
        }
        let port = try SerialHostPort(path: try #require(server.devicePath))
        _ = try await port.read(through: "Started\r\n")
        // AT&V prints ~1.8 KB; at 9600 baud (960 bytes/s) that takes about two seconds.
        let started = Date()
        port.write("AT&V\r")
        let dump = try await port.read(through: "\r\nOK\r\n", timeout: 10)
        let elapsed = Date().timeIntervalSince(started)
        let lineTime = Double(dump.count) / 960
        #expect(elapsed >= lineTime * 0.9, "\(dump.count) bytes in \(elapsed) s; the line needs \(lineTime) s")
    }

    @Test("--trace: every byte, timestamped and tagged; blocks in hex")
    func trace() async throws {
        let path = NSTemporaryDirectory() + "uplink-trace-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let peers = try await EchoPeers()
        defer { Task { await peers.shutdown() } }
        let (server, group) = try await startModule(.pseudoTerminal(linkPath: nil), trace: try ModuleTrace(path: path))
        let port = try SerialHostPort(path: try #require(server.devicePath))
        _ = try await port.read(through: "Started\r\n")
        try await joinWiFi(port)
        port.write("AT+S.SOCKON=127.0.0.1,\(peers.tcpEchoPort),t,ind\r")
        _ = try await port.read(through: "OK\r\n")
        port.write("AT+S.SOCKW=0,3\rA\r\u{0}")
        _ = try await port.read(through: "+WIND:55:Pending Data:0:3\r\n")
        port.write("AT+S.SOCKR=0,3\r")
        _ = try await port.read(through: "\r\nOK\r\n")
        await server.stop()
        try? await group.shutdownGracefully()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasSuffix(" host> \"AT+S.SOCKW=0,3\\r\"") })
        #expect(lines.contains { $0.hasSuffix(" host> [3 bytes] 41 0d 00") })
        #expect(lines.contains { $0.hasSuffix(" <mod  [3 bytes] 41 0d 00") })
        #expect(lines.contains { $0.hasSuffix(" <mod  \"\\r\\n+WIND:55:Pending Data:0:3\\r\\n\"") })
        #expect(lines.allSatisfy { $0.count > 28 && $0.dropFirst(4).hasPrefix("-") && $0.contains("Z ") })
    }
}
