import ArgumentParser
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import UplinkCredentials
import UplinkModule
import UplinkModuleServer
import UplinkOptions
import UplinkSerial

/// `uplink module`: runs an SPWF01/SPWF04-compatible module on a pty, a serial port or TCP.
struct ModuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "module",
        abstract: "Run an SPWF01/SPWF04-compatible Wi-Fi module in software.",
        discussion: """
            By default the module opens a new pseudo-terminal and prints its path on standard output;
            point the host firmware (or pyserial, screen, minicom) at it. The host's network is the
            module's uplink: sockets opened with AT+S.SOCKON are real connections from this machine.
            """
    )

    @Flag(name: .long, help: "Open a new pseudo-terminal (the default link).")
    var pty = false

    @Option(name: .long, help: "With --pty: make PATH a stable symbolic link to the pseudo-terminal.")
    var link: String?

    @Option(name: .long, help: "Use a real serial port (a UART) instead of a pseudo-terminal.")
    var serial: String?

    @Option(name: .long, help: "Line rate in baud, for --serial and --pace.")
    var baud: Int = 115_200

    @Flag(name: .long, help: "With --serial: RTS/CTS hardware flow control.")
    var rtscts = false

    @Option(
        name: .long,
        help: "Listen on HOST:PORT for one TCP host at a time (like ser2net); loopback only unless --allow-remote.")
    var listen: String?

    @Flag(
        name: .long,
        help:
            "With --listen or --sockd-host: accept a non-loopback address. The console has no authentication and opens sockets and writes flash for whoever connects."
    )
    var allowRemote = false

    @Option(
        name: .long,
        help:
            "The address the module's server sockets (SPWF01 AT+S.SOCKD, SPWF04 AT+S.SOCKDON) listen on (default 127.0.0.1); a non-loopback address (0.0.0.0: all interfaces) needs --allow-remote."
    )
    var sockdHost: String = "127.0.0.1"

    @Flag(name: .long, help: "Pace output at the baud rate (10 bits a byte), as a real UART would.")
    var pace = false

    @Option(name: .long, help: "Firmware profile: spwf01 (default), spwf01-3.5, spwf04.")
    var profile: String = "spwf01"

    @Option(name: .long, help: "The module's name; names its default flash folder.")
    var name: String?

    @Option(name: .long, help: "Flash folder (configuration saved by AT&W). Default: a per-user data folder.")
    var flash: String?

    @Flag(name: .long, help: "Keep flash in memory only; nothing survives the process.")
    var volatile = false

    @Option(
        name: .long,
        help: "Write a timestamped transcript of every byte to FILE (mode 0600; keys and Wi-Fi passphrases redacted).")
    var trace: String?

    @Flag(
        name: .long, help: "With --trace: keep private keys and Wi-Fi passphrases in the trace (a warning is printed).")
    var traceSecrets = false

    @Option(name: .long, help: "JSON list of the access points in range (ssid, passphrase, security, ...).")
    var networks: String?

    @Option(name: .long, help: "Seconds a data block (SOCKW) may stall before it is abandoned (0.001 to 3600).")
    var blockTimeout: Double = 2

    @Option(
        name: .long,
        help:
            "Seconds a pending effect (lookup, connect, TLS handshake, socket write, ping) may take before the command fails (0.001 to 3600)."
    )
    var effectTimeout: Double = 10

    @Option(
        name: .long,
        help: "Credential slot layout within the profile's flash budget, e.g. ca=2048,cert=3072,key=1024.")
    var slots: String?

    @Option(
        name: .long,
        help: "DNS server IP[:PORT] used while ip_dns is not set (repeatable; default: /etc/resolv.conf).")
    var dns: [String] = []

    /// The range of --block-timeout and --effect-timeout, in seconds (a millisecond to an hour).
    static let timeoutRange = 0.001...3600.0

    func validate() throws {
        let links = [pty, serial != nil, listen != nil].filter { $0 }.count
        guard links <= 1 else { throw ValidationError("Choose one link: --pty, --serial or --listen.") }
        guard ModuleProfile.named(profile) != nil else {
            throw ValidationError("Unknown profile '\(profile)'; use spwf01, spwf01-3.5 or spwf04.")
        }
        guard trace != nil || !traceSecrets else { throw ValidationError("--trace-secrets goes with --trace.") }
        guard !(volatile && flash != nil) else { throw ValidationError("--volatile and --flash exclude each other.") }
        guard link == nil || (serial == nil && listen == nil) else {
            throw ValidationError("--link applies to --pty only.")
        }
        if let listen {
            let (host, _) = try Self.listenAddress(listen)
            guard allowRemote || Self.isLoopback(host) else {
                throw ValidationError(
                    "--listen \(listen) is not a loopback address: anyone who can reach it gets the module's console, "
                        + "with no authentication, and can open sockets from this machine and write its flash. "
                        + "Listen on 127.0.0.1 (and use an SSH tunnel), or add --allow-remote if that is intended.")
            }
        }
        guard allowRemote || Self.isLoopback(sockdHost) else {
            throw ValidationError(
                "--sockd-host \(sockdHost) is not a loopback address: the socket server (AT+S.SOCKD) would accept "
                    + "clients from other machines. Add --allow-remote if that is intended.")
        }
        if allowRemote && listen == nil && Self.isLoopback(sockdHost) {
            throw ValidationError("--allow-remote goes with --listen or --sockd-host.")
        }
        guard SerialPort.baudRates[baud] != nil else { throw ValidationError("Unsupported baud rate \(baud).") }
        _ = try OptionCheck.seconds(blockTimeout, in: Self.timeoutRange, option: "--block-timeout")
        _ = try OptionCheck.seconds(effectTimeout, in: Self.timeoutRange, option: "--effect-timeout")
        do {
            _ = try SlotLayout.named(profile, slots: slots)
        } catch {
            throw ValidationError("--slots: \(error)")
        }
        for text in dns where DNSCommand.parseServer(text) == nil {
            throw ValidationError("--dns: not a server address: '\(text)'")
        }
    }

    func run() async throws {
        guard let profile = ModuleProfile.named(self.profile) else { throw ExitCode.validationFailure }
        var options = ModuleOptions(profile: profile)
        options.blockTimeout = TimeAmount(
            try OptionCheck.seconds(blockTimeout, in: Self.timeoutRange, option: "--block-timeout"))
        options.effectTimeout = TimeAmount(
            try OptionCheck.seconds(effectTimeout, in: Self.timeoutRange, option: "--effect-timeout"))
        options.dhcpAddress = HostAddress.primaryIPv4() ?? IPv4Address(127, 0, 0, 1)
        options.slotLayout = try SlotLayout.named(profile.name, slots: slots)
        options.socketServerHost = sockdHost
        if !dns.isEmpty { options.dnsServers = dns.compactMap(DNSCommand.parseServer) }
        // Every error line, with its id and the detail the host does not see, goes to standard error.
        options.logger = Logger(label: "uplink.module") { StreamLogHandler.standardError(label: $0) }
        if let networks {
            do {
                options.networks = try WiFiNetwork.load(path: networks)
            } catch {
                throw ValidationError("Cannot read the networks file \(networks): \(error)")
            }
        }
        let moduleName = name ?? profile.name
        let flashStore: any Flash
        if volatile {
            flashStore = MemoryFlash()
        } else {
            let folder = flash ?? Self.defaultFlashFolder(moduleName: moduleName)
            flashStore = try DirectoryFlash(path: folder)
        }
        let tracer: ModuleTrace?
        if let trace {
            do {
                tracer = try ModuleTrace(path: trace, redactSecrets: !traceSecrets, logger: options.logger)
            } catch {
                throw ValidationError("--trace: cannot create \(trace): \(error.reason)")
            }
            if traceSecrets {
                FileHandle.standardError.write(
                    Data(
                        ("uplink module: warning: --trace-secrets writes private keys and Wi-Fi passphrases to "
                            + "\(trace) in clear; delete it after use.\n").utf8))
            }
        } else {
            tracer = nil
        }

        let link: ModuleLink
        if let serial {
            link = .serial(path: serial, baud: baud, hardwareFlowControl: rtscts)
        } else if let listen {
            let (host, port) = try Self.listenAddress(listen)
            link = .tcp(host: host, port: port)
        } else {
            link = .pseudoTerminal(linkPath: self.link)
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let engine = ModuleEngine(
            eventLoop: group.next(), options: options, flash: flashStore, trace: tracer)
        let server = try await ModuleServer.start(engine: engine, link: link, paceBaud: pace ? baud : nil)

        if let path = server.devicePath {
            print(path)
        } else if let address = server.listeningAddress {
            print("\(address.ipAddress ?? "?"):\(address.port ?? 0)")
        }
        fflush(nil)
        var details = "uplink module: \(profile.name) (\(profile.dialect.family.rawValue) dialect)"
        if let linkPath = self.link { details += ", linked at \(linkPath)" }
        details +=
            volatile ? ", volatile flash" : ", flash in \(flash ?? Self.defaultFlashFolder(moduleName: moduleName))"
        if pace { details += ", paced at \(baud) baud" }
        FileHandle.standardError.write(Data((details + ". Ctrl-C stops it.\n").utf8))

        await Self.waitForTermination()
        await server.stop()
        try? await group.shutdownGracefully()
    }

    /// `HOST:PORT` (`[IPv6]:PORT` too) of --listen; port 0 picks a free one.
    static func listenAddress(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw ValidationError("--listen wants HOST:PORT, for example 127.0.0.1:7000")
        }
        try OptionCheck.number(port, in: 0...65_535, option: "--listen's port")
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// Whether `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`; any other name or address
    /// (0.0.0.0 and :: included) may be reachable from elsewhere.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        switch address {
        case .v4(let v4): return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) {
                $0.elementsEqual([UInt8](repeating: 0, count: 15) + [1])
            }
        default: return false
        }
    }

    /// `$XDG_DATA_HOME/uplink/modules/<name>`, or `~/.local/share/uplink/modules/<name>`.
    static func defaultFlashFolder(moduleName: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return base + "/uplink/modules/" + moduleName
    }

    /// Returns when SIGINT or SIGTERM arrives.
    static func waitForTermination() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "uplink.signals")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
            for source in sources {
                source.setEventHandler {
                    if once.claim() {
                        sources.forEach { $0.cancel() }
                        continuation.resume()
                    }
                }
                source.resume()
            }
        }
    }
}

/// A flag that can be claimed once, from any thread.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)

    func claim() -> Bool {
        claimed.withLock { claimed in
            if claimed { return false }
            claimed = true
            return true
        }
    }
}
