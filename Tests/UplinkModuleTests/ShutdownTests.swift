import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkModule
import UplinkTestSupport

/// Stopping a module while a name lookup is still waiting for a DNS server that never answers.
///
/// The lookup's sockets run on the process-wide event loops and its promise is failed by `shutdown()` on the
/// module's loop: nothing completes on, or opens a socket through, the module's loop after it is gone (a debug
/// build of SwiftNIO stops the process on the first; the second used to happen at the lookup's retry).
@Suite("Shutdown with a name lookup in progress", .timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test("SOCKON to a name, the DNS server stalls, the module and its loop stop: the lookup ends, nothing crashes")
    func lookupOutlivesTheModule() async throws {
        let stalling = try SilentUDPServer()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: stalling.port)
        let wire = Wire.spwf01
        let host = try await TestHost(profile: wire.profile) { $0.dnsServers = [server] }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        try await host.send(wire.socketOn("stalls.example.test", 1883, "t"))
        // Let the query leave, then stop everything while it waits (the resolver's timeout is 2 s, 2 attempts).
        try await Task.sleep(for: .milliseconds(300))
        await host.shutdown()
        // The resolver's retry comes 2 s after the first query: it used to open its socket on the stopped loop (a
        // debug build of SwiftNIO stops the process there). A stopped module also says nothing more.
        try await Task.sleep(for: .seconds(3))
        #expect(try await host.drain().isEmpty)
    }

    @Test("ModuleHostResolver.cancelPending fails a stalled lookup at once; its work never completes on the loop")
    func cancelPending() async throws {
        let stalling = try SilentUDPServer()
        let resolver = ModuleHostResolver(
            limits: ModuleProfile.spwf01.dns, servers: [try SocketAddress(ipAddress: "127.0.0.1", port: stalling.port)],
            group: MultiThreadedEventLoopGroup.singleton)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let future = resolver.resolveIPv4("stalls.example.test", on: loop)
        try await Task.sleep(for: .milliseconds(200))
        #expect(resolver.hasPending)
        try await loop.submit { resolver.cancelPending() }.get()
        await #expect(throws: HostResolutionError(name: "stalls.example.test", reason: "the module is shutting down")) {
            try await future.get()
        }
        #expect(!resolver.hasPending)
        try await group.shutdownGracefully()
        try await Task.sleep(for: .seconds(3))
        #expect(!resolver.hasPending)
    }
}
