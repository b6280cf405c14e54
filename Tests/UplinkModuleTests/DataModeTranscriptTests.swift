import Testing
import UplinkModule
import UplinkTestSupport

/// SPWF01 data mode and the socket server, byte for byte, against real peers on 127.0.0.1.
@Suite("Transcripts: SPWF01 data mode and socket server (SOCKD)", .timeLimit(.minutes(2)))
struct DataModeTranscriptTests {
    let wire = Wire.spwf01

    /// A booted module (Wi-Fi not joined) serving SOCKD on a free port (`options`: what follows the port, e.g.
    /// `",u"`), and a client of that server (UDP when `udp`), connected; both closed when `body` ends.
    func withServerClient(
        _ options: String = "", udp: Bool = false, configure: (inout ModuleOptions) -> Void = { _ in },
        _ body: (TestHost, RawPeer, Int) async throws -> Void
    ) async throws {
        try await withHost(wire, joinWiFi: false, configure: configure) { host in
            let port = try TestPorts.free()
            try await host.send("AT+S.SOCKD=\(port)\(options)\r")
            try await host.expect(wire.ok)
            let client = udp ? try await RawPeer.udp(port: port) : try await RawPeer.tcp(port: port)
            try await withCleanup {
                try await body(host, client, port)
            } cleanup: {
                await client.close()
            }
        }
    }

    @Test("SOCKD: start, twice, stop, not running, bad input — exact bytes")
    func serverCommands() async throws {
        try await withHost(wire, joinWiFi: false) { host in
            let port = try TestPorts.free()
            try await host.send("AT+S.SOCKD=\(port)\r")
            try await host.expect(wire.ok)
            // A real port on 127.0.0.1: a connection to it is a client (in and gone).
            #expect(TestPorts.isListening(port))
            try await host.expect(
                wire.wind(61, "Incoming Socket Client:127.0.0.1") + wire.wind(62, "Socket Client Gone:127.0.0.1"))
            try await host.send("AT+S.SOCKD=\(port)\r")
            try await host.expect(wire.error(92, "Socket Server already up and running"))
            try await host.send("AT+S.SOCKD=0\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.SOCKD=0\r")
            try await host.expect(wire.error(93, "Socket Server not running"))
            for bad in ["70000", "-1", "abc", "", "\(port),x", "\(port),t,ind,more", "\(port),ind,t", "0,t"] {
                try await host.send("AT+S.SOCKD=\(bad)\r")
                try await host.expect(wire.error(3, "Invalid arguments"))
            }
            try await host.send("AT+S.SOCKD=\(port),u,ind\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.SOCKD=0\r")
            try await host.expect(wire.ok)
            #expect(try await host.drain() == "")
        }
    }

    @Test("Refusals: no peer for data mode; the escape as a command line")
    func refusals() async throws {
        try await withHost(wire, joinWiFi: false) { host in
            try await host.send("AT+S.\r")
            try await host.expect(wire.error(90, "Data mode not available"))
            try await host.send("at+s.\r\n")
            try await host.expect(wire.error(91, "Command mode not available"))
            // A server with no client is no peer either.
            let port = try TestPorts.free()
            try await host.send("AT+S.SOCKD=\(port)\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.\r")
            try await host.expect(wire.error(90, "Data mode not available"))
        }
    }

    @Test("TCP client of the server: WIND 61, 64, data mode both ways, escape, WIND 59, 62")
    func tcpServerClient() async throws {
        try await withServerClient { host, client, port in
            try await host.expect(wire.wind(61, "Incoming Socket Client:127.0.0.1"))
            // A second client is turned away while one is connected.
            let second = try await RawPeer.tcp(port: port)
            #expect(try await second.waitClosed())
            await second.close()
            try await client.send("hello")
            try await host.expect(wire.wind(64, "Sockd Pending Data:1:5:5"))
            try await host.send("AT+S.\r")
            try await host.expect(wire.wind(60, "Now in Data Mode") + "hello")
            try await host.send("world\r\n")
            #expect(try await client.waitFor(7) == Array("world\r\n".utf8))
            try await client.send("more")
            try await host.expect("more")
            try await host.send("at+s.")
            try await host.expect(wire.wind(59, "Back to Command Mode"))
            try await host.send("AT\r")
            try await host.expect(wire.ok)
            await client.close()
            try await host.expect(wire.wind(62, "Socket Client Gone:127.0.0.1"))
            #expect(client.bytes == Array("world\r\n".utf8), "the escape reached the client")
        }
    }

