import DNSCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkDNS

/// A real authoritative server (NSD, Debian package `nsd`) started for one test: unprivileged, on 127.0.0.1
/// and a free ephemeral port, serving one zone written by the test, in a temporary directory. ``stop()``
/// terminates only the process this helper started, then removes the directory.
public final class NSDServer: LocalServer, @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case notInstalled(String)
        case didNotStart(String)

        public var description: String {
            switch self {
            case .notInstalled(let path): return "NSD is not installed at \(path) (Debian: apt-get install -y nsd)"
            case .didNotStart(let log): return "NSD did not start:\n\(log)"
            }
        }
    }

    public static let binary = "/usr/sbin/nsd"

    public let directory: URL
    public let port: Int
    public let address: SocketAddress
    private let process: ChildProcess

    private init(directory: URL, port: Int, process: ChildProcess) throws {
        self.directory = directory
        self.port = port
        self.process = process
        self.address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
    }

    /// Starts NSD for `zone` with the zone file text `zoneText` and waits until it answers an SOA query. With
    /// `zoneText` nil there is no zone file: NSD answers SERVFAIL for the zone (a broken upstream, for tests).
    public static func start(zone: String, zoneText: String?, group: any EventLoopGroup) async throws -> NSDServer {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw Failure.notInstalled(binary) }
        return try await start(name: "nsd", failure: Failure.didNotStart) { port, directory in
            let path = directory.path
            let config = """
                server:
                    ip-address: 127.0.0.1
                    port: \(port)
                    username: ""
                    chroot: ""
                    database: ""
                    zonesdir: "\(path)"
                    zonelistfile: "\(path)/zone.list"
                    xfrdfile: "\(path)/xfrd.state"
                    xfrdir: "\(path)"
                    pidfile: "\(path)/nsd.pid"
                    logfile: "\(path)/nsd.log"
                    server-count: 1
                    verbosity: 1
                    hide-version: yes
                    rrl-ratelimit: 0
                    rrl-whitelist-ratelimit: 0
                remote-control:
                    control-enable: no
                zone:
                    name: "\(zone)"
                    zonefile: "zone.db"

                """
            try config.write(to: directory.appendingPathComponent("nsd.conf"), atomically: true, encoding: .utf8)
            try zoneText?.write(to: directory.appendingPathComponent("zone.db"), atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                path: binary, arguments: ["-d", "-c", directory.appendingPathComponent("nsd.conf").path],
                outputPath: directory.appendingPathComponent("output.log").path)
            return try NSDServer(directory: directory, port: port, process: process)
        } answers: { server in
            await server.waitUntilAnswering(zone: zone, expect: zoneText == nil ? .SERVFAIL : .NOERROR, group: group)
        }
    }

    /// Polls with SOA queries for up to 10 s; false if the process exits or never answers.
    private func waitUntilAnswering(zone: String, expect: DNSResponseCode, group: any EventLoopGroup) async -> Bool {
        await pollSOA(zone: zone, at: address, group: group, timeout: .milliseconds(200), isRunning: process.isRunning)
        {
            $0.responseCode == expect
        }
    }

    /// NSD's own log and output, for failure messages.
    public var logs: String {
        let files = ["nsd.log", "output.log"].map { directory.appendingPathComponent($0) }
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// Terminates the NSD process started by ``start(zone:zoneText:group:)`` (SIGTERM, SIGKILL after 5 s) and
    /// removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

}

