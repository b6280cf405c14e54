import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import UplinkCredentials
import UplinkModule
import UplinkTestSupport

/// A stalled peer never wedges the module: every pending effect has a deadline, and the reset command
/// is served while one is in flight.
@Suite("Effect deadlines and reset while busy", .serialized, .timeLimit(.minutes(3)))
struct EffectDeadlineTests {
    private func host(
        _ wire: Wire, effectTimeout: TimeAmount, dns: [SocketAddress]? = nil
    ) async throws -> TestHost {
        let host = try await TestHost(profile: wire.profile) { options in
            options.effectTimeout = effectTimeout
            if let dns {
                options.dnsServers = dns
                options.hostsFile = nil
            }
        }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        return host
    }

    @Test(
        "TLS: a server that accepts and never answers the ClientHello times out; the module is idle again",
        arguments: Wire.both)
    func tlsHandshakeStall(wire: Wire) async throws {
        let peer = try await StallingPeer()
        defer { Task { await peer.shutdown() } }
        let pki = try DevPKI.generate(DevPKI.Options())
        let host = try await host(wire, effectTimeout: .seconds(1))
        defer { Task { await host.shutdown() } }
        let ca = Array(pki.root.certificate.pemString.utf8)
        try await host.send("AT+S.TLSCERT=ca,\(ca.count)\r")
        try await host.send(bytes: ca)
        try await host.expect(wire.ok)
        try await host.send(wire.socketOn("127.0.0.1", peer.port, wire.isSPWF01 ? "s" : "localhost"))
        try await host.expect(wire.error(31, "TLS handshake timed out"), timeout: .seconds(15))
        // The engine is idle: plain commands are answered, and no socket was opened.
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.STS=ip_sock_open\r")
        try await host.expect(wire.variable("ip_sock_open", "0") + wire.ok)
        // The stalled connection was closed, not leaked: the peer sees its end.
        #expect(peer.accepted >= 1)
        try await peer.awaitAllClosed(timeout: .seconds(30))
        #expect(try await host.drain() == "")
    }

    @Test(
        "SOCKW to a peer that stopped reading: Write timed out, the socket closes, the module goes on",
        arguments: Wire.both)
    func writeStall(wire: Wire) async throws {
        let peer = try await StallingPeer()
        defer { Task { await peer.shutdown() } }
        let host = try await host(wire, effectTimeout: .seconds(1))
        defer { Task { await host.shutdown() } }
        try await host.send(wire.socketOn("127.0.0.1", peer.port, "t"))
        try await host.expect(wire.opened(0), timeout: .seconds(10))
        let block = [UInt8](repeating: 0x55, count: 4096)
        var transcript = ""
        var writes = 0
        // Fill the kernel's buffers (the peer's receive window is small); a few MB at most.
        while writes < 4000 {
            try await host.send("AT+S.SOCKW=0,4096\r")
            try await host.send(bytes: block)
            writes += 1
            transcript = try await Self.readReply(host, wire, timeout: .seconds(15))
            if transcript != wire.ok { break }
        }
        let error = wire.error(32, "Write timed out")
        #expect(transcript.hasPrefix(error), "after \(writes) writes: \(escaped(Array(transcript.utf8)))")
        // The stalled socket is closed like any other: WIND 58 right after, then SOCKC frees it.
        var rest = String(transcript.dropFirst(error.count))
        let deadline = ContinuousClock.now + .seconds(5)
        while !rest.contains(wire.closed(0)) && ContinuousClock.now < deadline {
            rest += try await host.drain(after: .milliseconds(10))
        }
        #expect(rest == wire.closed(0))
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.SOCKW=0,1\rx")
        try await host.expect(wire.error(78, "Socket not connected"))
        try await host.send("AT+S.SOCKC=0\r")
        try await host.expect(wire.ok)
        try await peer.awaitAllClosed(timeout: .seconds(60))
    }

    @Test(
        "A lookup to a DNS server that never answers times out at the deadline; queued lines run after",
        arguments: Wire.both)
    func lookupStall(wire: Wire) async throws {
        let silent = try SilentUDPServer()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
        let host = try await host(wire, effectTimeout: .milliseconds(500), dns: [server])
        defer { Task { await host.shutdown() } }
        // Two more lines typed while the lookup is in flight wait their turn and run in order.
        let dhcp = wire.isSPWF01 ? "ip_use_dhcp" : "ip_use_dhcpc"
        try await host.send(wire.socketOn("stall.invalid", 80, "t") + "AT\rAT+S.GCFG=\(dhcp)\r")
        try await host.expect(
            wire.error(30, "Timed out") + wire.ok + wire.variable(dhcp, "1") + wire.ok,
            timeout: .seconds(10))
        // The resolver's own failure (after its 2 s x 2 tries) comes later and is ignored: no second reply.
        #expect(try await host.drain(after: .seconds(5)) == "")
        try await host.send("AT\r")
        try await host.expect(wire.ok)
    }

