import ATCodec
import Foundation
import Synchronization
import Testing
import UplinkTestSupport

/// A host that keeps sending SOCKR but reads the module's output at about 1 KB/s, while the peer of that socket
/// sends as fast as TCP lets it. The module must stop reading (the host and the socket) while its output backs
/// up: its peak RSS stays within a bound, and every byte the peer sent reaches the host, in order.
@Suite("Backpressure: a host that does not read cannot grow the module", .serialized)
struct HostBackpressureTests {
    /// How much the module's peak RSS (VmHWM) may grow over its peak before the flood. The module holds at most
    /// 64 KiB of unwritten output, 16 KiB per socket and 64 KiB of host input; the rest is allocator slack.
    /// Measured (debug build): +0.8 MiB with backpressure; +9.5 MiB in the same 15 s without it.
    static let peakGrowthBound = 4 << 20
    static let slowPhase: Duration = .seconds(15)

    @Test("Slow host, flooding peer: peak RSS bounded, no byte lost or reordered", .timeLimit(.minutes(2)))
    func slowHost() async throws {
        let peer = try FloodPeer()
        defer { peer.close() }
        let module = try await ModuleProcess.start(["--volatile", "--profile", "spwf04"])
        defer { module.kill() }
        let dialect = ATDialect.spwf04
        for command in TestJoin.commands(dialect) {
            module.host.write(command)
            _ = try await module.host.read(through: "AT-S.OK\r\n", timeout: 10)
        }
        _ = try await module.host.read(through: "+WIND:24:", timeout: 10)
        try await Task.sleep(for: .milliseconds(200))
        _ = await module.host.drain(wait: 0.1)
        let baseline = try #require(module.child.memory()?.peak)
        module.host.write(Wire.spwf04.socketOn("127.0.0.1", peer.port, "t"))
        _ = try await module.host.read(through: "AT-S.OK\r\n", timeout: 10)
        try peer.startFlooding()

        let fd = module.host.fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var parser = SOCKRStream()
        var peak = baseline
        let command = Array("AT+S.SOCKR=0\r".utf8)
        var pendingCommand = command[...]
        /// Sends SOCKR lines while the pty takes them; reads at most `limit` bytes.
        func tick(readLimit limit: Int) {
            for _ in 0..<256 {
                let n = pendingCommand.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                pendingCommand = pendingCommand.dropFirst(n)
                if pendingCommand.isEmpty { pendingCommand = command[...] }
            }
            var chunk = [UInt8](repeating: 0, count: limit)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { parser.feed(chunk[0..<n]) }
            if let now = module.child.memory()?.peak { peak = max(peak, now) }
        }
        // The slow phase: 100 bytes every 100 ms.
        let slowEnd = ContinuousClock.now + Self.slowPhase
        while ContinuousClock.now < slowEnd {
            tick(readLimit: 100)
            try await Task.sleep(for: .milliseconds(100))
        }
        let sent = peer.stop()
        #expect(sent > 1 << 20, "the peer sent only \(sent) bytes: no flood")
        // Then the host reads at full speed until everything the peer sent has arrived.
        let drainEnd = ContinuousClock.now + .seconds(60)
        while parser.data < sent && parser.problem == nil && ContinuousClock.now < drainEnd {
            tick(readLimit: 65_536)
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(parser.problem == nil, "\(parser.problem ?? "")")
        #expect(parser.data == sent, "received \(parser.data) of \(sent) bytes")
        let growth = peak - baseline
        #expect(
            growth < Self.peakGrowthBound, "peak RSS grew by \(growth >> 10) KiB (bound \(Self.peakGrowthBound >> 10))")
        print("HostBackpressureTests: peer sent \(sent) bytes; module VmHWM \(baseline >> 10) KiB -> \(peak >> 10) KiB")
    }
}

/// Takes the SPWF04 replies to `AT+S.SOCKR` from the host's byte stream and checks the data they carry: byte n of
/// the socket's stream must be `n % 251`.
struct SOCKRStream {
    private var buffer: [UInt8] = []
    /// Data bytes checked so far.
    private(set) var data = 0
    private(set) var problem: String?
    private static let header = Array("AT-S.Reading:".utf8)

    mutating func feed(_ bytes: some Collection<UInt8>) {
        buffer += bytes
        while problem == nil, let start = find(Self.header) {
            guard let end = find(Array("\r\n".utf8), from: start) else { return }
            let fields = String(decoding: buffer[(start + Self.header.count)..<end], as: UTF8.self).split(
                separator: ":")
            guard let count = fields.first.flatMap({ Int($0) }) else {
                problem = "bad header \(String(decoding: buffer[start..<end], as: UTF8.self))"
                return
            }
            guard buffer.count >= end + 2 + count else { return }
            for byte in buffer[(end + 2)..<(end + 2 + count)] {
                guard byte == UInt8(data % 251) else {
                    problem = "byte \(data) is \(byte), not \(data % 251)"
                    return
                }
                data += 1
            }
            buffer.removeFirst(end + 2 + count)
        }
        // Keep only what may start a header.
        if find(Self.header) == nil && buffer.count > Self.header.count {
            buffer.removeFirst(buffer.count - Self.header.count)
        }
    }

    private func find(_ needle: [UInt8], from start: Int = 0) -> Int? {
        guard buffer.count >= needle.count + start else { return nil }
        for index in start...(buffer.count - needle.count)
        where buffer[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

/// A TCP peer on 127.0.0.1 that, once the module connects, sends `n % 251` for n = 0, 1, 2, ... as fast as the
/// connection takes it, on a thread of its own, until stopped; it counts what the kernel accepted.
final class FloodPeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = Mutex(())
    private var stopping = false
    private var sent = 0
    private var thread: Thread?
    private var connection: Int32 = -1
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw HostTimeout(waitingFor: "a listening socket", got: String(cString: strerror(errno))) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts the module's connection (it has connected already) and starts sending.
    func startFlooding() throws {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 5000) > 0 else { throw HostTimeout(waitingFor: "the module's connection", got: "") }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw HostTimeout(waitingFor: "accept", got: String(cString: strerror(errno))) }
        lock.withLock { _ in self.connection = connection }
        let thread = Thread { [self] in
            var pattern = [UInt8](repeating: 0, count: 251 * 64)
            for index in pattern.indices { pattern[index] = UInt8(index % 251) }
            var offset = 0
            while !lock.withLock({ _ in stopping }) {
                var poller = pollfd(fd: connection, events: Int16(POLLOUT), revents: 0)
                guard poll(&poller, 1, 50) > 0 else { continue }
                let start = offset % 251
                let n = pattern.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return -1 }
                    return send(connection, base + start, raw.count - 251, Int32(MSG_DONTWAIT))
                }
                if n > 0 {
                    offset += n
                    lock.withLock { _ in sent += n }
                } else if n < 0 && errno != EAGAIN && errno != EINTR {
                    break
                }
            }
            shutdown(connection, Int32(SHUT_WR))
            // Keep the connection open (not reset) until the module has read everything; closed at `close()`.
            done.signal()
        }
        self.thread = thread
        thread.start()
    }

    /// Stops sending; returns how many bytes the peer's kernel accepted (all of which the module will get).
    func stop() -> Int {
        lock.withLock { _ in stopping = true }
        if thread != nil { _ = done.wait(timeout: .now() + 5) }
        return lock.withLock { _ in sent }
    }

    func close() {
        _ = stop()
        Glibc.close(listener)
        let connection = lock.withLock { _ in self.connection }
        if connection >= 0 { Glibc.close(connection) }
    }
}
