import Testing
import UplinkModule

/// A failed join is over when its last WIND is out: AT+S.WIFI=1 sent in answer to it starts a new join.
@Suite("Join retry right after a failure", .timeLimit(.minutes(1)))
struct JoinRetryTests {
    @Test(
        "WIFI=1 in answer to WIND 20 (unknown SSID) or the third WIND 40 (wrong passphrase) joins again",
        arguments: Wire.both)
    func retryAtOnce(wire: Wire) async throws {
        let networks = [WiFiNetwork(ssid: "lab", passphrase: "right", security: .wpa2)]
        let host = try await TestHost(profile: wire.profile) { options in
            options.networks = networks
            // Steps far apart, so the retry surely lands within the step after the last WIND.
            options.step = .milliseconds(150)
        }
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        for (ssid, passphrase, last) in [
            ("nowhere", "x", wire.wind(20, "WiFi Join Failed")), ("lab", "wrong", wire.wind(40, "Deauthentication:15")),
        ] {
            for line in ["AT+S.SSIDTXT=\(ssid)", "AT+S.SCFG=wifi_wpa_psk_text,\(passphrase)"] {
                try await host.send(line + "\r")
                try await host.expect(wire.ok)
            }
            try await host.send("AT+S.WIFI=1\r")
            try await host.expect(wire.ok)
            var transcript = ""
            for _ in 0..<(last.contains(":40:") ? 3 : 1) {
                transcript += try await host.read(through: last, timeout: .seconds(10))
            }
            try await host.send("AT+S.WIFI=1\r")
            try await host.expect(wire.ok)
            try await host.expect(wire.wind(46, "WPA: Crunching PSK..."), timeout: .seconds(5))
            _ = try await host.read(through: last, timeout: .seconds(10))
            if last.contains(":40:") {
                _ = try await host.read(through: last, timeout: .seconds(10))
                _ = try await host.read(through: last, timeout: .seconds(10))
            }
        }
    }
}
