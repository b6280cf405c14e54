import Testing
import UplinkModule

/// The simulated DHCP lease is one subnet: address, netmask and gateway agree.
@Suite("STS: the station's address, netmask and gateway", .timeLimit(.minutes(1)))
struct StationLeaseTests {
    private func status(_ host: TestHost, _ wire: Wire) async throws -> [String] {
        var values: [String] = []
        for name in ["ip_ipaddr", "ip_netmask", "ip_gw"] {
            try await host.send("AT+S.STS=\(name)\r")
            let reply = try await host.read(through: wire.ok)
            let marker = wire.isSPWF01 ? "\(name) = " : "\(name)="
            let value = reply.components(separatedBy: marker).last?.prefix { $0.isNumber || $0 == "." } ?? ""
            values.append(String(value))
        }
        return values
    }

    @Test("DHCP: the lease's /24 with its .1 as gateway (.254 when the lease is .1)", arguments: Wire.both)
    func lease(wire: Wire) async throws {
        for (address, gateway) in [(IPv4Address(10, 0, 0, 2), "10.0.0.1"), (IPv4Address(192, 0, 2, 1), "192.0.2.254")] {
            let host = try await TestHost(profile: wire.profile) { $0.dhcpAddress = address }
            try await host.expect(wire.boot)
            #expect(try await status(host, wire) == ["0.0.0.0", "0.0.0.0", "0.0.0.0"])
            try await host.send("AT+S.SSIDTXT=lab\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.WIFI=1\r")
            try await host.read(through: "+WIND:24:WiFi Up:")
            try await host.read(through: "\r\n")
            #expect(try await status(host, wire) == [address.description, "255.255.255.0", gateway])
            await host.shutdown()
        }
    }

    @Test("Static address: STS shows the configured netmask and gateway", arguments: Wire.both)
    func staticAddress(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        for line in [
            "AT+S.SCFG=\(wire.isSPWF01 ? "ip_use_dhcp" : "ip_use_dhcpc"),0", "AT+S.SCFG=ip_ipaddr,172.16.5.9",
            "AT+S.SCFG=ip_netmask,255.255.0.0", "AT+S.SCFG=ip_gw,172.16.0.254", "AT+S.SSIDTXT=lab", "AT+S.WIFI=1",
        ] {
            try await host.send(line + "\r")
            try await host.expect(wire.ok)
        }
        try await host.read(through: "+WIND:24:WiFi Up:")
        try await host.read(through: "\r\n")
        #expect(try await status(host, wire) == ["172.16.5.9", "255.255.0.0", "172.16.0.254"])
    }
}
