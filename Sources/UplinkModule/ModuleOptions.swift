import Logging
import NIOCore
import UplinkCredentials
import UplinkDNS

/// How one module instance behaves beyond its profile: the simulated world around it and its timing.
public struct ModuleOptions: Sendable {
    /// The firmware profile.
    public var profile: ModuleProfile
    /// Access points the radio can see; `nil` means any SSID associates with any passphrase.
    public var networks: [WiFiNetwork]?
    /// How long a binary block may stall (no new byte) before it is abandoned with an error.
    public var blockTimeout: TimeAmount
    /// The receive buffer of each socket; reading from the peer pauses while it is full.
    public var socketReceiveLimit: Int
    /// The delay between two steps of boot and association (the WINDs come this far apart).
    public var step: TimeAmount
    /// How long a TCP connect may take.
    public var connectTimeout: TimeAmount
    /// The deadline of every pending effect (name lookup, connect, TLS handshake, socket write, ping):
    /// when it passes, the command fails with the dialect's error line and the engine is idle again.
    /// PING adds one second per echo request.
    public var effectTimeout: TimeAmount
    /// The address the simulated DHCP server hands out.
    public var dhcpAddress: IPv4Address
    /// DNS servers asked when `ip_dns` is not set (default: the host's `/etc/resolv.conf`).
    public var dnsServers: [SocketAddress]
    /// The hosts file looked in before DNS (default `/etc/hosts`; `nil`: none, only `localhost`).
    public var hostsFile: String?
    /// The credential slot layout (the profile's, or one resized with `--slots`).
    public var slotLayout: SlotLayout
    /// The module's serial number (`nv_serial`).
    public var serial: String
    /// The module's MAC address (`nv_wifi_macaddr`).
    public var macAddress: String
    /// SPWF01 data mode: how long the bytes of a partly typed escape sequence wait for the rest of it; the
    /// escape must come as one burst (no gap this long), else its bytes go to the peer as data.
    public var escapeGuardTime: TimeAmount
    /// The address the module's server sockets listen on (SPWF01 `AT+S.SOCKD`, SPWF04 `AT+S.SOCKDON`): loopback by
    /// default; another address (`0.0.0.0`: all interfaces) only with `uplink module --sockd-host HOST --allow-remote`.
    public var socketServerHost: String
    /// Where the module logs: every error line it prints, with its id and the detail the host does not see
    /// (default: nowhere; `uplink module` logs to standard error).
    public var logger: Logger

    /// Options with the defaults of `uplink module`.
    public init(profile: ModuleProfile = .spwf01) {
        self.profile = profile
        networks = nil
        blockTimeout = .seconds(2)
        socketReceiveLimit = 16_384
        step = .milliseconds(20)
        connectTimeout = .seconds(4)
        effectTimeout = .seconds(10)
        dhcpAddress = IPv4Address(127, 0, 0, 1)
        dnsServers = DNSResolverOptions.systemServers()
        hostsFile = HostsFile.defaultPath
        slotLayout = (try? SlotLayout.profile(named: profile.name)) ?? .spwf01
        serial = "0000000001"
        macAddress = "00:80:E1:00:00:01"
        escapeGuardTime = .milliseconds(250)
        socketServerHost = "127.0.0.1"
        logger = Logger(label: "uplink.module", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
