import ATCodec
import NIOPosix
import Synchronization
import Testing
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// The host driver's server-socket methods against the SPWF04 module on a real pseudo-terminal, with a real TCP
/// client connecting to the server socket from outside.
@Suite("Host driver: SPWF04 server sockets over a pty", .serialized, .timeLimit(.minutes(2)))
struct DriverServerSocketTests {
    /// The server-socket WINDs the driver saw, parsed with the dialect.
    final class Seen: Sendable {
        let items = Mutex<[ATServerIndication]>([])

        func wait(
            for wanted: @Sendable (ATServerIndication) -> Bool, timeout: Duration = .seconds(30)
        ) async throws -> ATServerIndication {
            let deadline = ContinuousClock.now + timeout
            while true {
                if let found = items.withLock({ $0.first(where: wanted) }) { return found }
                guard ContinuousClock.now < deadline else { throw PeerTimeout(what: "server WIND") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    @Test("start, WIND 61, read and write 20 KB each way, list, the client leaves (WIND 62), stop; errors come back")
    func roundTrip() async throws {
        let rig = try await DriverRig.start(.spwf04)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            Task {
                await rig.stop()
                try? await group.shutdownGracefully()
            }
        }
        let driver = rig.driver
        let dialect = await driver.dialect
        let seen = Seen()
        let stream = driver.indications()
        let watcher = Task {
            for await indication in stream {
                if case .other(let number, let text) = indication,
                    let parsed = dialect.parseServerIndication(number: number, text: text)
                {
                    seen.items.withLock { $0.append(parsed) }
                }
            }
        }
        defer { watcher.cancel() }
        _ = try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")

        let port = try TestPorts.free()
        let server = try await driver.openServer(port: port, kind: .tcp)
        #expect(server == 0)
        // Twice on one port: the module's error, as the catalogue entry.
        await #expect(throws: ModuleDriverError.module(command: "AT+S.SOCKDON=\(port),t", error: .serverPortInUse)) {
            _ = try await driver.openServer(port: port, kind: .tcp)
        }

        let peer = try await ServerSocketPeer.tcp(port: port, group: group)
        let local = peer.localPort
        let connected = try await seen.wait {
            if case .clientConnected = $0 { return true }
            return false
        }
        #expect(connected == .clientConnected(server: 0, client: 0, address: "127.0.0.1", port: local))
        #expect(
            try await driver.serverList() == [
                .server(id: 0, port: port, kind: .tcp), .client(server: 0, id: 0, address: "127.0.0.1", port: local),
            ])

        let upload = ServerSocketTests.payload(20_000, seed: 21)
        try await peer.send(upload)
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while received.count < upload.count && ContinuousClock.now < deadline {
            let chunk = try await driver.readServer(server: 0, client: 0)
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            received += chunk
        }
        #expect(ServerSocketTests.fnv1a(received) == ServerSocketTests.fnv1a(upload))
        #expect(received == upload)

        let download = ServerSocketTests.payload(20_000, seed: 22)
        try await driver.writeServer(server: 0, client: 0, download)
        #expect(try await peer.receive(download.count) == download)

        await peer.close()
        let gone = try await seen.wait {
            if case .clientGone = $0 { return true }
            return false
        }
        #expect(gone == .clientGone(server: 0, client: 0, reason: 0))
        #expect(try await driver.serverList() == [.server(id: 0, port: port, kind: .tcp)])
        await #expect(throws: ModuleDriverError.module(command: "AT+S.SOCKDQ=0,0", error: .illegalSocketID)) {
            _ = try await driver.serverPending(server: 0, client: 0)
        }
        try await driver.closeServer(server: 0)
        #expect(try await driver.serverList() == [])
        #expect(await TestPorts.stopsListening(port))
    }
}
