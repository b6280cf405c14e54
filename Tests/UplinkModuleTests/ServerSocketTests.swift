import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import UplinkCredentials
import UplinkModule
import UplinkTestSupport

/// SPWF04 server sockets (SOCKDON...) against real clients connecting from outside the module over 127.0.0.1:
/// exact bytes of every reply and WIND, bad input, TCP, UDP and TLS (s1, s2) with the credential slots.
@Suite("Transcripts: SPWF04 server sockets against real clients", .serialized, .timeLimit(.minutes(3)))
struct ServerSocketTests {
    static let ok = "AT-S.OK\r\n"

    static func error(_ code: Int, _ text: String) -> String { "AT-S.ERROR:\(code):\(text)\r\n" }
    static func wind(_ number: Int, _ text: String) -> String { "+WIND:\(number):\(text)\r\n" }
    static func incoming(_ port: Int, server: Int, client: Int) -> String {
        wind(61, "Incoming Socket Client:127.0.0.1:\(port):\(server):\(client)")
    }
    static func gone(_ port: Int, server: Int, client: Int) -> String {
        wind(62, "Socket Client Gone:127.0.0.1:\(port):\(server):\(client):0")
    }
    static func pending(server: Int, client: Int, received: Int, unread: Int) -> String {
        wind(55, "Pending Data:\(server):\(client):\(received):\(unread)")
    }
    static func reading(_ data: String, pending: Int) -> String {
        "AT-S.Reading:\(data.utf8.count):\(pending)\r\n" + data + ok
    }