/// Polls the DNS server at `address` with SOA queries for `zone` (each waiting `timeout`) for up to 10 s: true once
/// `accepts` a reply, false when `isRunning` turns false first or the time runs out.
public func pollSOA(
    zone: String, at address: SocketAddress, group: any EventLoopGroup, timeout: TimeAmount,
    isRunning: @autoclosure () -> Bool, accepts: (DNSMessage) -> Bool
) async -> Bool {
    let resolver = DNSResolver(options: DNSResolverOptions(servers: [address]), group: group)
    guard let name = try? DNSName(zone) else { return false }
    let query = DNSMessage.query(id: 1, name: name, type: .SOA)
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if !isRunning() { return false }
        if let exchange = try? await resolver.exchange(query, server: address, transport: .udp, timeout: timeout),
            accepts(exchange.reply)
        {
            return true
        }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// Runs `body` with a fresh NSD serving `zone`, and stops it afterwards whatever happens.
public func withNSD<Result: Sendable>(
    zone: String = SeedZone.origin, zoneText: String = SeedZone.text, group: any EventLoopGroup,
    _ body: (NSDServer) async throws -> Result
) async throws -> Result {
    try await withStopping(try await NSDServer.start(zone: zone, zoneText: zoneText, group: group), body)
}

/// The test zone: the seed's case and the other cases the resolver must handle.
public enum SeedZone {
    public static let origin = "iot.eu-west-1.amazonaws.test"

    /// The seed's 42-character name: `XXXXXXXXXXXXXX.iot.eu-west-1.amazonaws.com` had 42 characters; with the
    /// `.test` suffix the first label is 13 characters to keep the total at 42.
    public static let seedName = "a1b2c3d4e-ats.iot.eu-west-1.amazonaws.test"
    public static let seedTarget = "edge-0123456789abcdef0123456789abcdef.elb.iot.eu-west-1.amazonaws.test"
    /// 40 A records behind two CNAMEs: the answer alone is over 512 bytes, so without EDNS NSD sets TC and
    /// keeps only the CNAMEs.
    public static let truncatedName = "tc-ats.iot.eu-west-1.amazonaws.test"
    /// 12 TXT records of 70 bytes: without EDNS, TC with an empty answer.
    public static let bigTXTName = "big.iot.eu-west-1.amazonaws.test"
    public static let txtName = "txt.iot.eu-west-1.amazonaws.test"
    public static let missingName = "nope.iot.eu-west-1.amazonaws.test"
    /// 253 characters: labels of 63, 63, 63 and 32 characters under the zone.
    public static let longName =
        [
            String(repeating: "a", count: 63), String(repeating: "b", count: 63), String(repeating: "c", count: 63),
            String(repeating: "d", count: 32), origin,
        ].joined(separator: ".")

    public static var text: String {
        var lines = [
            "$ORIGIN \(origin).",
            "$TTL 300",
            "@ 3600 IN SOA ns-1.awsdns-01 hostmaster.awsdns-01 1 7200 900 1209600 60",
        ]
        for index in 1...4 {
            lines.append("@ 3600 IN NS ns-\(index).awsdns-0\(index)")
            lines.append("ns-\(index).awsdns-0\(index) 3600 IN A 198.51.100.\(index)")
            lines.append("ns-\(index).awsdns-0\(index) 3600 IN AAAA 2001:db8::\(index)")
        }
        lines += [
            "a1b2c3d4e-ats IN CNAME a1b2c3d4e",
            "a1b2c3d4e IN CNAME iotmoonraker-eu-west-1-prod-xxxxxxxxxxxxxxxxxxxx.elb",
            "iotmoonraker-eu-west-1-prod-xxxxxxxxxxxxxxxxxxxx.elb 60 IN CNAME"
                + " edge-0123456789abcdef0123456789abcdef.elb",
        ]
        for index in 1...16 { lines.append("edge-0123456789abcdef0123456789abcdef.elb 30 IN A 192.0.2.\(index)") }
        lines += ["tc-ats IN CNAME tc-hop", "tc-hop IN CNAME edge40.elb"]
        for index in 1...40 { lines.append("edge40.elb 30 IN A 203.0.113.\(index)") }
        for index in 0..<12 {
            let letter = Character(Unicode.Scalar(UInt8(97 + index)))
            lines.append("big IN TXT \"\(String(repeating: letter, count: 70))\"")
        }
        lines.append("txt IN TXT \"v=uplink1\" \"hello world\"")
        lines.append("\(longName). IN A 192.0.2.253")
        return lines.joined(separator: "\n") + "\n"
    }
}
