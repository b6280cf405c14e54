import Foundation
import Testing
import UplinkModule

@Suite("Transcripts: the simulated radio", .timeLimit(.minutes(1)))
struct WiFiTranscriptTests {
    static let networks = [
        WiFiNetwork(
            ssid: "lab", passphrase: "secret123", security: .wpa2, channel: 6, rssi: -41, bssid: "02:00:00:00:00:01"),
        WiFiNetwork(ssid: "cafe", passphrase: "", security: .open, channel: 11, rssi: -70, bssid: "02:00:00:00:00:02"),
    ]

    private func host(_ wire: Wire) async throws -> TestHost {
        let host = try await TestHost(profile: wire.profile) { $0.networks = Self.networks }
        try await host.expect(wire.boot)
        return host
    }

    private func configure(_ host: TestHost, _ wire: Wire, ssid: String, passphrase: String, privacy: Int) async throws
    {
        for command in [
            "AT+S.SSIDTXT=\(ssid)", "AT+S.SCFG=wifi_wpa_psk_text,\(passphrase)", "AT+S.SCFG=wifi_priv_mode,\(privacy)",
            "AT&W",
        ] {
            try await host.send(command + "\r")
            try await host.expect(wire.ok)
        }
    }

    @Test("Joining a WPA2 network prints the real WIND sequence", arguments: Wire.both)
    func join(wire: Wire) async throws {
        let host = try await host(wire)
        defer { Task { await host.shutdown() } }
        try await configure(host, wire, ssid: "lab", passphrase: "secret123", privacy: 2)
        try await host.send(wire.resetCommand + "\r")
        try await host.expect(
            wire.wind(2, "Reset") + wire.boot + wire.wind(46, "WPA: Crunching PSK...") + wire.wind(21, "WiFi Scanning")
                + wire.wind(35, "WiFi Scan Complete (0x0)") + wire.wind(19, "WiFi Join:02:00:00:00:00:01")
                + wire.wind(25, "WiFi Association with 'lab' successful") + wire.wind(51, "WPA Handshake Complete")
                + wire.wifiUp("10.0.0.2"))
        try await host.send("AT+S.STS=ip_ipaddr\r")
        try await host.expect(wire.variable("ip_ipaddr", "10.0.0.2") + wire.ok)
        try await host.send("AT+S.PEERS=0,rx_rssi\r")
        try await host.expect(wire.variable("0.rx_rssi", "-41") + wire.ok)
        try await host.send("AT+S.SSIDTXT\r")
        try await host.expect(wire.variable("ssidtxt", "lab") + wire.ok)
        try await host.send("AT+S.GCFG=wifi_ssid\r")
        try await host.expect(wire.variable("wifi_ssid", "6C:61:62") + wire.ok)
    }

    @Test("A static address replaces DHCP", arguments: Wire.both)
    func staticAddress(wire: Wire) async throws {
        let host = try await host(wire)
        defer { Task { await host.shutdown() } }
        try await configure(host, wire, ssid: "cafe", passphrase: "", privacy: 0)
        try await host.send("AT+S.SCFG=\(wire.isSPWF01 ? "ip_use_dhcp" : "ip_use_dhcpc"),0\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.SCFG=ip_ipaddr,192.168.7.9\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.WIFI=1\r")
        try await host.expect(wire.ok)
        try await host.read(through: wire.wind(25, "WiFi Association with 'cafe' successful"))
        try await host.expect(wire.wifiUp("192.168.7.9"))
    }

    @Test("Wrong passphrase: three deauthentications, no WiFi Up", arguments: Wire.both)
    func wrongPassphrase(wire: Wire) async throws {
        let host = try await host(wire)
        defer { Task { await host.shutdown() } }
        try await configure(host, wire, ssid: "lab", passphrase: "wrong-one", privacy: 2)
        try await host.send("AT+S.WIFI=1\r")
        try await host.expect(wire.ok)
        let join =
            wire.wind(19, "WiFi Join:02:00:00:00:00:01") + wire.wind(25, "WiFi Association with 'lab' successful")
        try await host.expect(
            wire.wind(46, "WPA: Crunching PSK...") + wire.wind(21, "WiFi Scanning")
                + wire.wind(35, "WiFi Scan Complete (0x0)") + join + wire.wind(40, "Deauthentication:15") + join
                + wire.wind(40, "Deauthentication:15") + join + wire.wind(40, "Deauthentication:15"))
        #expect(try await host.drain(after: .milliseconds(100)) == "")
        try await host.send("AT+S.SOCKON=127.0.0.1,1,\(wire.isSPWF01 ? "t" : "NULL,t")\r")
        try await host.expect(wire.error(15, "WiFi not connected"))
    }