    /// A booted SPWF04 on Wi-Fi, and an event loop for the peers.
    static func module() async throws -> (TestHost, MultiThreadedEventLoopGroup) {
        let host = try await TestHost(profile: .spwf04)
        try await host.expect(Wire.spwf04.boot)
        try await host.joinWiFi()
        return (host, MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    static func stop(_ host: TestHost, _ group: MultiThreadedEventLoopGroup) async {
        await host.shutdown()
        try? await group.shutdownGracefully()
    }

    @Test("TCP: SOCKDON, WIND 61, WIND 55, SOCKDQ, SOCKDR, SOCKDW, SOCKDL, the client leaves (WIND 62), SOCKDC")
    func tcpTranscript() async throws {
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let peer = try await ServerSocketPeer.tcp(port: port, group: group)
        let local = peer.localPort
        try await host.expect(Self.incoming(local, server: 0, client: 0))
        try await peer.send("hello")
        try await host.expect(Self.pending(server: 0, client: 0, received: 5, unread: 5))
        try await host.send("AT+S.SOCKDQ=0,0\r")
        try await host.expect("AT-S.Query:5\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDR=0,0,2\r")
        try await host.expect(Self.reading("he", pending: 5))
        // No length (or 0): everything pending.
        try await host.send("AT+S.SOCKDR=0,0\r")
        try await host.expect(Self.reading("llo", pending: 3))
        try await host.send("AT+S.SOCKDW=0,0,6\rworld!")
        try await host.expect(Self.ok)
        #expect(try await peer.receive(6) == Array("world!".utf8))
        try await host.send("AT+S.SOCKDL\r")
        try await host.expect(
            "AT-S.Server:0:\(port):t\r\nAT-S.Client:0:0:127.0.0.1:\(local)\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDL=0\r")
        try await host.expect(
            "AT-S.Server:0:\(port):t\r\nAT-S.Client:0:0:127.0.0.1:\(local)\r\n" + Self.ok)

        // The client sends a last word and leaves: WIND 62, and its bytes can still be read.
        try await peer.send("bye")
        try await host.expect(Self.pending(server: 0, client: 0, received: 3, unread: 3))
        await peer.close()
        try await host.expect(Self.gone(local, server: 0, client: 0))
        try await host.send("AT+S.SOCKDR=0,0,3\r")
        try await host.expect(Self.reading("bye", pending: 3))
        // Once read, the client is forgotten.
        try await host.send("AT+S.SOCKDQ=0,0\r")
        try await host.expect(Self.error(76, "Illegal Socket ID"))

        // A second client takes the free id 0 again; SOCKDC=<sid>,<cid> drops it (the peer sees the close).
        let second = try await ServerSocketPeer.tcp(port: port, group: group)
        try await host.expect(Self.incoming(second.localPort, server: 0, client: 0))
        try await host.send("AT+S.SOCKDC=0,0\r")
        try await host.expect(Self.ok)
        try await second.waitClosed()

        try await host.send("AT+S.SOCKDC=0\r")
        try await host.expect(Self.ok)
        try await host.send("AT+S.SOCKDL\r")
        try await host.expect(Self.ok)
        #expect(await TestPorts.stopsListening(port))
        #expect(try await host.drain() == "")
    }

    @Test("bad input: no Wi-Fi, bad port, bad protocol, twice on a port, a port taken, unknown sid and cid, limits")
    func badInput() async throws {
        let host = try await TestHost(profile: .spwf04)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { await Self.stop(host, group) } }
        try await host.expect(Wire.spwf04.boot)
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect(Self.error(15, "WiFi not connected"))
        try await host.joinWiFi()

        for line in [
            "AT+S.SOCKDON=0,t", "AT+S.SOCKDON=65536,t", "AT+S.SOCKDON=\(port),x", "AT+S.SOCKDON=\(port),s3",
            "AT+S.SOCKDON=\(port)", "AT+S.SOCKDON=abc,t", "AT+S.SOCKDON", "AT+S.SOCKDON=-1,t", "AT+S.SOCKDQ=0",
            "AT+S.SOCKDW=0,0,0", "AT+S.SOCKDW=0,0,5000", "AT+S.SOCKDC",
        ] {
            try await host.send(line + "\r")
            try await host.expect(Self.error(3, "Invalid arguments"))
        }
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        // The same port again: refused; UDP on it too (one server per port).
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect(Self.error(79, "Server port in use"))
        try await host.send("AT+S.SOCKDON=\(port),u\r")
        try await host.expect(Self.error(79, "Server port in use"))
        // A port another program of the machine listens on.
        let other = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let taken = other.localAddress?.port ?? 0
        try await host.send("AT+S.SOCKDON=\(taken),t\r")
        try await host.expect(Self.error(79, "Server port in use"))
        try await other.close()

        for line in [
            "AT+S.SOCKDQ=0,0", "AT+S.SOCKDQ=1,0", "AT+S.SOCKDQ=9,0", "AT+S.SOCKDQ=x,0", "AT+S.SOCKDR=0,4,1",
            "AT+S.SOCKDR=0,7", "AT+S.SOCKDC=3", "AT+S.SOCKDC=0,2", "AT+S.SOCKDL=2", "AT+S.SOCKDQ=0,1234",
        ] {
            try await host.send(line + "\r")
            try await host.expect(Self.error(76, "Illegal Socket ID"))
        }
        // SOCKDW to no client: the block is read, then refused.
        try await host.send("AT+S.SOCKDW=0,0,3\rabc")
        try await host.expect(Self.error(76, "Illegal Socket ID"))

        // A client with unread data: SOCKDR beyond it, SOCKDC of it and of its server are refused.
        let peer = try await ServerSocketPeer.tcp(port: port, group: group)
        try await host.expect(Self.incoming(peer.localPort, server: 0, client: 0))
        try await peer.send("12345")
        try await host.expect(Self.pending(server: 0, client: 0, received: 5, unread: 5))
        try await host.send("AT+S.SOCKDR=0,0,6\r")
        try await host.expect(Self.error(13, "Not enough data in buffer"))
        try await host.send("AT+S.SOCKDC=0,0\r")
        try await host.expect(Self.error(77, "Pending data"))
        try await host.send("AT+S.SOCKDC=0\r")
        try await host.expect(Self.error(77, "Pending data"))
        try await host.send("AT+S.SOCKDR=0,0,5\r")
        try await host.expect(Self.reading("12345", pending: 5))

        // Four servers at most (ids 0-3).
        for id in 1...3 {
            try await host.send("AT+S.SOCKDON=\(try TestPorts.free()),\(id == 2 ? "u" : "t")\r")
            try await host.expect("AT-S.On:\(id)\r\n" + Self.ok)
        }
        try await host.send("AT+S.SOCKDON=\(try TestPorts.free()),t\r")
        try await host.expect(Self.error(10, "Too many sockets"))
        // TLS with no credentials stored.
        try await host.send("AT+S.SOCKDC=3\r")
        try await host.expect(Self.ok)
        try await host.send("AT+S.SOCKDON=\(try TestPorts.free()),s1\r")
        try await host.expect(Self.error(52, "TLS credentials missing: no cert for key"))
        #expect(try await host.drain() == "")
        await peer.close()
    }

    @Test("a reset closes every server socket and its clients; the ports are free again after it")
    func resetClosesServers() async throws {
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let tcpPort = try TestPorts.free()
        let udpPort = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(tcpPort),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDON=\(udpPort),u\r")
        try await host.expect("AT-S.On:1\r\n" + Self.ok)
        let peer = try await ServerSocketPeer.tcp(port: tcpPort, group: group)
        try await host.expect(Self.incoming(peer.localPort, server: 0, client: 0))
        try await peer.send("unread")
        try await host.expect(Self.pending(server: 0, client: 0, received: 6, unread: 6))
        try await host.send("AT+S.RESET\r")
        try await host.read(through: "+WIND:32:WiFi Hardware Started\r\n", timeout: .seconds(30))
        try await peer.waitClosed()
        #expect(await TestPorts.stopsListening(tcpPort))
        try await host.joinWiFi()
        try await host.send("AT+S.SOCKDL\r")
        try await host.read(through: Self.ok)
        // Both ports can be served again (nothing of the old sockets holds them).
        try await host.send("AT+S.SOCKDON=\(udpPort),u\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDON=\(tcpPort),t\r")
        try await host.expect("AT-S.On:1\r\n" + Self.ok)
    }

    /// The local addresses (hex `AAAAAAAA:PPPP`, as the kernel prints them) of the TCP sockets listening on `port`.
    static func listeners(on port: Int) throws -> [String] {
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let suffix = ":" + String(format: "%04X", port)
        return table.split(separator: "\n").compactMap { row in
            let columns = row.split(separator: " ")
            // local address, remote address, state (0A: LISTEN)
            guard columns.count > 3, columns[3] == "0A", columns[1].hasSuffix(suffix) else { return nil }
            return String(columns[1])
        }
    }

    @Test(
        "the listening port is on 127.0.0.1 by default, on every interface only with socketServerHost 0.0.0.0",
        arguments: [false, true])
    func bindAddress(remote: Bool) async throws {
        let host = try await TestHost(profile: .spwf04) { if remote { $0.socketServerHost = "0.0.0.0" } }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { await Self.stop(host, group) } }
        try await host.expect(Wire.spwf04.boot)
        try await host.joinWiFi()
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let expected = (remote ? "00000000" : "0100007F") + ":" + String(format: "%04X", port)
        #expect(try Self.listeners(on: port) == [expected])
        let peer = try await ServerSocketPeer.tcp(port: port, group: group)
        try await host.expect(Self.incoming(peer.localPort, server: 0, client: 0))
        await peer.close()
    }

