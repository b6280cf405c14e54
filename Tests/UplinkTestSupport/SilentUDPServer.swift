#if canImport(Glibc)
    import Glibc
#endif

/// A UDP socket on 127.0.0.1 that reads nothing and answers nothing: a DNS server that stalls.
public final class SilentUDPServer: @unchecked Sendable {
    /// The port it is bound to.
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestPortsError() }
        for _ in 0..<20 {
            guard let candidate = try? TestPorts.free() else { continue }
            if TestPorts.withLoopbackAddress(candidate, { bind(fd, $0, $1) == 0 }) {
                descriptor = fd
                port = candidate
                return
            }
        }
        close(fd)
        throw TestPortsError()
    }

    deinit { close(descriptor) }
}
