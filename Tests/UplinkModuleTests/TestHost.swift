import ATCodec
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import UplinkModule
import UplinkTestSupport

/// A host attached straight to a module engine (no link in between), for transcript tests.
///
/// Everything the module writes is collected; tests consume it in order with ``expect(_:)`` and
/// friends, so each assertion is on the exact bytes on the wire.
final class TestHost: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let engine: ModuleEngine
    /// What the module sent, and how much of it the test has read.
    private let output = Mutex<(received: [UInt8], cursor: Int)>(([], 0))

    init(
        profile: ModuleProfile, flash: any Flash = MemoryFlash(), resolver: (any HostResolver)? = nil,
        trace: ModuleTrace? = nil, configure: (inout ModuleOptions) -> Void = { _ in }
    ) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        // Long enough that a loaded machine never splits a test's command and its data block into a timeout;
        // the tests of the timeout itself set their own.
        options.blockTimeout = .seconds(5)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        configure(&options)
        let engine = ModuleEngine(
            eventLoop: group.next(), options: options, flash: flash, resolver: resolver, trace: trace)
        self.engine = engine
        try await engine.eventLoop.submit { [self] in
            engine.attach { buffer in self.append(buffer) }
            engine.powerOn()
        }.get()
    }

    private func append(_ buffer: ByteBuffer) {
        output.withLock { $0.received.append(contentsOf: buffer.readableBytesView) }
    }

    func shutdown() async {
        await engine.stop()
        try? await group.shutdownGracefully()
    }

    /// Sends text to the module.
    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    /// Sends bytes to the module.
    func send(bytes: [UInt8]) async throws {
        let engine = self.engine
        try await engine.eventLoop.submit {
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            engine.receive(buffer)
        }.get()
    }

    /// Runs something on the module's event loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await engine.eventLoop.submit(body).get()
    }

    private func unread() -> [UInt8] {
        output.withLock { Array($0.received[$0.cursor...]) }
    }

    private func consume(_ count: Int) {
        output.withLock { $0.cursor += count }
    }

    /// Waits for the next bytes and checks they are exactly `text`.
    func expect(_ text: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let expected = Array(text.utf8)
        let got = try await next(expected.count, timeout: timeout)
        #expect(
            escaped(got) == escaped(expected), "module output differs", sourceLocation: sourceLocation)
    }

    /// Waits for exactly `count` bytes.
    func next(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let pending = unread()
            if pending.count >= count {
                consume(count)
                return Array(pending.prefix(count))
            }
            guard ContinuousClock.now < deadline else {
                throw HostTimeout(waitingFor: "\(count) bytes", got: escaped(pending))
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits until `marker` appears; returns everything up to and including it.
    @discardableResult
    func read(through marker: String, timeout: Duration = .seconds(5)) async throws -> String {
        let needle = Array(marker.utf8)
        let deadline = ContinuousClock.now + timeout
        while true {
            let pending = unread()
            if let range = find(needle, in: pending) {
                consume(range.upperBound)
                return String(decoding: pending[..<range.upperBound], as: UTF8.self)
            }
            guard ContinuousClock.now < deadline else {
                throw HostTimeout(waitingFor: escaped(needle), got: escaped(pending))
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits `quiet` and returns whatever arrived that was not consumed yet (and consumes it).
    func drain(after quiet: Duration = .milliseconds(100)) async throws -> String {
        try await Task.sleep(for: quiet)
        let pending = unread()
        consume(pending.count)
        return String(decoding: pending, as: UTF8.self)
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start..<start + needle.count
        }
        return nil
    }

    /// Configures Wi-Fi (any SSID associates without a networks file) and waits for WIND 24; the commands are
    /// the host driver library's.
    func joinWiFi() async throws {
        for command in TestJoin.commands(engine.options.profile.dialect) {
            try await send(bytes: command.bytes)
            try await read(through: dialectOK)
        }
        try await read(through: "+WIND:24:WiFi Up:")
        try await read(through: "\r\n")
    }

    var dialectOK: String {
        engine.options.profile.dialect.family == .spwf01 ? "\r\nOK\r\n" : "AT-S.OK\r\n"
    }
}

extension TestHost {
    /// TLSCERT of `bytes` into `slot` (`ca`, `cert`, `key`, or a flash slot `f_ca`...): the command, then the bytes.
    func storeCredential(_ slot: String, _ bytes: [UInt8]) async throws {
        try await send("AT+S.TLSCERT=\(slot),\(bytes.count)\r")
        try await send(bytes: bytes)
    }

    /// SOCKON to a TLS server on 127.0.0.1 that must carry `name`: SPWF01 takes the name in `domainSlot` first
    /// (`domain`, or `f_domain` in flash), SPWF04 in SOCKON itself.
    func openTLS(_ wire: Wire, port: Int, name: String = "localhost", domainSlot: String) async throws {
        if wire.isSPWF01 {
            try await send("AT+S.TLSDOMAIN=\(domainSlot),\(name)\r")
            try await expect(wire.ok)
            try await send("AT+S.SOCKON=127.0.0.1,\(port),s,ind\r")
        } else {
            try await send("AT+S.SOCKON=127.0.0.1,\(port),NULL,\(name)\r")
        }
    }
}

/// The module did not send what a test waited for in time.
struct HostTimeout: Error, CustomStringConvertible {
    var waitingFor: String
    var got: String
    var description: String { "timed out waiting for \(waitingFor); unread output: \"\(got)\"" }
}

func escaped(_ bytes: some Collection<UInt8>) -> String {
    EscapedBytes.text(bytes)
}

/// A resolver with a fixed table, for names a loopback-only test machine cannot look up.
struct TableResolver: HostResolver {
    var table: [String: [IPv4Address]]

    func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) { return eventLoop.makeSucceededFuture([literal]) }
        guard let addresses = table[name] else {
            return eventLoop.makeFailedFuture(HostResolutionError(name: name, reason: "not in table"))
        }
        return eventLoop.makeSucceededFuture(addresses)
    }
}

/// The join sequence of the transcript tests, rendered by `ATCodec`'s host commands.
enum TestJoin {
    static func commands(_ dialect: ATDialect) -> [ATHostCommand] {
        var commands: [ATHostCommand] = []
        if let ssid = try? dialect.ssidCommand("lab") { commands.append(ssid) }
        if let psk = try? dialect.setVariableCommand("wifi_wpa_psk_text", "secret123") { commands.append(psk) }
        commands.append(dialect.radioCommand(on: true))
        return commands
    }
}

/// A module for `wire` that has sent its boot banner (checked byte for byte) and, unless `joinWiFi` is false, joined
/// Wi-Fi: the set-up of the transcript tests. The module is shut down when `body` ends, however it ends.
func withHost<T>(
    _ wire: Wire, joinWiFi: Bool = true, resolver: (any HostResolver)? = nil, trace: ModuleTrace? = nil,
    configure: (inout ModuleOptions) -> Void = { _ in }, _ body: (TestHost) async throws -> T
) async throws -> T {
    let host = try await TestHost(profile: wire.profile, resolver: resolver, trace: trace, configure: configure)
    return try await withCleanup {
        try await host.expect(wire.boot)
        if joinWiFi { try await host.joinWiFi() }
        return try await body(host)
    } cleanup: {
        await host.shutdown()
    }
}

/// ``withHost(_:joinWiFi:resolver:trace:configure:_:)`` with ``EchoPeers`` on 127.0.0.1 for the module's sockets to reach:
/// the set-up of the socket transcripts. Both are shut down when `body` ends, however it ends.
func withHostAndPeers<T>(
    _ wire: Wire, joinWiFi: Bool = true, resolver: (any HostResolver)? = nil,
    configure: (inout ModuleOptions) -> Void = { _ in }, _ body: (TestHost, EchoPeers) async throws -> T
) async throws -> T {
    try await withEchoPeers { peers in
        try await withHost(wire, joinWiFi: joinWiFi, resolver: resolver, configure: configure) { host in
            try await body(host, peers)
        }
    }
}