    @Test("The client leaves during data mode: its last bytes, WIND 59, then WIND 62")
    func clientLeavesInDataMode() async throws {
        try await withServerClient(",t,ind") { host, client, _ in
            try await host.expect(wire.wind(61, "Incoming Socket Client:127.0.0.1"))
            try await host.send("AT+S.\r")
            try await host.expect(wire.wind(60, "Now in Data Mode"))
            try await client.send("bye")
            try await host.expect("bye")
            await client.close()
            try await host.expect(
                wire.wind(59, "Back to Command Mode") + wire.wind(62, "Socket Client Gone:127.0.0.1"))
            try await host.send("AT\r")
            try await host.expect(wire.ok)
        }
    }

    @Test("UDP client of the server: WIND 61, 64, data mode both ways")
    func udpServerClient() async throws {
        try await withServerClient(",u", udp: true) { host, client, _ in
            try await client.send("datagram")
            try await host.expect(
                wire.wind(61, "Incoming Socket Client:127.0.0.1") + wire.wind(64, "Sockd Pending Data:1:8:8"))
            try await host.send("AT+S.\r")
            try await host.expect(wire.wind(60, "Now in Data Mode") + "datagram")
            try await host.send("reply")
            #expect(try await client.waitFor(5) == Array("reply".utf8))
            try await host.send("at+s.")
            try await host.expect(wire.wind(59, "Back to Command Mode"))
        }
    }

    /// Opens a TCP client socket to the echo peer and enters data mode with it.
    func dataModeWithEcho(_ host: TestHost, _ peers: EchoPeers) async throws {
        try await host.joinWiFi()
        try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
        try await host.expect(wire.opened(0))
        try await host.send("AT+S.\r\n")
        try await host.expect(wire.wind(60, "Now in Data Mode"))
    }

    @Test("Client socket to a TCP echo peer: raw both ways; the escape split over several writes")
    func clientSocketEcho() async throws {
        try await withHostAndPeers(wire, joinWiFi: false) { host, peers in
            try await dataModeWithEcho(host, peers)
            try await host.send("ping\r\n")
            try await host.expect("ping\r\n")
            for piece in ["a", "t+", "s", "."] { try await host.send(piece) }
            try await host.expect(wire.wind(59, "Back to Command Mode"))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(0))
            // Bytes after the escape in the same write are command-mode input.
            try await host.send("AT+S.\r")
            try await host.expect(wire.wind(60, "Now in Data Mode"))
            try await host.send("xyat+s.AT\r")
            try await host.expect(wire.wind(59, "Back to Command Mode") + wire.ok)
            // The peer's echo of "xy" came after data mode ended: it waits in the socket, as in command mode.
            try await host.expect(wire.pending(0, received: 2, unread: 2))
        }
    }

    @Test("Near misses of the escape reach the peer: a wrong byte, an upper-case escape, a burst cut short")
    func nearMisses() async throws {
        try await withHostAndPeers(wire, joinWiFi: false, configure: { $0.escapeGuardTime = .milliseconds(100) }) {
            host, peers in
            try await dataModeWithEcho(host, peers)
            try await host.send("at+x|aat+|AT+S.|")
            try await host.expect("at+x|aat+|AT+S.|")
            try await host.send("at+s")
            // The burst ends without the final '.': after the guard time the held bytes go to the peer.
            try await host.expect("at+s", timeout: .seconds(30))
            try await host.send(".")
            try await host.expect(".")
            try await host.send("at+s.")
            try await host.expect(wire.wind(59, "Back to Command Mode"))
        }
    }

    @Test("Socket data arriving while the escape is being typed reaches the host; the escape still works")
    func dataDuringEscape() async throws {
        try await withServerClient(configure: { $0.escapeGuardTime = .seconds(20) }) { host, client, _ in
            try await host.expect(wire.wind(61, "Incoming Socket Client:127.0.0.1"))
            try await host.send("AT+S.\r")
            try await host.expect(wire.wind(60, "Now in Data Mode"))
            try await host.send("at+")
            try await client.send("DATA")
            try await host.expect("DATA")
            try await host.send("s.")
            try await host.expect(wire.wind(59, "Back to Command Mode"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(client.bytes.isEmpty, "escape bytes reached the client: \(escaped(client.bytes))")
        }
    }

    @Test("A custom escape_seq")
    func customEscape() async throws {
        try await withHostAndPeers(wire, joinWiFi: false) { host, peers in
            try await host.send("AT+S.SCFG=escape_seq,##q\r")
            try await host.expect(wire.ok)
            try await dataModeWithEcho(host, peers)
            try await host.send("at+s.")
            try await host.expect("at+s.")
            try await host.send("##q")
            try await host.expect(wire.wind(59, "Back to Command Mode"))
        }
    }
}
