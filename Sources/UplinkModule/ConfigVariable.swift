import ATCodec

/// The type of a configuration variable, which decides which values SCFG accepts.
public enum ConfigValueKind: Equatable, Sendable {
    /// A decimal integer in a range.
    case integer(ClosedRange<Int>)
    /// One of a fixed set of decimal integers (baud rates).
    case oneOf([Int])
    /// A 32-bit mask, written `0x1234ABCD` (decimal accepted too), shown as `0x%08X`.
    case hex32
    /// Free text of at most this many bytes.
    case text(maxLength: Int)
    /// A dotted IPv4 address.
    case ipv4
    /// Up to 32 bytes written as hex pairs separated by colons (`wifi_ssid`).
    case hexBytes(maxCount: Int)
    /// A character given as its decimal code (the console delimiter).
    case character
}

/// One configuration variable of the module (`AT+S.GCFG` / `AT+S.SCFG` / `AT&V`).
public struct ConfigVariable: Equatable, Sendable {
    /// The SPWF01 name, or `nil` when SPWF01 lacks it.
    public var spwf01Name: String?
    /// The SPWF04 name, or `nil` when SPWF04 lacks it.
    public var spwf04Name: String?
    /// The value type.
    public var kind: ConfigValueKind
    /// The factory value, in canonical form.
    public var factoryValue: String
    /// Read-only variables (the `nv_` identity) reject SCFG.
    public var isReadOnly: Bool

    init(_ spwf01: String?, _ spwf04: String?, _ kind: ConfigValueKind, _ value: String, readOnly: Bool = false) {
        self.spwf01Name = spwf01
        self.spwf04Name = spwf04
        self.kind = kind
        self.factoryValue = value
        self.isReadOnly = readOnly
    }

    /// The key the configuration is stored under (the SPWF01 name where there is one).
    public var key: String { spwf01Name ?? spwf04Name ?? "" }

    /// This variable's name in a dialect family, if it exists there.
    public func name(in family: ATDialect.Family) -> String? {
        family == .spwf01 ? spwf01Name : spwf04Name
    }

    /// Checks `text` against the type and returns the canonical form, or `nil` when it is invalid.
    public func canonicalValue(_ text: String) -> String? {
        switch kind {
        case .integer(let range):
            guard let value = Int(text), range.contains(value) else { return nil }
            return String(value)
        case .oneOf(let allowed):
            guard let value = Int(text), allowed.contains(value) else { return nil }
            return String(value)
        case .hex32:
            let lower = text.lowercased()
            let parsed: UInt64? =
                lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower, radix: 10)
            guard let value = parsed, value <= UInt64(UInt32.max), lower != "0x" else { return nil }
            return ConfigVariable.hex32(UInt32(value))
        case .text(let maxLength):
            // No control bytes: the saved form is one `key=value` line a variable, and a WPA passphrase is printable
            // ASCII (docs/at-commands.md: the real firmware's rule is unknown).
            guard text.utf8.count <= maxLength, !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                return nil
            }
            return text
        case .ipv4:
            return IPv4Address(text).map { $0.description }
        case .hexBytes(let maxCount):
            if text.isEmpty { return "" }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= maxCount else { return nil }
            var bytes: [String] = []
            for part in parts {
                guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
                bytes.append(ConfigVariable.hexByte(byte))
            }
            return bytes.joined(separator: ":")
        case .character:
            guard let value = Int(text), (33...126).contains(value) else { return nil }
            return String(value)
        }
    }

    static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}

