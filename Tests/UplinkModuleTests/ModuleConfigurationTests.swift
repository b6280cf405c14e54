import ATCodec
import Testing
import UplinkModule

/// The configuration's saved form (`AT&W`) and SCFG's checks, at the level the module-config fuzzer checks them.
@Suite("module configuration: SCFG values and the saved form")
struct ModuleConfigurationTests {
    static func factory(_ profile: ModuleProfile = .spwf01) -> ModuleConfiguration {
        ModuleConfiguration(profile: profile, serial: "0123456789", macAddress: "02:55:00:00:00:01")
    }

    /// Found by the fuzzer: `wifi_wpa_psk_text=abk\r` was stored, and its saved line `…abk\r\n` did not split from
    /// the next one (as `Character`s, `\r\n` is one), so the saved form lost a variable.
    @Test("a text value with a control byte is refused", arguments: ["abk\r", "a\nb", "tab\there", "del\u{7F}"])
    func controlBytes(value: String) {
        var configuration = Self.factory()
        #expect(throws: ATError.invalidValue) { try configuration.set("wifi_wpa_psk_text", to: value, in: .spwf01) }
        #expect(configuration == Self.factory())
    }

    @Test("every text variable set through SCFG survives the saved form")
    func savedFormKeepsText() throws {
        for profile in [ModuleProfile.spwf01, .spwf04] {
            var configuration = Self.factory(profile)
            if profile.dialect.family == .spwf01 {
                try configuration.set("user_desc", to: "a desk = lab 3", in: .spwf01)
            }
            try configuration.set("wifi_wpa_psk_text", to: "pass phrase é", in: profile.dialect.family)
            var restored = Self.factory(profile)
            try restored.restore(from: configuration.serialized())
            #expect(restored == configuration)
            #expect(restored["wifi_wpa_psk_text"] == "pass phrase é")
        }
    }

    @Test("a saved form with CRLF line ends restores every line; a CR inside a line does not swallow the next")
    func lineEnds() throws {
        var restored = Self.factory()
        try restored.restore(from: Array("uplink-config 1\r\nuser_desc=desk\r\nwifi_wpa_psk_text=abk\r\n".utf8))
        #expect(restored["user_desc"] == "desk")
        #expect(restored["wifi_wpa_psk_text"] == "abk")
        var again = Self.factory()
        try again.restore(from: Array("uplink-config 1\nuser_desc=a\rb\nwifi_wpa_psk_text=kept\n".utf8))
        #expect(again["user_desc"] == Self.factory()["user_desc"])
        #expect(again["wifi_wpa_psk_text"] == "kept")
    }
}
