import Foundation
import Testing
import UplinkModule

@Suite("Bad input: a precise error, nothing else changes", .timeLimit(.minutes(1)))
struct BadInputTests {
    /// Opens a socket with 5 unread bytes, so each test can check they survive.
    private func hostWithPendingData(
        _ wire: Wire, _ peers: EchoPeers, configure: (inout ModuleOptions) -> Void = { _ in }
    ) async throws -> TestHost {
        let host = try await TestHost(profile: wire.profile, configure: configure)
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        try await host.send(wire.socketOn("127.0.0.1", peers.tcpEchoPort, "t"))
        try await host.expect(wire.opened(0))
        try await host.send("AT+S.SOCKW=0,5\rkeep!")
        try await host.expect(wire.ok + wire.pending(0, received: 5, unread: 5))
        return host
    }

    private func assertIntact(_ host: TestHost, _ wire: Wire) async throws {
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.SOCKQ=0\r")
        try await host.expect(wire.query(5))
        try await host.send("AT+S.SOCKR=0,5\r")
        try await host.expect(wire.reading("keep!", pending: 5))
    }

    @Test("Garbage, NULs, unknown commands, malformed parameters", arguments: Wire.both)
    func malformedLines(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let host = try await hostWithPendingData(wire, peers)
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        let cases: [([UInt8], String)] = [
            (Array("hello\r".utf8), wire.error(1, "Command not found")),
            ([0x00, 0x00, 0x0D], wire.error(1, "Command not found")),
            ([0x41, 0x54, 0x00, 0x0D], wire.error(1, "Command not found")),
            ([0xFF, 0xFE, 0x80, 0x0D], wire.error(1, "Command not found")),
            (Array("AT+S.NOSUCH=1\r".utf8), wire.error(1, "Command not found")),
            (Array("AT+S.SOCKON=\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKON=127.0.0.1\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKON=127.0.0.1,abc,t\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKW=0,abc\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKW=0,0\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKW=0,4097\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKW=0\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKR=0,-1\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SOCKR=0,99\r".utf8), wire.error(13, "Not enough data in buffer")),
            (Array("AT+S.SOCKR=\r".utf8), wire.error(76, "Illegal Socket ID")),
            (Array("AT+S.SOCKQ=7\r".utf8), wire.error(76, "Illegal Socket ID")),
            (Array("AT+S.SOCKC=1\r".utf8), wire.error(76, "Illegal Socket ID")),
            (Array("AT+S.SOCKC=0\r".utf8), wire.error(77, "Pending data")),
            (Array("AT+S.SCFG=,\r".utf8), wire.error(6, "Unknown variable")),
            (Array("AT+S.SSIDTXT=\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.SSIDTXT=\(String(repeating: "s", count: 33))\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.WIFI=2\r".utf8), wire.error(3, "Invalid arguments")),
            (Array("AT+S.PEERS=1\r".utf8), wire.error(17, "No such peer")),
            (Array("AT+S.TIME=yesterday\r".utf8), wire.error(3, "Invalid arguments")),
        ]
        for (bytes, expected) in cases {
            try await host.send(bytes: bytes)
            try await host.expect(expected)
        }
        try await assertIntact(host, wire)
    }

    @Test("An over-long line: one error, then business as usual", arguments: Wire.both)
    func overLongLine(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let host = try await hostWithPendingData(wire, peers)
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.send("AT+S.SCFG=user_desc," + String(repeating: "x", count: 600) + "\r")
        try await host.expect(wire.error(4, "Line too long"))
        try await host.send(String(repeating: "y", count: 100_000) + "\r")
        try await host.expect(wire.error(4, "Line too long"))
        try await assertIntact(host, wire)
    }

    @Test("A SOCKW block that stops arriving times out; the engine returns to commands", arguments: Wire.both)
    func shortBlock(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let host = try await hostWithPendingData(wire, peers) { $0.blockTimeout = .seconds(2) }
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.send("AT+S.SOCKW=0,10\rabc")
        try await host.expect(wire.error(9, "Data timeout"), timeout: .seconds(8))
        try await assertIntact(host, wire)
        // A block that keeps trickling in is not cut off while bytes still arrive.
        try await host.send("AT+S.SOCKW=0,10\r")
        for byte in "abcdefghij" {
            // Each pause is well under the 2 s timeout (even on a loaded machine); the whole block takes longer.
            try await Task.sleep(for: .milliseconds(300))
            try await host.send(String(byte))
        }
        try await host.expect(wire.ok)
        try await host.expect(wire.pending(0, received: 10, unread: 10))
    }

    @Test("A block for a wrong id is consumed, not run as commands", arguments: Wire.both)
    func blockForWrongSocket(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let host = try await hostWithPendingData(wire, peers)
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.send("AT+S.SOCKW=5,8\rAT&F\rAT\r")
        try await host.expect(wire.error(76, "Illegal Socket ID"))
        try await host.send("AT+S.SOCKW=x,3\rAT\r")
        try await host.expect(wire.error(76, "Illegal Socket ID"))
        try await assertIntact(host, wire)
    }

    @Test("A host that goes away mid-line or mid-block leaves nothing behind", arguments: Wire.both)
    func hostDisconnects(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let host = try await hostWithPendingData(wire, peers)
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.send("AT+S.SOCKC")
        try await host.onLoop { host.engine.hostChanged() }
        try await host.send("AT\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.SOCKW=0,100\rpartial")
        try await host.onLoop { host.engine.hostChanged() }
        try await host.expect(wire.error(9, "Data timeout"))
        try await assertIntact(host, wire)
    }
}
