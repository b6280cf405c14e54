import Testing
import UplinkModule

@Suite("Transcripts: client sockets against real peers on 127.0.0.1", .timeLimit(.minutes(1)))
struct SocketTranscriptTests {
    @Test("TCP: SOCKON, SOCKW, WIND 55, SOCKQ, SOCKR, SOCKC — exact bytes", arguments: Wire.both)
    func tcpRoundTrip(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(0))
            try await host.send("AT+S.SOCKW=0,5\rhello")
            try await host.expect(wire.ok)
            try await host.expect(wire.pending(0, received: 5, unread: 5))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(5))
            try await host.send("AT+S.SOCKR=0,2\r")
            try await host.expect(wire.reading("he", pending: 5))
            try await host.send("AT+S.SOCKR=00,3\r")
            try await host.expect(wire.reading("llo", pending: 3))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(0))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.error(76, "Illegal Socket ID"))
            #expect(try await host.drain() == "")
        }
    }

    @Test("WIND 55 carries the total unread bytes, not the increment", arguments: Wire.both)
    func pendingTotals(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(0))
            try await host.send("AT+S.SOCKW=0,4\rabcd")
            try await host.expect(wire.ok)
            try await host.expect(wire.pending(0, received: 4, unread: 4))
            try await host.send("AT+S.SOCKW=0,6\refghij")
            try await host.expect(wire.ok)
            try await host.expect(wire.pending(0, received: 6, unread: 10))
            try await host.send("AT+S.SOCKR=0,10\r")
            try await host.expect(wire.reading("abcdefghij", pending: 10))
        }
    }

    @Test("UDP keeps datagram boundaries: SOCKQ gives the next datagram", arguments: Wire.both)
    func udpBoundaries(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            try await host.send(wire.socketOn("127.0.0.1", peers.udpEchoPort, "u"))
            try await host.expect(wire.opened(0))
            for datagram in ["first", "second-one", "third-datagram"] {
                try await host.send("AT+S.SOCKW=0,\(datagram.utf8.count)\r\(datagram)")
                try await host.expect(wire.ok)
                try await host.read(through: "Pending Data:")
                try await host.read(through: "\r\n")
            }
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(5))
            try await host.send("AT+S.SOCKR=0,5\r")
            try await host.expect(wire.reading("first", pending: 29))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(10))
            try await host.send("AT+S.SOCKR=0,6\r")
            try await host.expect(wire.reading("second", pending: 24))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(4))
            try await host.send("AT+S.SOCKR=0,4\r")
            try await host.expect(wire.reading("-one", pending: 18))
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(14))
            try await host.send("AT+S.SOCKR=0\r")
            try await host.expect(wire.reading("third-datagram", pending: 14))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
        }
    }

    @Test("Peer close: WIND 58, data stays readable, SOCKC refused until drained", arguments: Wire.both)
    func peerClose(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            let port = try await peers.sendAndClose(Array("goodbye".utf8))
            try await host.send(wire.socketOn("127.0.0.1", port, "t"))
            try await host.expect(wire.opened(0))
            try await host.expect(wire.pending(0, received: 7, unread: 7) + wire.closed(0))
            try await host.send("AT+S.SOCKW=0,3\rabc")
            try await host.expect(wire.error(78, "Socket not connected"))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.error(77, "Pending data"))
            try await host.send("AT+S.SOCKR=0,7\r")
            try await host.expect(wire.reading("goodbye", pending: 7))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
        }
    }

    @Test("Eight sockets at most; ids are checked", arguments: Wire.both)
    func socketLimits(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            for id in 0..<8 {
                try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
                try await host.expect(wire.opened(id))
            }
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.error(10, "Too many sockets"))
            for bad in ["8", "9", "x", "-1", "", "0x1"] {
                try await host.send("AT+S.SOCKQ=\(bad)\r")
                try await host.expect(wire.error(76, "Illegal Socket ID"))
            }
            try await host.send("AT+S.SOCKC=3\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.SOCKQ=3\r")
            try await host.expect(wire.error(76, "Illegal Socket ID"))
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(3))
            try await host.send("AT+S.SOCKR=3,1\r")
            try await host.expect(wire.error(13, "Not enough data in buffer"))
        }
    }

    @Test("SOCKON errors: no Wi-Fi, TLS without a CA, bad port, unresolvable name, refused", arguments: Wire.both)
    func openErrors(wire: Wire) async throws {
        let noCA = "TLS credentials missing: no CA"
        let resolver = TableResolver(table: ["echo.test": [IPv4Address(127, 0, 0, 1)]])
        try await withHostAndPeers(wire, joinWiFi: false, resolver: resolver) { host, peers in
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.error(15, "WiFi not connected"))
            try await host.joinWiFi()
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "s"))
            try await host.expect(wire.error(50, noCA))
            if !wire.isSPWF01 {
                try await host.send("AT+S.SOCKON=127.0.0.1,\(peers.tcpEchoPort),NULL,broker.example.com\r")
                try await host.expect(wire.error(50, noCA))
            }
            try await host.send(wire.socketOn("127.0.0.1", 70000, "t"))
            try await host.expect(wire.error(3, "Invalid arguments"))
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "x"))
            // SPWF04 reads anything but t/u/s there as the server's common name, which means TLS.
            try await host.expect(
                wire.isSPWF01 ? wire.error(3, "Invalid arguments") : wire.error(50, noCA))
            try await host.send("AT+S.SOCKON=\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
            try await host.send(wire.socketOn("nosuch.test", peers.tcpEchoPort, "t"))
            try await host.expect(wire.error(11, "Failed to resolve name"))
            let longName = String(repeating: "a", count: 254)
            try await host.send(wire.socketOn(longName, peers.tcpEchoPort, "t"))
            try await host.expect(wire.error(11, "Failed to resolve name"))
            // Port 1 on loopback: nobody listens there.
            try await host.send(wire.socketOn("127.0.0.1", 1, "t"))
            try await host.expect(wire.error(12, "Failed to connect"))
            try await host.send(wire.socketOn("echo.test", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(0))
        }
    }

    @Test("WIND masks hold WIND 55 until cleared; the data is still there", arguments: Wire.both)
    func windMask(wire: Wire) async throws {
        try await withHostAndPeers(wire) { host, peers in
            try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(0))
            // WIND 55 is bit 23 of the medium mask (WINDs 32-63).
            try await host.send("AT+S.SCFG=\(wire.windMaskMedium),0x00800000\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.SOCKW=0,3\rxyz")
            try await host.expect(wire.ok)
            #expect(try await host.drain(after: .milliseconds(200)) == "")
            try await host.send("AT+S.SOCKQ=0\r")
            try await host.expect(wire.query(3))
            // Clearing the mask lets the held WIND 55 out, with the count as of then.
            try await host.send("AT+S.SCFG=\(wire.windMaskMedium),0\r")
            try await host.expect(wire.ok + wire.pending(0, received: 3, unread: 3))
            try await host.send("AT+S.SOCKW=0,1\r!")
            try await host.expect(wire.ok)
            try await host.expect(wire.pending(0, received: 1, unread: 4))
        }
    }

    @Test("Backpressure: 200 KB from a fast peer arrive whole through a 16 KB buffer", arguments: Wire.both)
    func backpressure(wire: Wire) async throws {
        var payload: [UInt8] = []
        var state: UInt32 = 12345
        for _ in 0..<200_000 {
            state = state &* 1_103_515_245 &+ 12345
            payload.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        try await withHostAndPeers(wire) { host, peers in
            let port = try await peers.sendAndClose(payload)
            try await host.send(wire.socketOn("127.0.0.1", port, "t"))
            try await host.expect(wire.opened(0))
            try await Task.sleep(for: .milliseconds(200))
            _ = try await host.drain()
            try await host.send("AT+S.SOCKQ=0\r")
            let query = try await host.read(through: wire.ok)
            let buffered = Int(query.filter { $0.isNumber }) ?? -1
            #expect(buffered > 0 && buffered <= 2 * 16_384, "buffered \(buffered) bytes")
            // Silence every WIND while reading, as the mbed driver does around SOCKR.
            let prefix = wire.isSPWF01 ? "" : "console_"
            for mask in ["wind_off_low", "wind_off_medium", "wind_off_high"] {
                try await host.send("AT+S.SCFG=\(prefix)\(mask),0xFFFFFFFF\r")
                try await host.read(through: wire.ok)
            }
            var received: [UInt8] = []
            while received.count < payload.count {
                try await host.send("AT+S.SOCKQ=0\r")
                let text = try await host.read(through: wire.ok)
                let marker = wire.isSPWF01 ? "DATALEN: " : "AT-S.Query:"
                guard let range = text.range(of: marker) else { Issue.record("no length in \(text)"); return }
                let count = Int(text[range.upperBound...].prefix { $0.isNumber }) ?? 0
                if count == 0 {
                    try await Task.sleep(for: .milliseconds(5))
                    continue
                }
                let chunk = min(count, 4096)
                try await host.send("AT+S.SOCKR=0,\(chunk)\r")
                if !wire.isSPWF01 {
                    // More may have arrived since SOCKQ, so the pending count is at least `count`.
                    try await host.read(through: "AT-S.Reading:\(chunk):")
                    try await host.read(through: "\r\n")
                }
                received += try await host.next(chunk)
                try await host.expect(wire.ok)
            }
            #expect(received.count == payload.count)
            #expect(received == payload)
            try await host.send("AT+S.SOCKW=0,1\rx")
            try await host.expect(wire.error(78, "Socket not connected"))
            try await host.send("AT+S.SOCKC=0\r")
            try await host.read(through: wire.ok)
        }
    }
}
