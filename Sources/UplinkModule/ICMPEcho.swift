import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// ICMP echo (ping) for `AT+S.PING`: a real reachability check from the host.
///
/// Uses an unprivileged ICMP datagram socket where the kernel allows it
/// (`net.ipv4.ping_group_range`), else a raw socket (root). Each request waits up to one second.
enum ICMPEcho {
    struct Reply: Equatable {
        var sequence: Int
        var microseconds: Int
    }

    static func ping(_ target: IPv4Address, count: Int, size: Int, on eventLoop: any EventLoop) -> EventLoopFuture<
        [Reply]
    > {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try pingBlocking(target, count: count, size: size)
        }
    }

    private static func pingBlocking(_ target: IPv4Address, count: Int, size: Int) throws -> [Reply] {
        var raw = false
        var fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), Int32(IPPROTO_ICMP))
        if fd < 0 {
            fd = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
            raw = true
        }
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        let o = target.octets
        address.sin_addr.s_addr = (UInt32(o.0) << 24 | UInt32(o.1) << 16 | UInt32(o.2) << 8 | UInt32(o.3)).bigEndian
        let identifier = UInt16(truncatingIfNeeded: getpid())
        var replies: [Reply] = []
        for sequence in 1...count {
            var packet = [UInt8](repeating: 0, count: 8 + size)
            packet[0] = 8
            packet[4] = UInt8(identifier >> 8)
            packet[5] = UInt8(identifier & 0xFF)
            packet[6] = UInt8(sequence >> 8 & 0xFF)
            packet[7] = UInt8(sequence & 0xFF)
            for index in 8..<packet.count { packet[index] = UInt8(truncatingIfNeeded: index) }
            let checksum = internetChecksum(packet)
            packet[2] = UInt8(checksum >> 8)
            packet[3] = UInt8(checksum & 0xFF)
            let started = NIODeadline.now()
            let sent = packet.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            guard sent == packet.count else { continue }
            let deadline = started + .seconds(1)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            receiving: while true {
                let remaining = (deadline - NIODeadline.now()).nanoseconds / 1_000_000
                guard remaining > 0 else { break }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(remaining))
                if ready <= 0 { if ready < 0 && errno == EINTR { continue }; break }
                let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard received > 0 else { break }
                var offset = 0
                if raw {
                    offset = Int(buffer[0] & 0x0F) * 4
                }
                guard received >= offset + 8, buffer[offset] == 0 else { continue }
                let replySequence = Int(buffer[offset + 6]) << 8 | Int(buffer[offset + 7])
                // Datagram sockets rewrite the identifier; raw sockets see every reply, so check it.
                if raw && (UInt16(buffer[offset + 4]) << 8 | UInt16(buffer[offset + 5])) != identifier {
                    continue
                }
                guard replySequence == sequence else { continue }
                let elapsed = (NIODeadline.now() - started).nanoseconds / 1000
                replies.append(Reply(sequence: sequence, microseconds: Int(elapsed)))
                break receiving
            }
        }
        return replies
    }

    private static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
