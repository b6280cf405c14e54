import Foundation
import NIOCore
import Testing
import UplinkModule

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connect that never completes: a listener on 127.0.0.1 that never accepts, its accept queue
/// full, so the kernel drops the module's SYNs (the loopback stand-in for a blackhole).
@Suite("Connect to a peer that never completes the handshake", .serialized, .timeLimit(.minutes(1)))
struct FullBacklogTests {
    /// A listening socket with the smallest backlog, filled by connections nobody accepts.
    final class FullListener {
        let port: Int
        private var descriptors: [Int32] = []

        init() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard listener >= 0 else {
                throw HostTimeout(waitingFor: "a listening socket", got: String(cString: strerror(errno)))
            }
            descriptors.append(listener)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(listener, pointer, length) == 0 && listen(listener, 0) == 0
                        && getsockname(listener, pointer, &length) == 0
                }
            }
            guard bound else {
                throw HostTimeout(waitingFor: "a listening socket", got: String(cString: strerror(errno)))
            }
            port = Int(UInt16(bigEndian: address.sin_port))
            // The accept queue holds backlog + 1 connections; a few more make sure it is full.
            for _ in 0..<4 {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                guard client >= 0 else { continue }
                descriptors.append(client)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }

        deinit {
            for descriptor in descriptors { close(descriptor) }
        }
    }

    @Test(
        "SOCKON to a full backlog: Timed out at the deadline, long before the connect timeout; AT answered",
        arguments: Wire.both)
    func connectStall(wire: Wire) async throws {
        let listener = try FullListener()
        // Let the filling connections settle in the queue.
        try await Task.sleep(for: .milliseconds(200))
        let host = try await TestHost(profile: wire.profile) { options in
            options.effectTimeout = .milliseconds(500)
            options.connectTimeout = .seconds(60)
        }
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        try await host.send(wire.socketOn("127.0.0.1", listener.port, "t") + "AT\r")
        try await host.expect(wire.error(30, "Timed out") + wire.ok, timeout: .seconds(10))
        // The abandoned connect is closed: nothing more comes, and the socket slot is free.
        #expect(try await host.drain(after: .milliseconds(500)) == "")
        try await host.send("AT+S.STS=ip_sock_open\r")
        try await host.expect(wire.variable("ip_sock_open", "0") + wire.ok)
        withExtendedLifetime(listener) {}
    }
}
