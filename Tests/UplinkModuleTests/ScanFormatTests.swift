import Foundation
import Testing
import UplinkModule

#if canImport(Glibc)
    import Glibc
#endif

/// `AT+S.SCAN` as real drivers send it and parse it: mbed's SPWF01 driver sends `AT+S.SCAN=a,s` and
/// reads each line with `sscanf` formats; the same formats, run here with the C library's `vsscanf`,
/// must read back every field of every network.
@Suite("SCAN: what mbed's driver sends and parses", .timeLimit(.minutes(1)))
struct ScanFormatTests {
    static let networks = [
        WiFiNetwork(ssid: "lab", security: .wpa2, channel: 6, rssi: -41, bssid: "02:00:00:00:00:01"),
        WiFiNetwork(ssid: "cafe", security: .open, channel: 11, rssi: -70, bssid: "02:00:00:00:00:02"),
        WiFiNetwork(ssid: "old one", security: .wep, channel: 1, rssi: -88, bssid: "02:00:00:00:00:03"),
        WiFiNetwork(ssid: "tkip", security: .wpa, channel: 3, rssi: -60, bssid: "02:00:00:00:00:04"),
        WiFiNetwork(ssid: "mixed", security: .wpaWPA2, channel: 13, rssi: -55, bssid: "0A:BC:00:00:00:05"),
    ]

    /// What mbed's `nsapi_security_t` reading gives.
    enum Security: Equatable { case none, wep, wpa, wpa2, wpaWPA2, unknown }

    struct AccessPoint: Equatable {
        var bssid: [UInt8]
        var channel: UInt32
        var rssi: Int8
        var ssid: String
        var security: Security
    }

