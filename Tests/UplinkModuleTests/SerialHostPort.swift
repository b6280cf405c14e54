import ATCodec
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The host end of a serial link, as firmware sees it: a file descriptor on a tty (or a TCP
/// socket), blocking writes and reads with a deadline.
///
/// The reads are `async` and wait with `Task.sleep` between non-blocking polls: a read that waits for output that
/// never comes (a failing test) must not hold a thread of the concurrency pool for its whole deadline. That pool
/// has as many threads as the machine has cores (two on CI) and every test in the process shares it, the MQTT
/// clients' connection tasks included; blocked for seconds, it can make unrelated MQTT tests miss keep-alives
/// and deadlines ("connection closed").
final class SerialHostPort {
    private(set) var fd: CInt
    private var pending: [UInt8] = []

    /// Opens a tty path raw.
    init(path: String) throws {
        fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw HostTimeout(waitingFor: "open \(path)", got: String(cString: strerror(errno))) }
        var settings = termios()
        tcgetattr(fd, &settings)
        cfmakeraw(&settings)
        tcsetattr(fd, TCSANOW, &settings)
    }

    /// Uses a copy of an open descriptor (the master side of a pty pair, say).
    init(duplicating descriptor: CInt) {
        fd = dup(descriptor)
    }

    /// Connects to a TCP link.
    init(tcpPort: Int, address host: UInt32 = 0x7F00_0001) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(tcpPort).bigEndian
        address.sin_addr.s_addr = host.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw HostTimeout(waitingFor: "connect", got: String(cString: strerror(errno))) }
    }

    deinit { disconnect() }

    /// Closes the host's end (unplugs the cable).
    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    func write(_ text: String) { write(bytes: Array(text.utf8)) }

    /// Writes a command as the host driver library renders it.
    func write(_ command: ATHostCommand) { write(bytes: command.bytes) }

    /// The Wi-Fi join the transcript tests use (any SSID associates without a networks file), rendered by the
    /// library (the same commands in both dialects); the caller reads the replies it expects.
    func sendJoin() {
        for command in TestJoin.commands(.spwf01) { write(command) }
    }

    func write(bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until `marker` has arrived; returns everything up to and including it.
    func read(through marker: String, timeout: Double = 5) async throws -> [UInt8] {
        let needle = Array(marker.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = find(needle) {
                let result = Array(pending[..<end])
                pending.removeFirst(end)
                return result
            }
            try await fill(until: deadline, waitingFor: marker)
        }
    }

    /// Reads exactly `count` bytes.
    func read(count: Int, timeout: Double = 5) async throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while pending.count < count { try await fill(until: deadline, waitingFor: "\(count) bytes") }
        let result = Array(pending.prefix(count))
        pending.removeFirst(count)
        return result
    }

    /// Whatever arrives within `wait` seconds.
    func drain(wait: Double) async -> [UInt8] {
        let deadline = Date().addingTimeInterval(wait)
        while (try? await fill(until: deadline, waitingFor: "")) != nil {}
        defer { pending.removeAll() }
        return pending
    }

    /// Waits until bytes arrive (polling without blocking, a millisecond apart) and appends them to `pending`.
    private func fill(until deadline: Date, waitingFor what: String) async throws {
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 0)
            if ready > 0 { break }
            if ready < 0 && errno != EINTR {
                throw HostTimeout(
                    waitingFor: what + " (poll: \(String(cString: strerror(errno))))", got: escaped(pending))
            }
            guard Date() < deadline else { throw HostTimeout(waitingFor: what, got: escaped(pending)) }
            try await Task.sleep(for: .milliseconds(1))
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { throw HostTimeout(waitingFor: what + " (link closed)", got: escaped(pending)) }
        pending += chunk[0..<n]
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count, !needle.isEmpty else { return nil }
        for start in 0...(pending.count - needle.count)
        where pending[start..<start + needle.count].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
