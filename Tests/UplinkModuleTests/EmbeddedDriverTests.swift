import ATCodec
import Foundation
import MQTTCodec
import Testing
import UplinkEmbedded
import UplinkModule
import UplinkModuleServer
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The firmware's AT driver and MQTT client (the same sources the image is built from) on the host, against the module
/// on a real pty, NSD and a mutual-TLS mosquitto: the sequences the firmware runs, checked byte by byte on the host.
@Suite("The firmware's AT driver and MQTT client on the host, through the module", .serialized)
struct EmbeddedDriverTests {
    /// The pty as the driver's port: raw, non-blocking reads, a monotonic millisecond clock.
    struct PTYPort: SPWFPort {
        let descriptor: CInt

        init(path: String) throws {
            descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
            guard descriptor >= 0 else { throw HostTimeout(waitingFor: "open \(path)", got: "errno \(errno)") }
            var settings = termios()
            tcgetattr(descriptor, &settings)
            cfmakeraw(&settings)
            tcsetattr(descriptor, TCSANOW, &settings)
        }

        func write(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written > 0 {
                    offset += written
                } else {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 100)
                }
            }
        }

        func read(into buffer: inout [UInt8]) {
            var chunk = [UInt8](repeating: 0, count: 512)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer += chunk[0..<count]
            } else {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 2)
            }
        }

        func milliseconds() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return UInt64(now.tv_sec) * 1_000 + UInt64(now.tv_nsec) / 1_000_000
        }

        func close() { _ = Glibc.close(descriptor) }
    }

    /// Runs blocking driver code on a thread of its own (not the concurrency pool's).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    @Test("boot sync, join, credentials, SOCKON by name, MQTT over TLS: a 2,000-byte QoS 1 PUBLISH in 730-byte SOCKWs")
    func seedSequence() async throws {
        let rig = try await SeedPathTests.rig()
        var options = ModuleOptions(profile: .spwf01)
        options.dnsServers = [rig.nsd.address]
        let tracePath = rig.folder + "/module.trace"
        let engine = ModuleEngine(
            eventLoop: rig.group.next(), options: options, flash: MemoryFlash(), resolver: nil,
            trace: try ModuleTrace(path: tracePath))
        let server = try await ModuleServer.start(engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
        let path = try #require(server.devicePath)
        let set = try SeedPathTests.credentials(rig.pki)
        let port = rig.broker.port
        let outcome = try await Self.onThread { () throws -> [MQTTDeviceClient.Event] in
            let pty = try PTYPort(path: path)
            defer { pty.close() }
            var host = SPWFHost(port: pty)
            try host.synchronize()
            let address = try host.joinWiFi(ssid: "lab", passphrase: "secret123")
            guard !address.isEmpty else { throw HostTimeout(waitingFor: "an address", got: "") }
            try host.setTime(secondsSince1970: Int(Date().timeIntervalSince1970))
            try host.loadCredentials(ca: set.ca, chain: set.chain, key: set.key, domain: SeedZone.seedName)
            let socket = try host.openTLS(host: SeedZone.seedName, port: port)
            var client = MQTTDeviceClient(configuration: .init(clientIdentifier: "embedded-driver"))
            var events: [MQTTDeviceClient.Event] = []
            try client.connect(now: pty.milliseconds())
            try host.write(socket: socket, client.takeOutput())
            let deadline = pty.milliseconds() + 20_000
            var published = false
            while pty.milliseconds() < deadline {
                let bytes = try host.read(socket: socket)
                let now = pty.milliseconds()
                for event in client.receive(bytes, now: now) + client.tick(now: now) {
                    events.append(event)
                    if case .connected = event {
                        try client.publish(
                            topic: "seed/big", payload: [UInt8](repeating: 0x5A, count: 2_000), qos: .atLeastOnce,
                            now: now)
                    }
                    if case .published = event { published = true }
                }
                try host.write(socket: socket, client.takeOutput())
                if published { break }
            }
            try host.close(socket: socket)
            return events
        }
        #expect(outcome.first == .connected(sessionPresent: false))
        #expect(outcome.contains { if case .published = $0 { return true } else { return false } })
        // The 2,000-byte PUBLISH went out as SOCKWs of at most 730 bytes.
        let trace = (try? String(contentsOfFile: tracePath, encoding: .utf8)) ?? ""
        let lengths = trace.components(separatedBy: "AT+S.SOCKW=0,").dropFirst().compactMap {
            Int($0.prefix { $0.isNumber })
        }
        #expect(lengths.contains(730))
        #expect(lengths.allSatisfy { $0 >= 1 && $0 <= 730 }, "\(lengths)")
        await server.stop()
        await rig.stop()
    }
}