    @Test("100 lines typed while busy: 64 queued, the rest wait unread; all answered in order afterwards")
    func queueBeyondItsLimit() async throws {
        let wire = Wire.spwf04
        let silent = try SilentUDPServer()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
        let host = try await host(wire, effectTimeout: .seconds(1), dns: [server])
        defer { Task { await host.shutdown() } }
        var lines = wire.socketOn("stall.invalid", 80, "t")
        for index in 0..<100 { lines += "AT+S.SCFG=ip_hostname,h\(index)\rAT+S.GCFG=ip_hostname\r" }
        try await host.send(lines)
        var expected = wire.error(30, "Timed out")
        for index in 0..<100 { expected += wire.ok + wire.variable("ip_hostname", "h\(index)") + wire.ok }
        try await host.expect(expected, timeout: .seconds(10))
    }

    @Test(
        "The reset command is served while an effect is in flight; lines queued before it are dropped",
        arguments: Wire.both)
    func resetWhileBusy(wire: Wire) async throws {
        let silent = try SilentUDPServer()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
        // A deadline far beyond the test's waits: only the reset can end the wait.
        let host = try await host(wire, effectTimeout: .seconds(600), dns: [server])
        defer { Task { await host.shutdown() } }
        try await host.send(wire.socketOn("stall.invalid", 80, "t"))
        try await host.send("AT\r")
        #expect(try await host.drain(after: .milliseconds(300)) == "")
        try await host.send(wire.resetCommand + "\r")
        try await host.expect(wire.wind(2, "Reset") + wire.boot, timeout: .seconds(5))
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        // The abandoned lookup's late failure prints nothing.
        #expect(try await host.drain(after: .seconds(5)) == "")
    }

    @Test("A malformed reset line while busy is not a reset: it waits its turn like any line")
    func malformedResetWhileBusy() async throws {
        let wire = Wire.spwf01
        let silent = try SilentUDPServer()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: silent.port)
        let host = try await host(wire, effectTimeout: .milliseconds(500), dns: [server])
        defer { Task { await host.shutdown() } }
        try await host.send(wire.socketOn("stall.invalid", 80, "t") + "AT+CFUN=7\r")
        try await host.expect(wire.error(30, "Timed out") + wire.error(3, "Invalid arguments"), timeout: .seconds(10))
    }

    /// The next complete reply: OK or an error line.
    static func readReply(_ host: TestHost, _ wire: Wire, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while ContinuousClock.now < deadline {
            text += try await host.drain(after: .milliseconds(2))
            if text.hasPrefix(wire.ok) && text.count >= wire.ok.count { return text }
            if wire.isSPWF01 ? text.hasPrefix("\r\nERROR: ") : text.hasPrefix("AT-S.ERROR:"),
                text.dropFirst(2).contains("\r\n")
            {
                return text
            }
        }
        throw HostTimeout(waitingFor: "a reply", got: text)
    }
}

/// A TCP server on 127.0.0.1 that accepts and never reads or answers (a small receive buffer, so a
/// writer fills it fast). ``awaitAllClosed(timeout:)`` then reads, to see each connection's end.
final class StallingPeer: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let port: Int
    private let server: Channel
    /// The accepted connections, and how many there were.
    private let state = Mutex<(children: [Channel], acceptedCount: Int)>(([], 0))

    init() async throws {
        let box = ChildBox()
        server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(.so_rcvbuf), value: 4096)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { channel in
                box.peer?.adopt(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = server.localAddress?.port ?? 0
        box.peer = self
    }

    private final class ChildBox: @unchecked Sendable {
        var peer: StallingPeer?
    }

    private func adopt(_ channel: Channel) {
        state.withLock {
            $0.children.append(channel)
            $0.acceptedCount += 1
        }
    }

    var accepted: Int { state.withLock { $0.acceptedCount } }

    /// Starts reading every connection (discarding the bytes) and waits until each has ended.
    func awaitAllClosed(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        let open = state.withLock { $0.children }
        for channel in open {
            _ = channel.setOption(.autoRead, value: true)
        }
        while open.contains(where: { $0.isActive }) {
            guard ContinuousClock.now < deadline else {
                throw HostTimeout(waitingFor: "the module to close its end", got: "")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func shutdown() async {
        try? await server.close()
        for channel in state.withLock({ $0.children }) { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}
