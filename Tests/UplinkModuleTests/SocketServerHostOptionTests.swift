import Foundation
import Testing
import UplinkTestSupport

/// `uplink module --sockd-host`: the socket server listens on loopback unless the user says otherwise, twice.
@Suite("uplink module --sockd-host: loopback unless --allow-remote", .timeLimit(.minutes(2)))
struct SocketServerHostOptionTests {
    @Test("a non-loopback --sockd-host needs --allow-remote, and says why; --allow-remote alone is refused")
    func refusals() async throws {
        for address in ["0.0.0.0", "192.0.2.1", "example.com"] {
            let run = try await UplinkExecutable.run(["module", "--volatile", "--sockd-host", address], timeout: 30)
            #expect(run.status == 64, "\(address): \(run.output)")
            #expect(run.output.contains("--allow-remote"), "\(address): \(run.output)")
            #expect(run.output.contains("AT+S.SOCKD"), "\(address): \(run.output)")
        }
        let alone = try await UplinkExecutable.run(["module", "--volatile", "--allow-remote"], timeout: 30)
        #expect(alone.status == 64, "\(alone.output)")
    }

    @Test("with --sockd-host 127.0.0.2 the server listens there, and not on 127.0.0.1")
    func otherLoopbackAddress() async throws {
        let module = try await ModuleProcess.start(["--volatile", "--sockd-host", "127.0.0.2"])
        defer { module.kill() }
        let port = try TestPorts.free()
        module.host.write("AT+S.SOCKD=\(port)\r")
        _ = try await module.host.read(through: "\r\nOK\r\n", timeout: 30)
        let client = try await RawPeer.tcp(host: "127.0.0.2", port: port)
        defer { Task { await client.close() } }
        _ = try await module.host.read(through: "+WIND:61:Incoming Socket Client:127.0.0.", timeout: 30)
        await #expect(throws: (any Error).self) { _ = try await RawPeer.tcp(port: port) }
    }
}
