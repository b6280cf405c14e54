import DNSCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkDNS

/// A real recursive forwarder started for one test — dnsmasq (Debian `dnsmasq-base`) or unbound — the kind of
/// server real Wi-Fi modules sit behind: in the foreground, unprivileged where it can be, on 127.0.0.1 and a free
/// port, no cache, asking nothing but the test's NSD (`upstream`). ``stop()`` terminates only the process this
/// helper started, then removes its directory.
public final class DNSForwarder: LocalServer, @unchecked Sendable {
    public enum Kind: Sendable, CustomStringConvertible {
        /// dnsmasq 2.90 with its defaults (`--edns-packet-max` 1232) plus `extraArguments`, cache off.
        case dnsmasq(extraArguments: [String] = [])
        /// unbound 1.17 as an iterator only (no validator), `stub-zone` to the upstream, plus `extraConfig`
        /// lines in its `server:` clause.
        case unbound(extraConfig: [String] = [])

        public var description: String {
            switch self {
            case .dnsmasq: return "dnsmasq"
            case .unbound: return "unbound"
            }
        }

        var binary: String {
            switch self {
            case .dnsmasq: return "/usr/sbin/dnsmasq"
            case .unbound: return "/usr/sbin/unbound"
            }
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case notInstalled(String)
        case didNotStart(String)

        public var description: String {
            switch self {
            case .notInstalled(let path):
                return "\(path) is not installed (Debian: apt-get install -y dnsmasq-base unbound; scripts/test does)"
            case .didNotStart(let log): return "the forwarder did not start:\n\(log)"
            }
        }
    }

    public let kind: Kind
    public let directory: URL
    public let port: Int
    public let address: SocketAddress
    private let process: ChildProcess

    private init(kind: Kind, directory: URL, port: Int, process: ChildProcess) throws {
        self.kind = kind
        self.directory = directory
        self.port = port
        self.process = process
        self.address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
    }

    /// Starts a forwarder of `kind` in front of `upstream` (127.0.0.1) for `zone`, and waits until it answers a
    /// query for the zone's SOA (any RCODE: a broken upstream makes it SERVFAIL).
    public static func start(
        _ kind: Kind, upstream: NSDServer, zone: String = SeedZone.origin, group: any EventLoopGroup
    ) async throws -> DNSForwarder {
        guard FileManager.default.isExecutableFile(atPath: kind.binary) else { throw Failure.notInstalled(kind.binary) }
        return try await start(name: "\(kind)", failure: Failure.didNotStart) { port, directory in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            let arguments: [String]
            switch kind {
            case .dnsmasq(let extra):
                arguments =
                    [
                        "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
                        "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)",
                        "--server=127.0.0.1#\(upstream.port)", "--cache-size=0", "--pid-file=",
                        "--log-facility=\(directory.path)/dnsmasq.log",
                    ] + extra
            case .unbound(let extra):
                let config =
                    ([
                        "server:",
                        "interface: 127.0.0.1", "port: \(port)", "do-daemonize: no", "username: \"\"",
                        "chroot: \"\"", "directory: \"\(directory.path)\"", "pidfile: \"\"", "use-syslog: no",
                        "logfile: \"\(directory.path)/unbound.log\"", "verbosity: 1", "num-threads: 1",
                        "do-ip6: no", "do-not-query-localhost: no", "module-config: \"iterator\"",
                        "local-zone: \"test.\" nodefault", "so-reuseport: no", "outgoing-range: 64",
                        "num-queries-per-thread: 32", "incoming-num-tcp: 8", "outgoing-num-tcp: 8",
                        "msg-cache-size: 0", "rrset-cache-size: 0",
                    ] + extra).map { $0 == "server:" ? $0 : "    " + $0 }
                    + [
                        "remote-control:", "    control-enable: no",
                        "stub-zone:", "    name: \"\(zone)\"", "    stub-addr: 127.0.0.1@\(upstream.port)",
                    ]
                let path = directory.appendingPathComponent("unbound.conf")
                try (config.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
                arguments = ["-d", "-c", path.path]
            }
            let process = try ChildProcess(
                path: kind.binary, arguments: arguments,
                outputPath: directory.appendingPathComponent("output.log").path)
            return try DNSForwarder(kind: kind, directory: directory, port: port, process: process)
        } answers: { server in
            await server.waitUntilAnswering(zone: zone, group: group)
        }
    }

    /// Polls with SOA queries for up to 10 s; false if the process exits or never answers.
    private func waitUntilAnswering(zone: String, group: any EventLoopGroup) async -> Bool {
        await pollSOA(zone: zone, at: address, group: group, timeout: .milliseconds(500), isRunning: process.isRunning)
        {
            _ in true
        }
    }

    /// The forwarder's own log and output, for failure messages.
    public var logs: String {
        let files = ["dnsmasq.log", "unbound.log", "output.log"].map { directory.appendingPathComponent($0) }
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// Terminates the process started by ``start(_:upstream:zone:group:)`` (SIGTERM, SIGKILL after 5 s) and
    /// removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The test zone's names plus names whose replies have sizes the tests choose: `bNNN` (N from 100 to 250, so every
/// name has the same length) has one TXT record of N+1 bytes (one string of N characters), so through any forwarder
/// the reply without EDNS is a fixed overhead plus N bytes — the name for a reply of exactly 300 or 301 bytes is
/// found by measuring one of them. The zone has one NS outside it and so no glue: no server drops glue to make
/// room, and the overhead stays the same for every N.
public enum SizedZone {
    public static let range = 100...250

    public static func name(_ length: Int) -> String { "b\(length).\(SeedZone.origin)" }

    public static var text: String {
        let seed = SeedZone.text.split(separator: "\n").filter { line in
            !line.hasPrefix("@ 3600 IN NS") && !line.hasPrefix("ns-")
        }
        return (seed + ["@ 3600 IN NS ns-1.awsdns-01.example."]).joined(separator: "\n") + "\n"
            + range.map { "b\($0) IN TXT \"\(String(repeating: "x", count: $0))\"" }.joined(separator: "\n") + "\n"
    }
}