    @Test("five clients at most per server: a sixth is closed at once, with WIND 83")
    func clientLimit() async throws {
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        var peers: [ServerSocketPeer] = []
        for id in 0..<5 {
            let peer = try await ServerSocketPeer.tcp(port: port, group: group)
            try await host.expect(Self.incoming(peer.localPort, server: 0, client: id))
            peers.append(peer)
        }
        let sixth = try await ServerSocketPeer.tcp(port: port, group: group)
        try await host.expect(Self.wind(83, "Sockd Dropping Client:127.0.0.1:\(sixth.localPort):0"))
        try await sixth.waitClosed()
        // The others still work.
        try await peers[4].send("still here")
        try await host.expect(Self.pending(server: 0, client: 4, received: 10, unread: 10))
        for peer in peers { await peer.close() }
    }

    @Test("TCP: 300 KB from two clients and 100 KB to each, through the bounded buffers; bytes and hashes equal")
    func manyBytes() async throws {
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),t\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let peers = [
            try await ServerSocketPeer.tcp(port: port, group: group)
        ]
        try await host.expect(Self.incoming(peers[0].localPort, server: 0, client: 0))
        let second = try await ServerSocketPeer.tcp(port: port, group: group)
        try await host.expect(Self.incoming(second.localPort, server: 0, client: 1))
        let clients = peers + [second]

