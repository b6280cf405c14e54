import Foundation
import NIOPosix
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkModuleServer
import UplinkTestSupport

/// `uplink mqtt pub --via` and `uplink device`, run as a user runs them, against the module on a pty.
@Suite("uplink mqtt --via and uplink device", .serialized, .timeLimit(.minutes(1)))
struct ViaCLITests {
    private func module(_ profile: ModuleProfile, dns: SeedPathTests.Rig) async throws -> ModuleServer {
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        options.dnsServers = [dns.nsd.address]
        let engine = ModuleEngine(eventLoop: dns.group.next(), options: options, flash: MemoryFlash())
        return try await ModuleServer.start(engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
    }

    private func publish(_ path: String, _ rig: SeedPathTests.Rig, profile: String, chain: Bool = true) async throws
        -> (Int32?, String)
    {
        try await UplinkExecutable.run(
            [
                "mqtt", "pub", "--via", path, "--profile", profile, "--wifi", "lab", "--wifi-passphrase", "secret123",
                "-h", SeedZone.seedName, "-p", "\(rig.broker.port)", "--cafile", rig.folder + "/ca.pem",
                "--cert", rig.folder + (chain ? "/device-0001-chain.pem" : "/device-0001.pem"), "--key",
                rig.folder + "/device-0001.key",
                "-t", "seed/cli", "-m", "hello", "-q", "1", "-V", "311",
            ], timeout: 60)
    }

    @Test("the seed's two failures, as a user reads them, and the fix: the default profile publishes")
    func seedFailuresFromTheCLI() async throws {
        let rsa = try await SeedPathTests.rig(.rsa2048)
        let legacy = try await module(.spwf01Legacy, dns: rsa)
        let (status, output) = try await publish(try #require(legacy.devicePath), rsa, profile: "spwf01-3.5")
        #expect(status == 1)
        #expect(output.contains("holds 2048. Nothing was sent to the module"), "\(output)")
        #expect(output.contains("uplink certs fit --profile spwf01-3.5"), "\(output)")
        await legacy.stop()
        await rsa.stop()

        let ec = try await SeedPathTests.rig(.ecP256)
        let legacyEC = try await module(.spwf01Legacy, dns: ec)
        // The JITR chain: spwf01-3.5 takes one certificate in its cert slot.
        let (chainStatus, chainOutput) = try await publish(try #require(legacyEC.devicePath), ec, profile: "spwf01-3.5")
        #expect(chainStatus == 1)
        #expect(chainOutput.contains("the module refused \(ec.folder)/device-0001-chain.pem"), "\(chainOutput)")
        #expect(chainOutput.contains("uplink certs fit --profile spwf01-3.5 --ca"), "\(chainOutput)")
        // The leaf alone fits; the name does not resolve.
        let (dnsStatus, dnsOutput) = try await publish(
            try #require(legacyEC.devicePath), ec, profile: "spwf01-3.5", chain: false)
        #expect(dnsStatus == 1)
        #expect(
            dnsOutput.contains("could not resolve \(SeedZone.seedName) (ERROR: Failed to resolve name)"), "\(dnsOutput)"
        )
        #expect(dnsOutput.contains("uplink dns \(SeedZone.seedName)"), "\(dnsOutput)")
        await legacyEC.stop()

        let fixed = try await module(.spwf01, dns: ec)
        let path = try #require(fixed.devicePath)
        let (okStatus, okOutput) = try await publish(path, ec, profile: "spwf01")
        #expect(okStatus == 0, "\(okOutput)")
        let (deviceStatus, device) = try await UplinkExecutable.run(["device", path, "--json"], timeout: 30)
        #expect(deviceStatus == 0, "\(device)")
        #expect(device.contains("\"dialect\" : \"spwf01\""), "\(device)")
        #expect(device.contains("\"address\" : \"10.0.0.2\"") || device.contains("\"address\" : \""), "\(device)")
        #expect(device.contains("\"sockets\" : ["), "\(device)")
        await fixed.stop()
        await ec.stop()
    }

    @Test("uplink device on an SPWF04 reports slot usage; a second program on the same port is refused")
    func deviceReport() async throws {
        var options = ModuleOptions(profile: .spwf04)
        options.step = .milliseconds(1)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
        let server = try await ModuleServer.start(engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
        let path = try #require(server.devicePath)
        let (status, text) = try await UplinkExecutable.run(["device", path], timeout: 30)
        #expect(status == 0, "\(text)")
        #expect(text.contains("dialect    spwf04"), "\(text)")
        #expect(text.contains("  cert 0 of 4096 bytes"), "\(text)")
        #expect(text.contains("sockets    none open"), "\(text)")
        let driver = try await ModuleDriver.open(path: path)
        let (busyStatus, busy) = try await UplinkExecutable.run(["device", path], timeout: 30)
        #expect(busyStatus == 1)
        #expect(busy.contains("is in use by another program"), "\(busy)")
        await driver.close()
        await server.stop()
        try? await group.shutdownGracefully()
    }
}
