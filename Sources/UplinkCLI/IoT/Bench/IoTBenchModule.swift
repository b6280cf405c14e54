import ATCodec
import NIOCore
import NIOPosix
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkModuleServer

/// An SPWF04 module in this process on a pseudo-terminal with the host driver on the other end, joined: the bench
/// loads each device's credentials into it before that device onboards.
struct IoTBenchModule: Sendable {
    let group: MultiThreadedEventLoopGroup
    let server: ModuleServer
    let driver: ModuleDriver

    /// The name the module opens the front by (it sends it as SNI and checks the front's certificate for it).
    static let frontName = "localhost"

    static func start() async throws -> IoTBenchModule {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            var options = ModuleOptions(profile: .spwf04)
            options.step = .milliseconds(1)
            let engine = ModuleEngine(
                eventLoop: group.next(), options: options, flash: MemoryFlash(), resolver: LocalhostResolver(),
                trace: nil)
            let server = try await ModuleServer.start(
                engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
            guard let path = server.devicePath else {
                await server.stop()
                throw IoTBenchError("the module has no pseudo-terminal")
            }
            // The boot indications are out before the driver opens the port.
            try await Task.sleep(for: .milliseconds(20))
            let driver = try await ModuleDriver.open(path: path, configuration: ModuleDriverConfiguration())
            _ = try await driver.joinWiFi(ssid: "bench", passphrase: "uplink-bench")
            return IoTBenchModule(group: group, server: server, driver: driver)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Empties the slots (`AT+S.TLSCERT=content,2`: a new certificate is checked against the stored key), then
    /// loads the root CA, device `index`'s chain (leaf then device CA) and its key.
    func load(device index: Int, of pki: DevPKI) async throws {
        let device = pki.devices[index]
        let issuer = pki.deviceCA ?? pki.root
        _ = try await driver.send(try ATHostCommand("AT+S.TLSCERT", ["content", "2"]))
        try await driver.storeCredential(.ca, Array(pki.root.certificate.pemString.utf8))
        try await driver.storeCredential(
            .cert, Array((device.certificate.pemString + issuer.certificate.pemString).utf8))
        try await driver.storeCredential(.key, Array(device.key.pemString.utf8))
    }

    func stop() async {
        await driver.close()
        await server.stop()
        try? await group.shutdownGracefully()
    }
}

/// Resolves `localhost` (and address literals) to loopback, nothing else: the bench never leaves the machine.
struct LocalhostResolver: HostResolver {
    func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) { return eventLoop.makeSucceededFuture([literal]) }
        guard name == IoTBenchModule.frontName else {
            return eventLoop.makeFailedFuture(
                HostResolutionError(name: name, reason: "the bench resolves localhost only"))
        }
        return eventLoop.makeSucceededFuture([IPv4Address(127, 0, 0, 1)])
    }
}