    @Test("Unknown SSID and wrong privacy mode fail to join", arguments: Wire.both)
    func joinFailures(wire: Wire) async throws {
        let host = try await host(wire)
        defer { Task { await host.shutdown() } }
        try await configure(host, wire, ssid: "nowhere", passphrase: "x", privacy: 2)
        try await host.send("AT+S.WIFI=1\r")
        try await host.expect(wire.ok)
        try await host.read(through: wire.wind(35, "WiFi Scan Complete (0x0)"))
        try await host.expect(wire.wind(20, "WiFi Join Failed"))
        try await configure(host, wire, ssid: "cafe", passphrase: "x", privacy: 2)
        try await host.send("AT+S.WIFI=1\r")
        try await host.expect(wire.ok)
        try await host.read(through: wire.wind(35, "WiFi Scan Complete (0x0)"))
        try await host.expect(wire.wind(74, "Rejected found network") + wire.wind(20, "WiFi Join Failed"))
    }

    @Test("SCAN lists the networks file in the real format; WIFI=0 powers down", arguments: Wire.both)
    func scanAndPower(wire: Wire) async throws {
        let host = try await host(wire)
        defer { Task { await host.shutdown() } }
        try await host.send(wire.isSPWF01 ? "AT+S.SCAN\r" : "AT+S.SCAN=d,\r")
        let prefix = wire.isSPWF01 ? "" : "AT-S."
        try await host.expect(
            (wire.isSPWF01 ? "" : "AT-S.Parsing Networks:2\r\n")
                + prefix + "1:\tBSS 02:00:00:00:00:01 CHAN: 06 RSSI: -41 SSID: 'lab' CAPS: 0431 WPA2\r\n"
                + prefix + "2:\tBSS 02:00:00:00:00:02 CHAN: 11 RSSI: -70 SSID: 'cafe' CAPS: 0401 \r\n" + wire.ok)
        try await host.send("AT+S.WIFI=0\r")
        try await host.expect(wire.ok + wire.wind(38, "WiFi Powered Down"))
        try await host.send("AT+S.STS=wifi_state\r")
        try await host.expect(wire.variable("wifi_state", "0") + wire.ok)
        try await host.send("AT+S.WIFI=1\r")
        try await host.expect(wire.ok + wire.wind(32, "WiFi Hardware Started"))
    }

    @Test("PING reaches 127.0.0.1 for real; an unknown name fails", arguments: Wire.both)
    func ping(wire: Wire) async throws {
        let resolver = TableResolver(table: ["loopback.test": [IPv4Address(127, 0, 0, 1)]])
        let host = try await TestHost(profile: wire.profile, resolver: resolver)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send(wire.isSPWF01 ? "AT+S.PING=127.0.0.1\r" : "AT+S.PING=1,56,127.0.0.1\r")
        try await host.expect(wire.error(15, "WiFi not connected"))
        try await host.joinWiFi()
        try await host.send(wire.isSPWF01 ? "AT+S.PING=loopback.test\r" : "AT+S.PING=2,32,loopback.test\r")
        let reply = try await host.read(through: wire.ok, timeout: .seconds(5))
        let prefix =
            wire.isSPWF01
            ? "Reply from 127.0.0.1: bytes=56 icmp_seq=1 time=" : "AT-S.Reply from 127.0.0.1: bytes=32 icmp_seq=1 time="
        #expect(reply.hasPrefix(prefix), "\(reply)")
        if !wire.isSPWF01 { #expect(reply.contains("icmp_seq=2")) }
        try await host.send(wire.isSPWF01 ? "AT+S.PING=unknown.test\r" : "AT+S.PING=1,56,unknown.test\r")
        try await host.expect(wire.error(11, "Failed to resolve name"))
    }
}
