import NIOCore

/// Where the simulated station is in its life.
enum RadioState: Equatable {
    /// Powered down (`AT+S.WIFI=0`, or before boot).
    case off
    /// Hardware started; not associated (no SSID, not station mode, or a failed join).
    case idle
    /// Joining a network.
    case associating
    /// Associated, with an address.
    case up(address: IPv4Address, network: WiFiNetwork)

    /// The `wifi_state` status value: 0 off, 4 idle, 7 joining, 10 up (Uplink's choice).
    var stateCode: Int {
        switch self {
        case .off: return 0
        case .idle: return 4
        case .associating: return 7
        case .up: return 10
        }
    }

    var isUp: Bool {
        if case .up = self { return true }
        return false
    }
}

extension ModuleEngine {
    /// Starts the radio: in station mode with an SSID configured, runs the join sequence.
    ///
    /// The sequence, one step apart: `46 WPA: Crunching PSK...` (WPA only), `21 WiFi Scanning`,
    /// `35 WiFi Scan Complete (0x0)`, `19 WiFi Join:<bssid>`, `25 WiFi Association with '<ssid>'
    /// successful`, `51 WPA Handshake Complete` (WPA only), `24 WiFi Up:<ip>`. An SSID not in the
    /// networks file ends in `20 WiFi Join Failed`; a privacy mode the network does not use in
    /// `74 Rejected found network` and `20`; a wrong passphrase in three attempts ending in
    /// `40 Deauthentication:15`.
    func startRadio() {
        radioGeneration += 1
        radio = .idle
        let ssidBytes = config.ssid
        guard config.integer("wifi_mode") == 1, !ssidBytes.isEmpty else { return }
        let ssid = String(decoding: ssidBytes, as: UTF8.self)
        let privacy = config.integer("wifi_priv_mode")
        let passphrase = config["wifi_wpa_psk_text"]
        radio = .associating

        var steps: [() -> Void] = []
        if privacy == 2 { steps.append { self.indicate(46, "WPA: Crunching PSK...") } }
        steps.append { self.indicate(21, "WiFi Scanning") }
        steps.append { self.indicate(35, "WiFi Scan Complete (0x0)") }

        let network: WiFiNetwork?
        if let networks = options.networks {
            network = networks.first { Array($0.ssid.utf8) == ssidBytes }
        } else {
            let security: WiFiNetwork.Security = privacy == 0 ? .open : privacy == 1 ? .wep : .wpa2
            network = WiFiNetwork(ssid: ssid, passphrase: passphrase, security: security)
        }
        // A failed join is idle by the time its last WIND is out, so a host that answers that WIND with
        // AT+S.WIFI=1 gets a new join, not an OK that does nothing.
        let failed: () -> Void = {
            self.radio = .idle
            self.indicate(20, "WiFi Join Failed")
        }
        guard let network else {
            steps.append(failed)
            runSteps(steps)
            return
        }
        guard network.security.privacyMode == privacy else {
            steps.append { self.indicate(74, "Rejected found network") }
            steps.append(failed)
            runSteps(steps)
            return
        }
        let join: () -> Void = {
            self.indicate(19, "WiFi Join:\(network.bssid)")
            self.indicate(25, "WiFi Association with '\(network.ssid)' successful")
        }
        if network.security != .open && network.passphrase != passphrase {
            for attempt in 0..<3 {
                steps.append(join)
                steps.append {
                    if attempt == 2 { self.radio = .idle }
                    self.indicate(40, "Deauthentication:15")
                }
            }
            runSteps(steps)
            return
        }
        steps.append(join)
        if privacy == 2 { steps.append { self.indicate(51, "WPA Handshake Complete") } }
        steps.append {
            let address = self.stationAddress
            self.radio = .up(address: address, network: network)
            self.indicate(24, self.dialect.wifiUpText(address: address.description))
        }
        runSteps(steps)
    }

    /// Powers the radio down (`AT+S.WIFI=0`).
    func stopRadio() {
        radioGeneration += 1
        radio = .off
        indicate(38, "WiFi Powered Down")
    }

    /// The station's address: the static `ip_ipaddr` when DHCP is off, else the simulated lease.
    var stationAddress: IPv4Address {
        if config.integer("ip_use_dhcp") == 0, let address = IPv4Address(config["ip_ipaddr"]) {
            return address
        }
        return options.dhcpAddress
    }

    /// The station's address, netmask and gateway as STS reports them once it is up: with DHCP, the
    /// simulated lease — the lease address in a /24, the gateway `.1` of that subnet (`.254` when the
    /// address itself ends in `.1`), so the three always make one subnet; with a static address, the
    /// configured `ip_ipaddr`, `ip_netmask` and `ip_gw` as given.
    func stationNetwork(address: IPv4Address) -> (netmask: String, gateway: String) {
        if config.integer("ip_use_dhcp") == 0 {
            return (config["ip_netmask"], config["ip_gw"])
        }
        let (a, b, c, d) = address.octets
        return ("255.255.255.0", IPv4Address(a, b, c, d == 1 ? 254 : 1).description)
    }

    /// Runs closures one ``ModuleOptions/step`` apart, abandoning them at the next reset.
    func runSteps(_ steps: [() -> Void]) {
        let startedIn = radioGeneration
        var remaining = steps[...]
        func next() {
            guard radioGeneration == startedIn, let step = remaining.popFirst() else { return }
            step()
            eventLoop.assumeIsolated().scheduleTask(in: options.step) { next() }
        }
        eventLoop.assumeIsolated().scheduleTask(in: options.step) { next() }
    }
}
