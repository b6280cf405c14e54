import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkModuleServer

/// A module in this process on a real pseudo-terminal with the host driver on the other end, joined to the lab
/// network; `localhost` resolves to 127.0.0.1 so the module sends SNI and checks the front's name.
struct ModuleRig {
    let group: MultiThreadedEventLoopGroup
    let server: ModuleServer
    let driver: ModuleDriver

    /// The name the module opens the front by.
    static let frontName = "localhost"

    /// A module of `profile` (its options changed by `configure`), its bytes to and from the host in `trace`.
    static func start(
        _ profile: ModuleProfile, trace: ModuleTrace? = nil, configure: (inout ModuleOptions) -> Void = { _ in }
    ) async throws -> ModuleRig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        configure(&options)
        let engine = ModuleEngine(
            eventLoop: group.next(), options: options, flash: MemoryFlash(),
            resolver: LoopbackResolver(), trace: trace)
        let server = try await ModuleServer.start(engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
        let path = try #require(server.devicePath)
        // The boot WINDs are out before the driver opens the port.
        try await Task.sleep(for: .milliseconds(20))
        let driver = try await ModuleDriver.open(path: path, configuration: ModuleDriverConfiguration())
        _ = try await driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        return ModuleRig(group: group, server: server, driver: driver)
    }

    /// Stores the trust root, the device chain (leaf then its issuer: what JITR needs) and the key.
    func load(_ pki: DevPKI, device index: Int = 0, capacity: Int? = nil) async throws {
        let device = pki.devices[index]
        let issuer = pki.deviceCA ?? pki.root
        try await driver.storeCredential(.ca, Array(pki.root.certificate.pemString.utf8), capacity: capacity)
        try await driver.storeCredential(
            .cert, Array((device.certificate.pemString + issuer.certificate.pemString).utf8), capacity: capacity)
        try await driver.storeCredential(.key, Array(device.key.pemString.utf8), capacity: capacity)
    }

    func stop() async {
        await driver.close()
        await server.stop()
        try? await group.shutdownGracefully()
    }
}

/// `localhost` and address literals, nothing else: the tests run on a loopback-only machine.
struct LoopbackResolver: HostResolver {
    func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) { return eventLoop.makeSucceededFuture([literal]) }
        guard name == ModuleRig.frontName else {
            return eventLoop.makeFailedFuture(HostResolutionError(name: name, reason: "not localhost"))
        }
        return eventLoop.makeSucceededFuture([IPv4Address(127, 0, 0, 1)])
    }
}