extension ConfigVariable {
    /// Every configuration variable, in `AT&V` order (after the SPWF01 dump order the reference gives).
    public static let catalog: [ConfigVariable] = [
        ConfigVariable("nv_manuf", "nv_manuf", .text(maxLength: 32), "ST", readOnly: true),
        ConfigVariable("nv_model", "nv_model", .text(maxLength: 32), "", readOnly: true),
        ConfigVariable("nv_serial", "nv_serial", .text(maxLength: 32), "", readOnly: true),
        ConfigVariable("nv_wifi_macaddr", "nv_wifi_macaddr", .text(maxLength: 17), "", readOnly: true),
        ConfigVariable("blink_led", "blink_led", .integer(0...1), "1"),
        ConfigVariable("wind_off_low", "console_wind_off_low", .hex32, "0x00000000"),
        ConfigVariable("wind_off_medium", "console_wind_off_medium", .hex32, "0x00000000"),
        ConfigVariable("wind_off_high", "console_wind_off_high", .hex32, "0x00000000"),
        ConfigVariable("user_desc", nil, .text(maxLength: 32), "anonymous"),
        ConfigVariable("escape_seq", nil, .text(maxLength: 8), "at+s."),
        ConfigVariable("localecho1", "console_echo", .integer(0...1), "0"),
        ConfigVariable(
            "console1_speed", "console_speed",
            .oneOf([9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1_000_000, 2_000_000]), "115200"),
        ConfigVariable("console1_hwfc", "console_hwfc", .integer(0...1), "0"),
        ConfigVariable("console1_enabled", "console_enabled", .integer(0...1), "1"),
        ConfigVariable("console1_delimiter", "console_delimiter", .character, "44"),
        ConfigVariable("console1_errs", "console_errs", .integer(0...2), "2"),
        ConfigVariable(nil, "console_verbose", .integer(0...2), "0"),
        ConfigVariable("sleep_enabled", "sleep_enabled", .integer(0...1), "0"),
        ConfigVariable("standby_enabled", "standby_enabled", .integer(0...1), "0"),
        ConfigVariable("standby_time", "standby_time", .integer(1...65_535), "10"),
        ConfigVariable("wifi_tx_power", "wifi_tx_power", .integer(0...18), "18"),
        ConfigVariable("wifi_rssi_thresh", "wifi_rssi_thresh", .integer(-100...0), "0"),
        ConfigVariable("wifi_bcn_timeout", "wifi_bcn_timeout", .integer(0...65_535), "20"),
        ConfigVariable("wifi_ssid", "wifi_ssid", .hexBytes(maxCount: 32), ""),
        ConfigVariable("wifi_ssid_len", "wifi_ssid_len", .integer(0...32), "0"),
        ConfigVariable("wifi_channelnum", "wifi_channelnum", .integer(1...14), "6"),
        ConfigVariable("wifi_opr_rate_mask", "wifi_opr_rate_mask", .hex32, "0x003FFFCF"),
        ConfigVariable("wifi_bas_rate_mask", "wifi_bas_rate_mask", .hex32, "0x0000000F"),
        ConfigVariable("wifi_mode", "wifi_mode", .integer(0...3), "1"),
        ConfigVariable("wifi_auth_type", "wifi_auth_type", .integer(0...1), "0"),
        ConfigVariable("wifi_atim", "wifi_atim", .integer(0...65_535), "0"),
        ConfigVariable("wifi_beacon_interval", "wifi_beacon_interval", .integer(1...65_535), "100"),
        ConfigVariable("wifi_prio", "wifi_prio", .integer(0...7), "0"),
        ConfigVariable("wifi_ht_mode", "wifi_ht_mode", .integer(0...1), "0"),
        ConfigVariable("wifi_reg_country", "wifi_reg_country", .text(maxLength: 3), "US"),
        ConfigVariable("wifi_powersave", "wifi_powersave", .integer(0...2), "1"),
        ConfigVariable("wifi_operational_mode", "wifi_operational_mode", .hex32, "0x00000011"),
        ConfigVariable("wifi_listen_interval", "wifi_listen_interval", .integer(0...255), "0"),
        ConfigVariable("wifi_beacon_wakeup", "wifi_beacon_wakeup", .integer(0...255), "1"),
        ConfigVariable("wifi_priv_mode", "wifi_priv_mode", .integer(0...2), "2"),
        ConfigVariable("wifi_wep_keys[0]", "wifi_wep_keys[0]", .text(maxLength: 26), ""),
        ConfigVariable("wifi_wep_key_lens", "wifi_wep_key_lens", .hex32, "0x00000000"),
        ConfigVariable("wifi_wep_default_key", "wifi_wep_default_key", .integer(0...3), "0"),
        ConfigVariable("wifi_wpa_psk_raw", "wifi_wpa_psk_raw", .hexBytes(maxCount: 32), ""),
        ConfigVariable("wifi_wpa_psk_text", "wifi_wpa_psk_text", .text(maxLength: 64), ""),
        ConfigVariable("ip_use_dhcp", "ip_use_dhcpc", .integer(0...2), "1"),
        ConfigVariable("ip_hostname", "ip_hostname", .text(maxLength: 32), "iwm"),
        ConfigVariable("ip_apdomainname", "ip_apdomainname", .text(maxLength: 32), "captiveportal.net"),
        ConfigVariable("ip_apredirect", "ip_apredirect", .text(maxLength: 32), "firstset.html"),
        ConfigVariable("ip_ipaddr", "ip_ipaddr", .ipv4, "192.168.0.123"),
        ConfigVariable("ip_netmask", "ip_netmask", .ipv4, "255.255.255.0"),
        ConfigVariable("ip_gw", "ip_gw", .ipv4, "192.168.0.1"),
        ConfigVariable("ip_dns", "ip_dns1", .ipv4, "0.0.0.0"),
        ConfigVariable(nil, "ip_dns2", .ipv4, "0.0.0.0"),
        ConfigVariable("ip_http_get_recv_timeout", "ip_http_get_recv_timeout", .integer(0...65_535), "1000"),
        ConfigVariable("ip_dhcp_timeout", "ip_dhcp_timeout", .integer(0...255), "20"),
        ConfigVariable("ip_sockd_timeout", "ip_sockd_timeout", .integer(0...65_535), "250"),
        ConfigVariable("ip_use_httpd", "ip_use_httpd", .integer(0...1), "0"),
        ConfigVariable(nil, "ramdisk_memsize", .integer(0...128), "16"),
        // Uplink's extension: ALPN protocols offered by TLS sockets, comma-separated
        // (AWS IoT on port 443 needs x-amzn-mqtt-ca).
        ConfigVariable("tls_alpn", "tls_alpn", .text(maxLength: 64), ""),
    ]
}
