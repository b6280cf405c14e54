#if canImport(Glibc)
    import Glibc
#endif

/// Ports for the servers tests start on 127.0.0.1.
///
/// Taken at random below Linux's ephemeral range (32768–60999), where the kernel never hands out client source
/// ports, and checked free for both TCP and UDP: a server told to listen on one does not lose it to one of the
/// many outgoing connections and DNS queries of tests running at the same time. (A port from the ephemeral range,
/// bound and released, could be given to a client's socket before the server binds it.)
public enum TestPorts {
    static let range = 20_000..<32_768

    /// A port free for TCP and UDP on 127.0.0.1 right now.
    public static func free() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: range)
            if isFree(port, type: Int32(SOCK_STREAM.rawValue)) && isFree(port, type: Int32(SOCK_DGRAM.rawValue)) {
                return port
            }
        }
        throw TestPortsError()
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        onLoopback(port, type: Int32(SOCK_STREAM.rawValue)) { connect($0, $1, $2) == 0 }
    }

    /// Whether 127.0.0.1:`port` stops accepting TCP connections within `seconds` (a listener closed by another
    /// process or event loop goes away shortly after it says so).
    public static func stopsListening(_ port: Int, within seconds: Double = 5) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while isListening(port) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    private static func isFree(_ port: Int, type: Int32) -> Bool {
        onLoopback(port, type: type) { bind($0, $1, $2) == 0 }
    }

    /// Runs `body` with a new socket of `type` and the address 127.0.0.1:`port`; closes the socket after.
    private static func onLoopback(
        _ port: Int, type: Int32, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) -> Bool {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withLoopbackAddress(port) { body(fd, $0, $1) }
    }

    /// Runs `body` with the address 127.0.0.1:`port`.
    public static func withLoopbackAddress<T>(_ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}

/// No free port was found in ``TestPorts``' range.
public struct TestPortsError: Error, CustomStringConvertible {
    public init() {}

    public var description: String { "no free port between 20000 and 32767 on 127.0.0.1" }
}
