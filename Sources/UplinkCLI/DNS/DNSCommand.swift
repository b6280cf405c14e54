import ArgumentParser
import DNSCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkDNS
import UplinkModule

/// `uplink dns NAME`: like dig, for a device team — the answer, the reply's size three ways, and
/// whether each module profile resolves the name.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Resolve a name and tell why it does or does not resolve on each module profile.",
        discussion: """
            Prints the answer (CNAME chain and records with their TTLs), the size of the reply over UDP
            without EDNS, with EDNS and over TCP, whether TC was set, and a verdict per module profile,
            each from a real lookup with that profile's resolver limits. A name in /etc/hosts (and
            localhost) is said to resolve from there: the module answers those before it asks DNS, in
            every profile. The exit status is 0 when the name resolved (by DNS or the hosts file), 1
            when it did not.
            """
    )

    @Argument(help: "The name to look up (IDNA is not supported: give the ASCII form).")
    var name: String

    @Option(name: .long, help: "Record type: A, AAAA, CNAME, TXT, NS, SOA, PTR, MX or TYPEn.")
    var type: String = "A"

    @Option(name: .long, help: "DNS server IP[:PORT] (repeatable; default: /etc/resolv.conf).")
    var server: [String] = []

    @Option(name: .long, help: "Give the verdict for this profile only: spwf01, spwf01-3.5, spwf04.")
    var profile: String?

    @Option(name: .long, help: "Seconds to wait for each reply.")
    var timeout: Double = 2

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard DNSRecordType(mnemonic: type.uppercased()) != nil else {
            throw ValidationError("Unknown record type '\(type)'.")
        }
        if let profile, ModuleProfile.named(profile) == nil {
            throw ValidationError("Unknown profile '\(profile)'; use spwf01, spwf01-3.5 or spwf04.")
        }
        for text in server where Self.parseServer(text) == nil {
            throw ValidationError("Not a server address: '\(text)'; use IP or IP:PORT ([IPv6]:PORT).")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive.") }
    }

    func run() async throws {
        guard let recordType = DNSRecordType(mnemonic: type.uppercased()) else { throw ExitCode.validationFailure }
        let servers = server.isEmpty ? DNSResolverOptions.systemServers() : server.compactMap(Self.parseServer)
        guard !servers.isEmpty else {
            FileHandle.standardError.write(
                Data("uplink dns: no DNS server (none given, none in /etc/resolv.conf)\n".utf8))
            throw ExitCode(2)
        }
        let profiles = profile.flatMap(ModuleProfile.named).map { [$0] } ?? ModuleProfile.all
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let diagnosis = await ResolverDiagnosis.run(
            name: name, type: recordType, servers: servers, profiles: profiles, group: group,
            timeout: .nanoseconds(Int64(timeout * 1_000_000_000)))
        try? await group.shutdownGracefully()
        // The module answers names of the hosts file (and localhost) before it asks DNS, in every profile.
        let hosts =
            recordType == .A
            ? HostsFile().ipv4Addresses(of: name).map { $0.map(String.init).joined(separator: ".") } : []
        print(
            json ? DNSReport.json(diagnosis, hostsFile: hosts) : DNSReport.text(diagnosis, hostsFile: hosts),
            terminator: "")
        if !diagnosis.resolved && hosts.isEmpty { throw ExitCode(1) }
    }

    /// `IP`, `IP:PORT`, `[IPv6]:PORT`, or a bare IPv6 address; port 53 by default.
    static func parseServer(_ text: String) -> SocketAddress? {
        var host = text
        var port = 53
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let value = Int(rest.dropFirst()), (1...65_535).contains(value) else { return nil }
                port = value
            } else if !rest.isEmpty {
                return nil
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let value = Int(text[text.index(after: colon)...]), (1...65_535).contains(value) else { return nil }
            port = value
        }
        return try? SocketAddress(ipAddress: host, port: port)
    }
}