    /// `SPWFSA01::_recv_ap` on a whole reply: end of list at a CR LF, skip to the TAB, the sscanf
    /// format, then the rest of the line: `CAPS:`, 11 bytes stepped over, the security words.
    static func parse(_ reply: [UInt8]) -> [AccessPoint]? {
        var index = 0
        var found: [AccessPoint] = []
        while true {
            if index + 1 < reply.count && reply[index] == 0x0D && reply[index + 1] == 0x0A { return found }
            guard let tab = reply[index...].firstIndex(of: 0x09) else { return nil }
            guard let cr = reply[tab...].firstIndex(of: 0x0D), cr + 1 < reply.count, reply[cr + 1] == 0x0A else {
                return nil
            }
            let line = Array(reply[(tab + 1)..<cr])
            index = cr + 2
            var bssid = [UInt8](repeating: 0, count: 6)
            var channel: UInt32 = 0
            var rssi: Int8 = 0
            var ssid = [CChar](repeating: 0, count: 256)
            var consumed: Int32 = 0
            let format = " %*s %hhx:%hhx:%hhx:%hhx:%hhx:%hhx CHAN: %u RSSI: %hhd SSID: '%255[^']'%n"
            let converted = (line + [0]).withUnsafeBufferPointer { text in
                bssid.withUnsafeMutableBufferPointer { mac in
                    ssid.withUnsafeMutableBufferPointer { name in
                        withUnsafeMutablePointer(to: &channel) { channelPointer in
                            withUnsafeMutablePointer(to: &rssi) { rssiPointer in
                                withUnsafeMutablePointer(to: &consumed) { consumedPointer in
                                    guard let base = mac.baseAddress, let namePointer = name.baseAddress else {
                                        return Int32(-1)
                                    }
                                    let arguments: [CVarArg] = [
                                        base, base + 1, base + 2, base + 3, base + 4, base + 5, channelPointer,
                                        rssiPointer, namePointer, consumedPointer,
                                    ]
                                    return withVaList(arguments) { list in
                                        text.withMemoryRebound(to: CChar.self) { chars -> Int32 in
                                            guard let start = chars.baseAddress else { return -1 }
                                            return vsscanf(start, format, list)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            guard converted == 9 else { return nil }
            let rest = String(decoding: line[Int(consumed)...], as: UTF8.self)
            guard let caps = rest.range(of: "CAPS:") else { return nil }
            let afterCaps = Array(rest[caps.lowerBound...].utf8)
            guard afterCaps.count >= 11 else { return nil }
            var words = afterCaps[11...]
            var security = Security.none
            if words.first == UInt8(ascii: "W") {
                words = words.dropFirst()
                let word = String(decoding: words.prefix { $0 != 0x20 }, as: UTF8.self)
                switch word {
                case "EP": security = .wep
                case "PA2": security = .wpa2
                case "PA": security = words.count == word.utf8.count ? .wpa : .wpaWPA2
                default: security = .unknown
                }
            }
            let name = String(decoding: ssid.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            found.append(AccessPoint(bssid: bssid, channel: channel, rssi: rssi, ssid: name, security: security))
        }
    }

    @Test("AT+S.SCAN=a,s: every line reads back through mbed's formats, byte for byte", arguments: Wire.both)
    func mbedParses(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile) { $0.networks = Self.networks }
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.send(wire.isSPWF01 ? "AT+S.SCAN=a,s\r" : "AT+S.SCAN=s,\r")
        let reply = Array(try await host.read(through: wire.ok).utf8)
        // mbed's SPWF01 driver stops at the CR LF that starts `\r\nOK\r\n`; SPWF04's OK has none, so the
        // listing is cut there and ended the same way.
        let listing = wire.isSPWF01 ? reply : Array(reply.dropLast(wire.ok.utf8.count)) + [0x0D, 0x0A]
        let parsed = try #require(Self.parse(listing))
        #expect(
            parsed == [
                AccessPoint(bssid: [2, 0, 0, 0, 0, 1], channel: 6, rssi: -41, ssid: "lab", security: .wpa2),
                AccessPoint(bssid: [2, 0, 0, 0, 0, 2], channel: 11, rssi: -70, ssid: "cafe", security: .none),
                AccessPoint(bssid: [2, 0, 0, 0, 0, 3], channel: 1, rssi: -88, ssid: "old one", security: .wep),
                AccessPoint(bssid: [2, 0, 0, 0, 0, 4], channel: 3, rssi: -60, ssid: "tkip", security: .wpa),
                AccessPoint(bssid: [10, 0xBC, 0, 0, 0, 5], channel: 13, rssi: -55, ssid: "mixed", security: .wpaWPA2),
            ])
        // Exact bytes of two lines (the open network keeps the space after its CAPS value).
        let text = String(decoding: reply, as: UTF8.self)
        let prefix = wire.isSPWF01 ? "" : "AT-S."
        #expect(text.contains(prefix + "1:\tBSS 02:00:00:00:00:01 CHAN: 06 RSSI: -41 SSID: 'lab' CAPS: 0431 WPA2\r\n"))
        #expect(text.contains(prefix + "2:\tBSS 02:00:00:00:00:02 CHAN: 11 RSSI: -70 SSID: 'cafe' CAPS: 0401 \r\n"))
    }

    @Test("SCAN arguments: filters by SSID or BSSID; bad arguments refused", arguments: Wire.both)
    func arguments(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile) { $0.networks = Self.networks }
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        let prefix = wire.isSPWF01 ? "" : "AT-S."
        let heading = wire.isSPWF01 ? "" : "AT-S.Parsing Networks:1\r\n"
        try await host.send(wire.isSPWF01 ? "AT+S.SCAN=a,s,cafe\r" : "AT+S.SCAN=s,cafe\r")
        try await host.expect(
            heading + prefix + "1:\tBSS 02:00:00:00:00:02 CHAN: 11 RSSI: -70 SSID: 'cafe' CAPS: 0401 \r\n" + wire.ok)
        try await host.send(wire.isSPWF01 ? "AT+S.SCAN=p,m,0a:bc:00:00:00:05\r" : "AT+S.SCAN=m,0a:bc:00:00:00:05\r")
        try await host.expect(
            heading + prefix + "1:\tBSS 0A:BC:00:00:00:05 CHAN: 13 RSSI: -55 SSID: 'mixed' CAPS: 0431 WPA WPA2\r\n"
                + wire.ok)
        for bad in wire.isSPWF01 ? ["x", "a,x", "s"] : ["x", "a,s"] {
            try await host.send("AT+S.SCAN=\(bad)\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
        }
    }
}