        let inbound = [Self.payload(150_000, seed: 1), Self.payload(150_000, seed: 2)]
        let outbound = [Self.payload(100_000, seed: 3), Self.payload(100_000, seed: 4)]
        // The peers write everything at once: far over the module's 16 KB buffer per client, so TCP backpressure.
        let senders = Task {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (peer, bytes) in zip(clients, inbound) { tasks.addTask { try await peer.send(bytes) } }
                try await tasks.waitForAll()
            }
        }
        var received: [[UInt8]] = [[], []]
        var sent = [0, 0]
        while received[0].count < inbound[0].count || received[1].count < inbound[1].count
            || sent[0] < outbound[0].count || sent[1] < outbound[1].count
        {
            for client in 0..<2 {
                if sent[client] < outbound[client].count {
                    let chunk = outbound[client][sent[client]..<min(outbound[client].count, sent[client] + 4096)]
                    try await host.send(bytes: Array("AT+S.SOCKDW=0,\(client),\(chunk.count)\r".utf8) + chunk)
                    try await host.read(through: Self.ok, timeout: .seconds(30))
                    sent[client] += chunk.count
                }
                if received[client].count < inbound[client].count {
                    received[client] += try await Self.readAvailable(host, server: 0, client: client)
                }
            }
        }
        try await senders.value
        for client in 0..<2 {
            #expect(received[client] == inbound[client])
            #expect(Self.fnv1a(received[client]) == Self.fnv1a(inbound[client]))
            let echoed = try await clients[client].receive(outbound[client].count)
            #expect(Self.fnv1a(echoed) == Self.fnv1a(outbound[client]))
            #expect(echoed == outbound[client])
        }
        for peer in clients { await peer.close() }
    }

    @Test("UDP: each peer address is a client (WIND 61 at its first datagram); datagram boundaries kept both ways")
    func udp() async throws {
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),u\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let a = try await ServerSocketPeer.udp(port: port, group: group)
        let b = try await ServerSocketPeer.udp(port: port, group: group)
        try await a.send("one")
        try await host.expect(
            Self.incoming(a.localPort, server: 0, client: 0)
                + Self.pending(server: 0, client: 0, received: 3, unread: 3))
        try await a.send("two!")
        try await host.expect(Self.pending(server: 0, client: 0, received: 4, unread: 7))
        try await b.send("x")
        try await host.expect(
            Self.incoming(b.localPort, server: 0, client: 1)
                + Self.pending(server: 0, client: 1, received: 1, unread: 1))
        // SOCKDQ and SOCKDR without a length take the next datagram.
        try await host.send("AT+S.SOCKDQ=0,0\r")
        try await host.expect("AT-S.Query:3\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDR=0,0\r")
        try await host.expect(Self.reading("one", pending: 7))
        try await host.send("AT+S.SOCKDR=0,0,0\r")
        try await host.expect(Self.reading("two!", pending: 4))
        try await host.send("AT+S.SOCKDW=0,1,5\rhello")
        try await host.expect(Self.ok)
        try await host.send("AT+S.SOCKDW=0,1,3\rabc")
        try await host.expect(Self.ok)
        let deadline = ContinuousClock.now + .seconds(30)
        var datagrams: [[UInt8]] = []
        while datagrams.count < 2 && ContinuousClock.now < deadline {
            datagrams += b.takeDatagrams()
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(datagrams == [Array("hello".utf8), Array("abc".utf8)])
        #expect(a.takeDatagrams().isEmpty)
        try await host.send("AT+S.SOCKDL\r")
        try await host.expect(
            "AT-S.Server:0:\(port):u\r\nAT-S.Client:0:0:127.0.0.1:\(a.localPort)\r\n"
                + "AT-S.Client:0:1:127.0.0.1:\(b.localPort)\r\n" + Self.ok)
        try await host.send("AT+S.SOCKDR=0,1\r")
        try await host.expect(Self.reading("x", pending: 1))
        try await host.send("AT+S.SOCKDC=0,1\r")
        try await host.expect(Self.ok)
        try await host.send("AT+S.SOCKDC=0\r")
        try await host.expect(Self.ok)
        #expect(try await host.drain() == "")
        await a.close()
        await b.close()
    }

    @Test("UDP: a datagram that does not fit the client's buffer is dropped with WIND 63, never silently")
    func udpDrop() async throws {
        let host = try await TestHost(profile: .spwf04) { $0.socketReceiveLimit = 1000 }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { await Self.stop(host, group) } }
        try await host.expect(Wire.spwf04.boot)
        try await host.joinWiFi()
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),u\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let peer = try await ServerSocketPeer.udp(port: port, group: group)
        try await peer.send(Array(repeating: 0x41, count: 800))
        try await host.expect(
            Self.incoming(peer.localPort, server: 0, client: 0)
                + Self.pending(server: 0, client: 0, received: 800, unread: 800))
        try await peer.send(Array(repeating: 0x42, count: 300))
        try await host.read(through: "+WIND:63:Sockd Dropping Data:300:")
        try await host.read(through: "\r\n")
        try await host.send("AT+S.SOCKDQ=0,0\r")
        try await host.expect("AT-S.Query:800\r\n" + Self.ok)
        await peer.close()
    }

    // MARK: - TLS

    struct TLSRig {
        let pki: DevPKI
        var rootPEM: [UInt8] { Array(pki.root.certificate.pemString.utf8) }

        /// A client configuration that trusts the dev root, with the device chain when `withCertificate`.
        func client(withCertificate: Bool) throws -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates([
                try NIOSSLCertificate(bytes: pki.root.certificate.derBytes, format: .der)
            ])
            if withCertificate, let device = pki.devices.first {
                var chain = [try NIOSSLCertificate(bytes: device.certificate.derBytes, format: .der)]
                if let issuer = pki.deviceCA {
                    chain.append(try NIOSSLCertificate(bytes: issuer.certificate.derBytes, format: .der))
                }
                configuration.certificateChain = chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(
                    try NIOSSLPrivateKey(bytes: device.key.pkcs8DERBytes, format: .der))
            }
            return configuration
        }
    }

    static func tlsRig() throws -> TLSRig {
        var options = DevPKI.Options()
        options.deviceCA = true
        return TLSRig(pki: try DevPKI.generate(options))
    }

    /// Stores the server's identity (`cert`, `key`) and, for s2, the client CA (`ca`).
    static func storeServerIdentity(_ host: TestHost, _ rig: TLSRig, ca: Bool) async throws {
        var slots: [(String, [UInt8])] = [
            ("cert", Array(rig.pki.server.certificate.pemString.utf8)),
            ("key", Array(rig.pki.server.key.pemString.utf8)),
        ]
        if ca { slots.insert(("ca", rig.rootPEM), at: 0) }
        for (slot, bytes) in slots {
            try await host.send("AT+S.TLSCERT=\(slot),\(bytes.count)\r")
            try await host.send(bytes: bytes)
            try await host.expect(Self.ok)
        }
    }

    @Test("s1: TLS with the module's cert and key; a swift-nio-ssl client verifies it and trades bytes both ways")
    func tlsServer() async throws {
        let rig = try Self.tlsRig()
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        try await Self.storeServerIdentity(host, rig, ca: false)
        let port = try TestPorts.free()
        try await host.send("AT+S.SOCKDON=\(port),s1\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)
        let peer = try await ServerSocketPeer.tcp(
            port: port, group: group, tls: try rig.client(withCertificate: false), serverName: "localhost")
        try await host.expect(Self.incoming(peer.localPort, server: 0, client: 0))
        let upload = Self.payload(20_000, seed: 9)
        try await peer.send(upload)
        var received: [UInt8] = []
        while received.count < upload.count {
            received += try await Self.readAvailable(host, server: 0, client: 0)
        }
        #expect(Self.fnv1a(received) == Self.fnv1a(upload))
        #expect(received == upload)
        try await host.send(bytes: Array("AT+S.SOCKDW=0,0,4096\r".utf8) + upload.prefix(4096))
        try await host.read(through: Self.ok)
        #expect(try await peer.receive(4096) == Array(upload.prefix(4096)))
        try await host.send("AT+S.SOCKDL\r")
        try await host.expect(
            "AT-S.Server:0:\(port):s1\r\nAT-S.Client:0:0:127.0.0.1:\(peer.localPort)\r\n" + Self.ok)
        let local = peer.localPort
        await peer.close()
        try await host.expect(Self.gone(local, server: 0, client: 0))
    }

    @Test("s2: mutual TLS; a client with a certificate from the ca slot's root gets in, one without is refused unseen")
    func mutualTLSServer() async throws {
        let rig = try Self.tlsRig()
        let (host, group) = try await Self.module()
        defer { Task { await Self.stop(host, group) } }
        let port = try TestPorts.free()
        // Without a CA stored, s2 is refused (s1 would not need it).
        try await Self.storeServerIdentity(host, rig, ca: false)
        try await host.send("AT+S.SOCKDON=\(port),s2\r")
        try await host.expect(Self.error(50, "TLS credentials missing: no CA"))
        try await host.send("AT+S.TLSCERT=ca,\(rig.rootPEM.count)\r")
        try await host.send(bytes: rig.rootPEM)
        try await host.expect(Self.ok)
        try await host.send("AT+S.SOCKDON=\(port),s2\r")
        try await host.expect("AT-S.On:0\r\n" + Self.ok)

        // No client certificate: the handshake fails, and the host never hears of the client.
        await #expect(throws: (any Error).self) {
            let refused = try await ServerSocketPeer.tcp(
                port: port, group: group, tls: try rig.client(withCertificate: false), serverName: "localhost")
            // TLS 1.2: the client may finish its side before the server's refusal arrives; it must then be closed.
            try await refused.waitClosed()
            throw PeerTimeout(what: "refused")
        }
        #expect(try await host.drain(after: .milliseconds(300)) == "")

        let peer = try await ServerSocketPeer.tcp(
            port: port, group: group, tls: try rig.client(withCertificate: true), serverName: "localhost")
        try await host.expect(Self.incoming(peer.localPort, server: 0, client: 0))
        try await peer.send("mutual")
        try await host.expect(Self.pending(server: 0, client: 0, received: 6, unread: 6))
        try await host.send("AT+S.SOCKDR=0,0,6\r")
        try await host.expect(Self.reading("mutual", pending: 6))
        try await host.send("AT+S.SOCKDW=0,0,2\rok")
        try await host.expect(Self.ok)
        #expect(try await peer.receive(2) == Array("ok".utf8))
        await peer.close()
    }

    // MARK: - Helpers

    /// SOCKDQ, then SOCKDR of what is there (nothing: a short pause); WINDs in between are skipped.
    static func readAvailable(_ host: TestHost, server: Int, client: Int) async throws -> [UInt8] {
        try await host.send("AT+S.SOCKDQ=\(server),\(client)\r")
        try await host.read(through: "AT-S.Query:", timeout: .seconds(30))
        let countLine = try await host.read(through: "\r\n")
        try await host.expect(Self.ok)
        // (`"\r\n"` is one Character: compare bytes.)
        guard let count = Int(String(decoding: countLine.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self))
        else { throw PeerTimeout(what: "length in SOCKDQ's reply \(countLine.debugDescription)") }
        guard count > 0 else {
            try await Task.sleep(for: .milliseconds(2))
            return []
        }
        let size = min(count, 4096)
        try await host.send("AT+S.SOCKDR=\(server),\(client),\(size)\r")
        try await host.read(through: "AT-S.Reading:\(size):", timeout: .seconds(30))
        try await host.read(through: "\r\n")
        let data = try await host.next(size, timeout: .seconds(30))
        try await host.expect(Self.ok)
        return data
    }

    /// Deterministic bytes that include CR, LF and text that looks like replies.
    static func payload(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[index] = UInt8(truncatingIfNeeded: state)
        }
        let marker = Array("\r\nAT-S.OK\r\n+WIND:62:x\r\n".utf8)
        if count > marker.count { bytes.replaceSubrange(0..<marker.count, with: marker) }
        return bytes
    }

    /// FNV-1a, 64 bits.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
