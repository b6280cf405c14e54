import ATCodec
import Testing
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// The host driver drives SPWF01 data mode and the socket server end to end, over a pty, against the module.
@Suite("Host driver: SPWF01 socket server and data mode over a pty", .serialized, .timeLimit(.minutes(2)))
struct DriverDataModeTests {
    /// Reads data-mode bytes until `count` arrived (or data mode ended).
    func readData(_ driver: ModuleDriver, count: Int) async throws -> [UInt8] {
        var got: [UInt8] = []
        while got.count < count {
            let chunk = try await driver.readData()
            if chunk.isEmpty { break }
            got += chunk
        }
        return got
    }

    /// Waits for the first indication that `match` accepts.
    func next(
        _ indications: AsyncStream<ATIndication>, _ match: (ATIndication) -> Bool
    ) async -> ATIndication? {
        for await indication in indications where match(indication) { return indication }
        return nil
    }

    @Test("Start the server, a client comes, data both ways in data mode, leave, the client goes, stop")
    func serverRoundTrip() async throws {
        let rig = try await DriverRig.start(.spwf01)
        defer { Task { await rig.stop() } }
        let driver = rig.driver
        let indications = driver.indications()
        let port = try TestPorts.free()
        try await driver.startSocketServer(port: port)
        await #expect(
            throws: ModuleDriverError.module(
                command: "AT+S.SOCKD=\(port),t", error: .socketServerRunning)
        ) {
            try await driver.startSocketServer(port: port)
        }
        let client = try await RawPeer.tcp(port: port)
        defer { Task { await client.close() } }
        let connected = await next(indications) { if case .serverClientConnected = $0 { true } else { false } }
        #expect(connected == .serverClientConnected(address: "127.0.0.1"))
        try await client.send("GET / HTTP/1.0\r\n\r\n")
        let pending = await next(indications) { if case .serverPendingData = $0 { true } else { false } }
        #expect(pending == .serverPendingData(messages: 1, last: 18, total: 18))
        try await driver.enterDataMode()
        #expect(await driver.isInDataMode)
        #expect(try await readData(driver, count: 18) == Array("GET / HTTP/1.0\r\n\r\n".utf8))
        // A reply that ends in CR LF, the start of a WIND line: it reaches the client whole.
        let reply = Array("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi\r\n".utf8)
        try await driver.writeData(reply)
        #expect(try await client.waitFor(reply.count) == reply)
        try await client.send("tail\r\n")
        #expect(try await readData(driver, count: 6) == Array("tail\r\n".utf8))
        try await driver.leaveDataMode()
        #expect(await driver.isInDataMode == false)
        #expect(try await driver.readData() == [])
        // Command mode again: a command works.
        _ = try await driver.send(ATDialect.spwf01.echoCommand(on: false))
        await client.close()
        let gone = await next(indications) { if case .serverClientGone = $0 { true } else { false } }
        #expect(gone == .serverClientGone(address: "127.0.0.1"))
        try await driver.stopSocketServer()
        await #expect(throws: ModuleDriverError.module(command: "AT+S.SOCKD=0", error: .socketServerNotRunning)) {
            try await driver.stopSocketServer()
        }
    }

    @Test("Data mode with a client socket to a TCP echo peer; the peer's close ends data mode")
    func clientSocketDataMode() async throws {
        let peers = try await EchoPeers()
        let rig = try await DriverRig.start(.spwf01)
        defer {
            Task {
                await rig.stop(); await peers.shutdown()
            }
        }
        let driver = rig.driver
        await #expect(throws: ModuleDriverError.module(command: "AT+S.", error: .dataModeNotAvailable)) {
            try await driver.enterDataMode()
        }
        await #expect(throws: ModuleDriverError.self) { try await driver.leaveDataMode() }
        _ = try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        let id = try await driver.openSocket(host: "127.0.0.1", port: peers.tcpEchoPort, kind: .tcp)
        try await driver.enterDataMode()
        var payload: [UInt8] = []
        for index in 0..<20_000 { payload.append(UInt8(truncatingIfNeeded: index &* 31 &+ 7)) }
        try await driver.writeData(payload)
        #expect(try await readData(driver, count: payload.count) == payload)
        try await driver.leaveDataMode()
        try await driver.closeSocket(id)
        #expect(await driver.openSockets == [])

        // The peer closes while the host is in data mode: its last bytes, then command mode.
        let closingPort = try await peers.sendAndClose(Array("last words".utf8))
        _ = try await driver.openSocket(host: "127.0.0.1", port: closingPort, kind: .tcp)
        try await driver.enterDataMode()
        var got: [UInt8] = []
        while true {
            let chunk = try await driver.readData()
            if chunk.isEmpty { break }
            got += chunk
        }
        #expect(got == Array("last words".utf8))
        #expect(await driver.isInDataMode == false)
    }
}
