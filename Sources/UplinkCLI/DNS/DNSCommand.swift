import ArgumentParser
import DNSCodec
import Foundation
import NIOCore
import NIOPosix
import UplinkDNS
import UplinkModule
import UplinkOptions

/// `uplink dns NAME`: like dig, for a device team — the answer, the reply's size three ways, and
/// whether each module profile resolves the name.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Resolve a name and tell why it does or does not resolve on each module profile.",
        discussion: """
            Asks the servers in order (each --tries times, --timeout seconds a try, as dig's +tries and
            +time) and prints what each server answered, the answer (CNAME chain and records with their
            TTLs), the size of the answering server's reply over UDP and TCP, each without and with EDNS,
            and a verdict per module profile from a real lookup with that profile's resolver limits against
            that same server. A name in /etc/hosts (and localhost) is said to resolve from there: the
            module answers those before it asks DNS, in every profile.

            With --via DEV the module on that serial device (real or `uplink module`, its Wi-Fi up) is
            asked too, through the host driver: it opens a UDP socket to the name on port 9 and closes
            it at once, which sends nothing but the module's own DNS lookup. Its answer is printed beside
            the simulated verdicts.

            The whole command takes at most --total seconds (default 15): a step still running then is
            stopped, and the report says what was not checked.

            Exit status:
              0   the name resolved (by DNS or the hosts file) and, with --profile, that profile resolves it
              1   the name did not resolve (or no answer came within --total)
              2   no DNS server (none given, none in /etc/resolv.conf)
              3   the name resolved, but the profile given with --profile fails (or was not checked in time)
              4   with --via: the module did not resolve it (or could not be asked)
              64  bad usage (an unknown option, a value out of range)
            """
    )

    @Argument(help: "The name to look up (IDNA is not supported: give the ASCII form).")
    var name: String

    @Option(name: .long, help: "Record type: A, AAAA, CNAME, TXT, NS, SOA, PTR, MX or TYPEn.")
    var type: String = "A"

    @Option(name: .long, help: "DNS server IP[:PORT] (repeatable, asked in order; default: /etc/resolv.conf).")
    var server: [String] = []

    @Option(name: .long, help: "Give the verdict for this profile only: spwf01, spwf01-3.5, spwf04.")
    var profile: String?

    @Option(name: .long, help: "Seconds to wait for one reply, as dig's +time (0.05 to 60).")
    var timeout: Double = 2

    @Option(name: .long, help: "Times each server is asked in a lookup, as dig's +tries (1 to 10).")
    var tries: Int = 2

    @Option(name: .long, help: "Seconds the whole command may take (0.1 to 600).")
    var total: Double = 15

    @Option(
        name: .long,
        help: "Also ask the module on this serial device (its Wi-Fi up) to resolve the name itself (A only).")
    var via: String?

    @Option(name: .long, help: "The line speed with --via.")
    var baud = 115_200

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    static let timeoutRange = 0.05...60.0
    static let triesRange = 1...10
    static let totalRange = 0.1...600.0

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
        _ = try OptionCheck.seconds(timeout, in: Self.timeoutRange, option: "--timeout")
        try OptionCheck.number(tries, in: Self.triesRange, option: "--tries")
        _ = try OptionCheck.seconds(total, in: Self.totalRange, option: "--total")
        try OptionCheck.number(baud, in: 1...4_000_000, option: "--baud")
        if via != nil, DNSRecordType(mnemonic: type.uppercased()) != .A {
            throw ValidationError("--via asks the module, which resolves A records only.")
        }
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
        let started = ContinuousClock.now
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let waits = ResolverDiagnosis.Waits(
            timeout: TimeAmount(try OptionCheck.seconds(timeout, in: Self.timeoutRange, option: "--timeout")),
            tries: tries, total: try OptionCheck.seconds(total, in: Self.totalRange, option: "--total"))
        let diagnosis = await ResolverDiagnosis.run(
            name: name, type: recordType, servers: servers, profiles: profiles, group: group, waits: waits)
        if !diagnosis.gaveUp {
            try? await group.shutdownGracefully()
        }
        // When it gave up (--total), lookups it abandoned may still hold promises on the loop: the loop is left
        // running (the process exits right after the report) rather than shut under them.
        // The module answers names of the hosts file (and localhost) before it asks DNS, in every profile.
        let hosts =
            recordType == .A
            ? HostsFile().ipv4Addresses(of: name).map { $0.map(String.init).joined(separator: ".") } : []
        var module: ModuleLookup?
        if let via {
            let name = self.name
            let baud = self.baud
            module =
                await ResolverDiagnosis.within(started + waits.total) {
                    await ModuleLookup.ask(path: via, baud: baud, name: name)
                } ?? .notAsked("the total wait (--total) ran out first")
        }
        print(
            json
                ? DNSReport.json(diagnosis, hostsFile: hosts, module: module.map { (via ?? "", $0) })
                : DNSReport.text(diagnosis, hostsFile: hosts, module: module.map { (via ?? "", $0) }),
            terminator: "")
        let moduleFails = module.map { !$0.resolves } ?? false
        if !hosts.isEmpty {
            if moduleFails { throw ExitCode(4) }
            return
        }
        if !diagnosis.resolved { throw ExitCode(1) }
        if let profile = profile.flatMap(ModuleProfile.named),
            !diagnosis.verdicts.contains(where: { $0.profile == profile.name && $0.resolves })
        {
            throw ExitCode(3)
        }
        if moduleFails { throw ExitCode(4) }
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
